import { tryParseArn } from '../names/arn.js';
import type { LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { isTrue, notRunParts, onDemandMaximum, type TableSpecification } from './template-parts.js';

type Props = Record<string, unknown>;

/**
 * Capacity units of a provisioned table or index when the template names none: what the
 * AWS::DynamoDB::Table mapping gives a provisioned table without ProvisionedThroughput
 * (CloudFormation refuses both; the local table is made all the same).
 */
const UNNAMED_CAPACITY = 5;

const list = (value: unknown): Props[] => (Array.isArray(value) ? (value as Props[]) : []);

/**
 * The units of a replica's or an index's ReadProvisionedThroughputSettings or
 * WriteProvisionedThroughputSettings: its fixed units, else its auto scaling's `SeedCapacity`
 * (what CloudFormation sets before the scaling policy runs), else the scaling's
 * `MinCapacity`. Nothing scales locally, so the table keeps these.
 */
function capacityUnits(settings: unknown, fixed: string, scaling: string): number | undefined {
  const given = settings as Props | undefined;
  if (given?.[fixed] !== undefined) return Number(given[fixed]);
  const auto = given?.[scaling] as Props | undefined;
  if (auto === undefined) return undefined;
  return Number(auto.SeedCapacity ?? auto.MinCapacity);
}

const readUnits = (settings: unknown) => capacityUnits(settings, 'ReadCapacityUnits', 'ReadCapacityAutoScalingSettings');
const writeUnits = (settings: unknown) => capacityUnits(settings, 'WriteCapacityUnits', 'WriteCapacityAutoScalingSettings');

/**
 * An `AWS::DynamoDB::GlobalTable` as the local runtime runs it: its replica in the stack's
 * region, the one whose `Arn`, `StreamArn` and `TableId` CloudFormation returns, as a table
 * in the runtime's region (the global settings with the replica's own: capacity, deletion
 * protection, point-in-time recovery, contributor insights, table class, tags, its KMS key).
 * The stack's region is the one it was synthesized for, when concrete (CDK writes it into
 * `Replicas`; the runtime loads the stack in its own region all the same), else the
 * runtime's. The runtime has one region: replicas in others are named at start-up, and a
 * table with no replica in the stack's region, which CloudFormation does not create, is not
 * created either.
 */
export function globalTableDefinition(r: LoadedResource): { table?: TableSpecification; warnings: string[] } {
  const p = r.properties as Props;
  const where = whereOf(r);
  // The Arn attribute is the replica's where the runtime loaded the stack.
  const runtimeRegion = tryParseArn(r.attributes.Arn ?? '')?.region ?? '';
  const region = r.stackRegion ?? runtimeRegion;
  const replicas = list(p.Replicas);
  const own = replicas.find((replica) => replica.Region === region);
  const elsewhere = replicas.filter((replica) => replica !== own).map((replica) => String(replica.Region));
  const witnesses = list(p.GlobalTableWitnesses).map((witness) => String(witness.Region));
  const warnings: string[] = [];
  if (own === undefined) {
    // CloudFormation's reference: Replicas "must contain at least one element, the region where the stack defining the global table is deployed".
    warnings.push(
      `${where}: Replicas has no replica in ${region}, the stack's region (it names ${elsewhere.join(', ') || 'none'}): CloudFormation fails to create such a table, and it is not created here`,
    );
    return { warnings };
  }
  if (elsewhere.length > 0 || witnesses.length > 0) {
    const what = [
      ...(elsewhere.length > 0 ? [`its replicas in ${elsewhere.join(', ')}`] : []),
      ...(witnesses.length > 0 ? [`its witness in ${witnesses.join(', ')}`] : []),
    ].join(' and ');
    const created =
      region === runtimeRegion
        ? `${region}, whose replica alone is created`
        : `${runtimeRegion}, where the replica of ${region} is created`;
    warnings.push(`${where}: ${what} are not run: the local runtime has one region, ${created}; nothing is replicated`);
  }
  warnings.push(
    ...notRunParts(r, {
      ResourcePolicy: own.ResourcePolicy,
      streamPolicy: (own.ReplicaStreamSpecification as Props | undefined)?.ResourcePolicy,
      KinesisStreamSpecification: own.KinesisStreamSpecification,
    }),
  );
  if (p.GlobalTableSourceArn !== undefined) {
    warnings.push(`${where}: GlobalTableSourceArn is not replicated from locally: the table starts empty`);
  }
  if (p.VectorIndexes !== undefined) warnings.push(`${where}: VectorIndexes are not created locally`);
  const onDemand = [p.WriteOnDemandThroughputSettings, p.ReadOnDemandThroughputSettings, own.ReadOnDemandThroughputSettings];
  if (onDemand.some((settings) => settings !== undefined)) warnings.push(onDemandMaximum(r));
  return { table: replicaSpecification(p, own), warnings };
}

/** The table of one replica: the global table's settings, with the replica's own. */
function replicaSpecification(p: Props, replica: Props): TableSpecification {
  const billing = String(p.BillingMode ?? 'PROVISIONED');
  const provisioned = billing !== 'PAY_PER_REQUEST';
  const tableRead = readUnits(replica.ReadProvisionedThroughputSettings) ?? readUnits(p.ReadProvisionedThroughputSettings);
  const tableWrite = writeUnits(p.WriteProvisionedThroughputSettings);
  const throughput = (read: number | undefined, write: number | undefined) => ({
    ReadCapacityUnits: read ?? UNNAMED_CAPACITY,
    WriteCapacityUnits: write ?? UNNAMED_CAPACITY,
  });
  const replicaIndexes = new Map(list(replica.GlobalSecondaryIndexes).map((index) => [String(index.IndexName), index]));
  const indexes = list(p.GlobalSecondaryIndexes);
  const sse = p.SSESpecification as Props | undefined;
  const key = (replica.SSESpecification as Props | undefined)?.KMSMasterKeyId;
  return {
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: billing,
    ...(provisioned ? { ProvisionedThroughput: throughput(tableRead, tableWrite) } : {}),
    GlobalSecondaryIndexes: indexes.map((index) => {
      const own = replicaIndexes.get(String(index.IndexName));
      // An index's read capacity is set per replica; one the replica leaves out reads as the replica's table does.
      const read = readUnits(own?.ReadProvisionedThroughputSettings) ?? readUnits(index.ReadProvisionedThroughputSettings) ?? tableRead;
      const write = writeUnits(index.WriteProvisionedThroughputSettings) ?? tableWrite;
      return {
        IndexName: index.IndexName,
        KeySchema: index.KeySchema,
        Projection: index.Projection,
        ...(provisioned ? { ProvisionedThroughput: throughput(read, write) } : {}),
        ...(index.WarmThroughput === undefined ? {} : { WarmThroughput: index.WarmThroughput }),
      };
    }),
    ...(p.LocalSecondaryIndexes === undefined ? {} : { LocalSecondaryIndexes: p.LocalSecondaryIndexes }),
    ...(p.StreamSpecification === undefined ? {} : { StreamSpecification: p.StreamSpecification as Props }),
    // SSEEnabled turns KMS on for every replica; each names its own key (none: the AWS managed key).
    ...(sse === undefined
      ? {}
      : {
          SSESpecification: {
            Enabled: isTrue(sse.SSEEnabled),
            ...(sse.SSEType === undefined ? {} : { SSEType: sse.SSEType }),
            ...(isTrue(sse.SSEEnabled) && key !== undefined ? { KMSMasterKeyId: String(key) } : {}),
          },
        }),
    TimeToLiveSpecification: p.TimeToLiveSpecification,
    DeletionProtectionEnabled: replica.DeletionProtectionEnabled,
    TableClass: replica.TableClass,
    Tags: replica.Tags,
    WarmThroughput: p.WarmThroughput,
    PointInTimeRecoverySpecification: replica.PointInTimeRecoverySpecification,
    ContributorInsights: [
      { specification: replica.ContributorInsightsSpecification },
      ...indexes.map((index) => ({
        IndexName: String(index.IndexName),
        specification: replicaIndexes.get(String(index.IndexName))?.ContributorInsightsSpecification,
      })),
    ],
  };
}
