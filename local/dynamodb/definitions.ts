import type { LoadedResource } from '../template/load.js';

type Props = Record<string, unknown>;

export interface TableDefinition {
  readonly name: string;
  /** CreateTable's input. */
  readonly definition: Record<string, unknown>;
  readonly ttlAttribute?: string;
  readonly streamLabel?: string;
}

/** The template's tables, as DynamoDB's CreateTable takes them, with their time to live and stream label. */
export function tableDefinitions(byType: (type: string) => readonly LoadedResource[]): TableDefinition[] {
  return byType('AWS::DynamoDB::Table').map((r) => {
    const p = r.properties as Props;
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    const definition: Record<string, unknown> = {
      TableName: r.physicalName,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: p.BillingMode ?? 'PROVISIONED',
      ...(p.BillingMode === 'PAY_PER_REQUEST'
        ? {}
        : { ProvisionedThroughput: p.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
      ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
      ...(p.LocalSecondaryIndexes ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
      ...(p.StreamSpecification ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as Props) } } : {}),
      ...sseSpecification(p.SSESpecification as Props | undefined),
    };
    // Time to live and the stream are run by local/dynamodb/ (dynalite has neither); the stream keeps the label of the template's StreamArn.
    const streamLabel = r.attributes.StreamArn?.split('/stream/')[1];
    return { name: r.physicalName, definition, ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined, streamLabel };
  });
}

/** CloudFormation's SSESpecification (`SSEEnabled`) as CreateTable takes it (`Enabled`). */
function sseSpecification(sse: Props | undefined): Record<string, unknown> {
  if (sse === undefined) return {};
  const { SSEEnabled, ...rest } = sse;
  return { SSESpecification: { Enabled: SSEEnabled === true || SSEEnabled === 'true', ...rest } };
}
