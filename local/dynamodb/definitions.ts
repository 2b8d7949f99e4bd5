import type { SharedDefinitions } from '../service-registry/service-definitions.js';
import type { LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { globalTableDefinition } from './global-tables.js';
import { isTrue, notRunParts, onDemandMaximum, type TableSpecification } from './template-parts.js';

type Props = Record<string, unknown>;

/** A table the template declares, as the DynamoDB module creates it. */
export interface TableDefinition {
  readonly name: string;
  /** `AWS::DynamoDB::Table` or `AWS::DynamoDB::GlobalTable` (its replica of the stack's region). */
  readonly type: string;
  /** CreateTable's input. */
  readonly definition: Record<string, unknown>;
  readonly ttlAttribute?: string;
  readonly streamLabel?: string;
  /** The template's `KinesisStreamSpecification`: the Kinesis data stream its changes are sent to. */
  readonly kinesisDestination?: { readonly streamArn: string; readonly precision?: string };
  /** The id CloudFormation returns for it (a global table's `TableId`): the table the engine creates for the template takes it. */
  readonly tableId?: string;
  /** What CreateTable does not take, set once the table is created. */
  readonly settings: TemplateTableSettings;
}

/** A template table's settings that have operations of their own (UpdateContinuousBackups, UpdateContributorInsights). */
export interface TemplateTableSettings {
  /** UpdateContinuousBackups' `PointInTimeRecoverySpecification`, when the template turns it on. */
  readonly pointInTimeRecovery?: { readonly PointInTimeRecoveryEnabled: true; readonly RecoveryPeriodInDays?: number };
  /** UpdateContributorInsights' input (less the table) for the table (no `IndexName`) and each index the template turns it on for. */
  readonly contributorInsights: readonly { readonly IndexName?: string; readonly ContributorInsightsMode?: string }[];
}

/**
 * The template's tables (`AWS::DynamoDB::Table`, and each `AWS::DynamoDB::GlobalTable`'s
 * replica of the stack's region) as DynamoDB's CreateTable takes them, with their time to
 * live, stream label and settings; and a start-up line for each part of them not run here.
 */
export function tableDefinitions(byType: (type: string) => readonly LoadedResource[]): SharedDefinitions & { tables: TableDefinition[] } {
  const tables: TableDefinition[] = [];
  const warnings: string[] = [];
  for (const [type, read] of TABLE_TYPES) {
    for (const r of byType(type)) {
      const { table, warnings: lines } = read(r);
      if (table) tables.push(templateTable(r, table));
      warnings.push(...lines);
    }
  }
  // The engine keeps no capacity: a table AWS would throttle (ProvisionedThroughputExceededException) never is here.
  warnings.push(
    ...tables
      .filter((t) => t.definition.BillingMode !== 'PAY_PER_REQUEST')
      .map((t) => `${t.name} (${t.type}): its provisioned capacity is not enforced: reads and writes are never throttled`),
  );
  return { tables, warnings };
}

/** How each resource type that makes a table is read: the table, if the runtime creates one, and start-up lines. */
const TABLE_TYPES: readonly [string, (r: LoadedResource) => { table?: TableSpecification; warnings: string[] }][] = [
  ['AWS::DynamoDB::Table', tableSpecification],
  ['AWS::DynamoDB::GlobalTable', globalTableDefinition],
];

/** An `AWS::DynamoDB::Table`: its properties are CreateTable's, but for SSESpecification's name of `Enabled` and the index settings. */
function tableSpecification(r: LoadedResource): { table: TableSpecification; warnings: string[] } {
  const p = r.properties as Props;
  const billing = String(p.BillingMode ?? 'PROVISIONED');
  const indexes = (p.GlobalSecondaryIndexes as Props[] | undefined) ?? [];
  const table: TableSpecification = {
    ...p,
    BillingMode: billing,
    ...(billing === 'PAY_PER_REQUEST'
      ? {}
      : { ProvisionedThroughput: p.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      ...(index.ProvisionedThroughput === undefined ? {} : { ProvisionedThroughput: index.ProvisionedThroughput }),
      ...(index.WarmThroughput === undefined ? {} : { WarmThroughput: index.WarmThroughput }),
    })),
    StreamSpecification: p.StreamSpecification as Props | undefined,
    SSESpecification: sseSpecification(p.SSESpecification as Props | undefined),
    ContributorInsights: [
      { specification: p.ContributorInsightsSpecification },
      ...indexes.map((index) => ({ IndexName: String(index.IndexName), specification: index.ContributorInsightsSpecification })),
    ],
  };
  // Its KinesisStreamSpecification is run (local/dynamodb/streams/kinesis-destinations.ts).
  const warnings = notRunParts(r, {
    ...p,
    KinesisStreamSpecification: undefined,
    streamPolicy: (p.StreamSpecification as Props | undefined)?.ResourcePolicy,
  });
  if (p.ImportSourceSpecification !== undefined) {
    warnings.push(`${whereOf(r)}: ImportSourceSpecification is not imported locally: the table starts empty`);
  }
  if (p.OnDemandThroughput !== undefined) warnings.push(onDemandMaximum(r));
  return { table, warnings };
}

