import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { validation } from './errors.js';
import type { ItemStore } from './item-store.js';
import { globalIndexDescription, indexShape, sseDescriptionOf, type TableCatalog, tableNameOf, warmThroughputOf } from './table-catalog.js';
import type { KeyType, TableShape } from './table-schema.js';

type Json = Record<string, unknown>;

/** A table's stream, as the engine's host keeps streams (local/dynamodb/streams/). */
export interface TableStream {
  readonly arn: string;
  readonly label: string;
  readonly viewType: string;
}

/** What the table operations ask of the streams: enabling, disabling and naming a table's stream. */
export interface StreamControl {
  enable(table: string, viewType: string, keySchema: readonly { AttributeName: string; KeyType: string }[], fresh: boolean): TableStream;
  disable(table: string): void;
  of(table: string): TableStream | undefined;
}

export interface TableContext {
  readonly db: DatabaseSync;
  readonly catalog: TableCatalog;
  readonly items: ItemStore;
  readonly streams: StreamControl;
  readonly now: () => number;
}

/** What AWS warms a new on-demand table or index to: 12,000 reads and 4,000 writes a second. */
const ON_DEMAND_WARM = { ReadUnitsPerSecond: 12_000, WriteUnitsPerSecond: 4_000 };

/**
 * A table's or index's `WarmThroughput`: as asked for, or AWS's default (a provisioned one's
 * throughput, an on-demand one's 12,000 and 4,000).
 */
function warmThroughput(description: Json, onDemand: boolean): Json {
  const throughput = description.ProvisionedThroughput as { ReadCapacityUnits: number; WriteCapacityUnits: number } | undefined;
  const byDefault = onDemand
    ? ON_DEMAND_WARM
    : { ReadUnitsPerSecond: throughput?.ReadCapacityUnits, WriteUnitsPerSecond: throughput?.WriteCapacityUnits };
  return { ...byDefault, Status: 'ACTIVE', ...(description.WarmThroughput as Json | undefined) };
}

/** DescribeTable's `Table`: the kept description with its figures now and its stream. */
export function describe(context: TableContext, table: TableShape): Json {
  const { count, size } = context.items.figures(table);
  const onDemand = (table.description.BillingModeSummary as Json | undefined)?.BillingMode === 'PAY_PER_REQUEST';
  const description: Json = {
    ...table.description,
    ItemCount: count,
    TableSizeBytes: size,
    WarmThroughput: warmThroughput(table.description, onDemand),
  };
  for (const kind of ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'] as const) {
    const indexes = description[kind] as Json[] | undefined;
    if (!indexes) continue;
    description[kind] = indexes.map((index) => {
      const figures = context.items.indexFigures(table, String(index.IndexName));
      const warm = kind === 'GlobalSecondaryIndexes' ? { WarmThroughput: warmThroughput(index, onDemand) } : {};
      return { ...index, IndexSizeBytes: figures.size, ItemCount: figures.count, ...warm };
    });
  }
  const stream = context.streams.of(table.name);
  if (stream) {
    description.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };
    description.LatestStreamArn = stream.arn;
    description.LatestStreamLabel = stream.label;
  }
  return description;
}

export function createTable(context: TableContext, input: Json): Json {
  const spec = input.StreamSpecification as { StreamEnabled?: boolean; StreamViewType?: string } | undefined;
  if (spec?.StreamEnabled && spec.StreamViewType === undefined) {
    throw validation('One or more parameter values were invalid: StreamViewType must be specified when StreamEnabled is true');
  }
  const table = context.catalog.create(input);
  if (spec?.StreamEnabled) context.streams.enable(table.name, String(spec.StreamViewType), input.KeySchema as never, false);
  return { TableDescription: creating(describe(context, table), table.description) };
}

/**
 * CreateTable's answer as AWS gives it, the table and its global indexes CREATING (a local
 * table is ACTIVE once answered, as DescribeTable then says): no warm throughput unless asked
 * for (then UPDATING), and an on-demand table's billing summary without its date.
 */
