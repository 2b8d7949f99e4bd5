import type { LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';

type Props = Record<string, unknown>;

/**
 * What `AWS::DynamoDB::Table` and a global table's replica both come to, in CreateTable's
 * words where CreateTable takes it: definitions.ts makes the table from it.
 */
export interface TableSpecification {
  readonly KeySchema?: unknown;
  readonly AttributeDefinitions?: unknown;
  readonly BillingMode: string;
  readonly ProvisionedThroughput?: unknown;
  readonly GlobalSecondaryIndexes?: readonly Props[];
  readonly LocalSecondaryIndexes?: unknown;
  /** CloudFormation's StreamSpecification (`StreamViewType`). */
  readonly StreamSpecification?: Props;
  /** CreateTable's SSESpecification (`Enabled`, `SSEType`, `KMSMasterKeyId`). */
  readonly SSESpecification?: Props;
  readonly TimeToLiveSpecification?: unknown;
  /** CloudFormation's KinesisStreamSpecification (`StreamArn`, `ApproximateCreationDateTimePrecision`). */
  readonly KinesisStreamSpecification?: unknown;
  readonly DeletionProtectionEnabled?: unknown;
  readonly TableClass?: unknown;
  readonly Tags?: unknown;
  readonly WarmThroughput?: unknown;
  readonly PointInTimeRecoverySpecification?: unknown;
  /** The table's ContributorInsightsSpecification (no `IndexName`), then each global secondary index's. */
  readonly ContributorInsights: readonly { readonly IndexName?: string; readonly specification: unknown }[];
}

/** CloudFormation writes booleans as booleans or as `"true"`. */
export const isTrue = (value: unknown): boolean => value === true || value === 'true';

/** The line for a table whose maximum on-demand throughput the template sets. */
export const onDemandMaximum = (r: LoadedResource): string =>
  `${whereOf(r)}: its maximum on-demand throughput is not enforced: reads and writes are never throttled`;

/**
 * The start-up lines for what a table's (or replica's) template sets that nothing runs here:
 * its resource policies (DynamoDB's are not evaluated locally: identity policies alone
 * decide) and its Kinesis streaming destination (no Kinesis).
 */
export function notRunParts(
  r: LoadedResource,
  spec: { readonly ResourcePolicy?: unknown; readonly streamPolicy?: unknown; readonly KinesisStreamSpecification?: unknown },
): string[] {
  const where = whereOf(r);
  return [
    ...(spec.ResourcePolicy === undefined
      ? []
      : [`${where}: its ResourcePolicy is not applied locally: IAM decides on the callers' own policies alone`]),
    ...(spec.streamPolicy === undefined
      ? []
      : [`${where}: its stream's ResourcePolicy is not applied locally: IAM decides on the callers' own policies alone`]),
    ...(spec.KinesisStreamSpecification === undefined
      ? []
      : [`${where}: KinesisStreamSpecification is not run locally: no Kinesis data stream receives its changes`]),
  ];
}