/** A table's definition from its specification: CreateTable's input, then what is set after it. */
function templateTable(r: LoadedResource, spec: TableSpecification): TableDefinition {
  const definition: Record<string, unknown> = {
    TableName: r.physicalName,
    KeySchema: spec.KeySchema,
    AttributeDefinitions: spec.AttributeDefinitions,
    BillingMode: spec.BillingMode,
    ...(spec.ProvisionedThroughput === undefined ? {} : { ProvisionedThroughput: spec.ProvisionedThroughput }),
    ...(spec.GlobalSecondaryIndexes?.length ? { GlobalSecondaryIndexes: spec.GlobalSecondaryIndexes } : {}),
    ...(spec.LocalSecondaryIndexes === undefined ? {} : { LocalSecondaryIndexes: spec.LocalSecondaryIndexes }),
    ...(spec.StreamSpecification
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.StreamSpecification.StreamViewType } }
      : {}),
    ...(spec.SSESpecification === undefined ? {} : { SSESpecification: spec.SSESpecification }),
    ...(spec.DeletionProtectionEnabled === undefined ? {} : { DeletionProtectionEnabled: isTrue(spec.DeletionProtectionEnabled) }),
    ...(spec.TableClass === undefined ? {} : { TableClass: spec.TableClass }),
    ...(Array.isArray(spec.Tags) && spec.Tags.length > 0 ? { Tags: tagsOf(spec.Tags) } : {}),
    ...(spec.WarmThroughput === undefined ? {} : { WarmThroughput: spec.WarmThroughput }),
  };
  const ttl = spec.TimeToLiveSpecification as { AttributeName?: string; Enabled?: unknown } | undefined;
  // Time to live and the stream are kept by local/dynamodb/streams/; the stream keeps the label of the template's StreamArn.
  const streamLabel = r.attributes.StreamArn?.split('/stream/')[1];
  const kinesis = spec.KinesisStreamSpecification as { StreamArn?: unknown; ApproximateCreationDateTimePrecision?: unknown } | undefined;
  const pitr = spec.PointInTimeRecoverySpecification as
    | { PointInTimeRecoveryEnabled?: unknown; RecoveryPeriodInDays?: unknown }
    | undefined;
  return {
    name: r.physicalName,
    type: r.type,
    definition,
    ...(isTrue(ttl?.Enabled) && ttl?.AttributeName !== undefined ? { ttlAttribute: ttl.AttributeName } : {}),
    ...(streamLabel === undefined ? {} : { streamLabel }),
    ...(typeof kinesis?.StreamArn === 'string'
      ? {
          kinesisDestination: {
            streamArn: kinesis.StreamArn,
            ...(kinesis.ApproximateCreationDateTimePrecision === undefined
              ? {}
              : { precision: String(kinesis.ApproximateCreationDateTimePrecision) }),
          },
        }
      : {}),
    ...(r.attributes.TableId === undefined ? {} : { tableId: r.attributes.TableId }),
    settings: {
      ...(isTrue(pitr?.PointInTimeRecoveryEnabled)
        ? {
            pointInTimeRecovery: {
              PointInTimeRecoveryEnabled: true,
              ...(pitr?.RecoveryPeriodInDays === undefined ? {} : { RecoveryPeriodInDays: Number(pitr.RecoveryPeriodInDays) }),
            },
          }
        : {}),
      contributorInsights: spec.ContributorInsights.flatMap(({ IndexName, specification }) => {
        const insights = specification as { Enabled?: unknown; Mode?: unknown } | undefined;
        if (!isTrue(insights?.Enabled)) return [];
        return [
          {
            ...(IndexName === undefined ? {} : { IndexName }),
            ...(insights?.Mode ? { ContributorInsightsMode: String(insights.Mode) } : {}),
          },
        ];
      }),
    },
  };
}

/** CloudFormation's tags as CreateTable takes them: `Key` and `Value` strings. */
function tagsOf(tags: readonly unknown[]): { Key: string; Value: string }[] {
  return tags.map((tag) => {
    const { Key, Value } = tag as { Key?: unknown; Value?: unknown };
    return { Key: String(Key), Value: String(Value ?? '') };
  });
}

/** CloudFormation's SSESpecification (`SSEEnabled`) as CreateTable takes it (`Enabled`). */
function sseSpecification(sse: Props | undefined): Props | undefined {
  if (sse === undefined) return undefined;
  const { SSEEnabled, ...rest } = sse;
  return { Enabled: isTrue(SSEEnabled), ...rest };
}