function creating(description: Json, kept: Json): Json {
  const { WarmThroughput: warm, ...answer } = description;
  const billing = answer.BillingModeSummary as Json | undefined;
  const indexes = answer.GlobalSecondaryIndexes as Json[] | undefined;
  return {
    ...answer,
    TableStatus: 'CREATING',
    ...(kept.WarmThroughput ? { WarmThroughput: { ...(warm as Json), Status: 'UPDATING' } } : {}),
    ...(billing ? { BillingModeSummary: { BillingMode: billing.BillingMode } } : {}),
    ...(indexes
      ? { GlobalSecondaryIndexes: indexes.map(({ WarmThroughput: _warm, ...index }) => ({ ...index, IndexStatus: 'CREATING' })) }
      : {}),
  };
}

export function describeTable(context: TableContext, input: Json): Json {
  return { Table: describe(context, context.catalog.described(String(input.TableName))) };
}

export function deleteTable(context: TableContext, input: Json): Json {
  const table = context.catalog.described(String(input.TableName));
  if (table.description.DeletionProtectionEnabled === true) {
    throw validation(`Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.`);
  }
  const description = describe(context, table);
  context.items.drop(table.id);
  context.catalog.delete(table);
  context.streams.disable(table.name);
  context.db.prepare('DELETE FROM time_to_live WHERE table_name = ?').run(table.name);
  // DynamoDB answers DeleteTable with the table DELETING, without its figures' details.
  return {
    TableDescription: {
      TableName: description.TableName,
      TableStatus: 'DELETING',
      TableArn: description.TableArn,
      TableId: description.TableId,
      ProvisionedThroughput: description.ProvisionedThroughput,
      ...(description.BillingModeSummary ? { BillingModeSummary: description.BillingModeSummary } : {}),
      ItemCount: 0,
      TableSizeBytes: 0,
      DeletionProtectionEnabled: false,
    },
  };
}

export function listTables(context: TableContext, input: Json): Json {
  const limit = input.Limit === undefined ? 100 : Number(input.Limit);
  const start = input.ExclusiveStartTableName === undefined ? undefined : String(input.ExclusiveStartTableName);
  const names = context.catalog.names().filter((name) => start === undefined || name > start);
  const page = names.slice(0, limit);
  return { TableNames: page, ...(names.length > limit ? { LastEvaluatedTableName: page[page.length - 1] } : {}) };
}

/**
 * UpdateTable: billing mode and throughput, deletion protection, a GSI created or deleted, the
 * stream. Answered with the table UPDATING, as AWS answers every UpdateTable (a local change is
 * done once answered, as DescribeTable then says: ACTIVE).
 */
export function updateTable(context: TableContext, input: Json): Json {
  let table = context.catalog.described(String(input.TableName));
  const description = { ...table.description };
  let indexes = [...table.indexes];
  const definitions = new Map<string, KeyType>(
    [...((description.AttributeDefinitions as { AttributeName: string; AttributeType: KeyType }[]) ?? [])].map((d) => [
      d.AttributeName,
      d.AttributeType,
    ]),
  );
  for (const definition of (input.AttributeDefinitions as { AttributeName: string; AttributeType: KeyType }[] | undefined) ?? []) {
    definitions.set(definition.AttributeName, definition.AttributeType);
  }
  const throughput = (spec: unknown) => ({
    NumberOfDecreasesToday: 0,
    ReadCapacityUnits: Number((spec as Json | undefined)?.ReadCapacityUnits ?? 0),
    WriteCapacityUnits: Number((spec as Json | undefined)?.WriteCapacityUnits ?? 0),
  });
  if (input.BillingMode === 'PAY_PER_REQUEST') {
    description.BillingModeSummary = { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: Date.now() / 1000 };
    description.ProvisionedThroughput = throughput(undefined);
  } else if (input.BillingMode === 'PROVISIONED' || input.ProvisionedThroughput) {
    if (input.BillingMode === 'PROVISIONED') delete description.BillingModeSummary;
    if (input.ProvisionedThroughput) description.ProvisionedThroughput = throughput(input.ProvisionedThroughput);
  }
  if (typeof input.DeletionProtectionEnabled === 'boolean') description.DeletionProtectionEnabled = input.DeletionProtectionEnabled;
  Object.assign(description, warmThroughputOf(input));
  for (const update of (input.GlobalSecondaryIndexUpdates as Json[] | undefined) ?? []) {
    const create = update.Create as Json | undefined;
    const remove = update.Delete as Json | undefined;
    if (create) {
      const index = indexShape(create, 'global', definitions, table);
      if (indexes.some((i) => i.name === index.name)) {
        throw validation(`One or more parameter values were invalid: Index ${index.name} already exists`);
      }
      indexes.push(index);
      description.GlobalSecondaryIndexes = [
        ...((description.GlobalSecondaryIndexes as Json[] | undefined) ?? []),
        globalIndexDescription(create, String(description.TableArn), throughput),
      ];
      context.items.backfill({ ...table, indexes }, index);
    } else if (remove) {
      const name = String(remove.IndexName);
      if (!indexes.some((i) => i.name === name && i.kind === 'global')) {
        throw new AwsError('ResourceNotFoundException', `Requested resource not found: Index: ${name} not found for table ${table.name}`);
      }
      indexes = indexes.filter((i) => i.name !== name);
      description.GlobalSecondaryIndexes = ((description.GlobalSecondaryIndexes as Json[]) ?? []).filter((i) => i.IndexName !== name);
      if ((description.GlobalSecondaryIndexes as Json[]).length === 0) delete description.GlobalSecondaryIndexes;
      context.items.dropIndex(table.id, name);
    }
  }
  if (input.AttributeDefinitions) {
    description.AttributeDefinitions = [...definitions.entries()].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    }));
  }
  const spec = input.StreamSpecification as { StreamEnabled?: boolean; StreamViewType?: string } | undefined;
  if (spec) updateStream(context, table, spec);
  const sse = input.SSESpecification === undefined ? undefined : updatedSse(description, input.SSESpecification, context);
  table = { ...table, indexes, description };
  context.catalog.replace(table);
  return { TableDescription: { ...describe(context, table), TableStatus: 'UPDATING', ...sse } };
}

/**
 * An UpdateTable's `SSESpecification` applied to the description; what UpdateTable answers of
 * it: the key being changed, `UPDATING` (as AWS answers it; DescribeTable then has the result).
 */
function updatedSse(description: Json, spec: unknown, context: TableContext): Json {
  const before = description.SSEDescription as Json | undefined;
  const after = sseDescriptionOf(spec, context.catalog.location).SSEDescription as Json | undefined;
  if (after) description.SSEDescription = after;
  else delete description.SSEDescription;
  const shown = after ?? before;
  return shown ? { SSEDescription: { ...shown, Status: 'UPDATING' } } : {};
}

function updateStream(context: TableContext, table: TableShape, spec: { StreamEnabled?: boolean; StreamViewType?: string }): void {
  const current = context.streams.of(table.name);
  if (typeof spec.StreamEnabled !== 'boolean') throw validation('StreamSpecification.StreamEnabled is required');
  if (spec.StreamEnabled && current) throw validation(`Table already has an enabled stream: TableName: ${table.name}`);
  if (!spec.StreamEnabled && !current) throw validation(`Table does not have an enabled stream: TableName: ${table.name}`);
  if (spec.StreamEnabled) {
    if (!['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'].includes(String(spec.StreamViewType))) {
      throw validation(
        'StreamSpecification.StreamViewType must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES when StreamEnabled is true',
      );
    }
    context.streams.enable(table.name, String(spec.StreamViewType), table.description.KeySchema as never, true);
  } else context.streams.disable(table.name);
}

/** The ARN of the table a tagging request's ResourceArn names: what its tags are kept by. */
function taggedTable(context: TableContext, input: Json): string {
  const arn = String(input.ResourceArn);
  const table = context.catalog.find(tableNameOf(arn));
  if (!table || !arn.startsWith('arn:')) {
    throw new AwsError('ResourceNotFoundException', `Requested resource not found: ResourcArn: ${arn} not found`);
  }
  return context.catalog.arnOf(table.name);
}

export function tagResource(context: TableContext, input: Json): Json {
  const tags = input.Tags as { Key: string; Value: string }[];
  context.catalog.tags.tag(
    taggedTable(context, input),
    tags.map((tag) => [tag.Key, tag.Value]),
  );
  return {};
}

export function untagResource(context: TableContext, input: Json): Json {
  context.catalog.tags.untag(taggedTable(context, input), input.TagKeys as string[]);
  return {};
}

export function listTagsOfResource(context: TableContext, input: Json): Json {
  return { Tags: context.catalog.tags.list(taggedTable(context, input)).map(([Key, Value]) => ({ Key, Value })) };
}
