import type { LoadedApp } from '../template/load.js';
import type { KinesisStreamDefinition } from './kinesis-service.js';
import { DEFAULT_RETENTION_HOURS, ON_DEMAND_SHARDS } from './kinesis-store.js';

/** A stream whose ShardCount the template leaves out is created with one shard, as CloudFormation creates it. */
const TEMPLATE_DEFAULT_SHARDS = 1;

/** The template's Kinesis streams, with CloudFormation's defaults filled in. */
export function kinesisDefinitions(app: LoadedApp): { streams: KinesisStreamDefinition[]; warnings: string[] } {
  const warnings: string[] = [];
  const streams = app.stacks
    .flatMap((stack) => stack.resources)
    .filter((r) => r.type === 'AWS::Kinesis::Stream')
    .map((r): KinesisStreamDefinition => {
      const p = r.properties as Record<string, unknown>;
      const onDemand = (p.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND';
      if (p.StreamEncryption !== undefined) {
        warnings.push(
          `${r.stackName}/${r.logicalId} (AWS::Kinesis::Stream): StreamEncryption is not applied locally (records are kept as sent)`,
        );
      }
      return {
        name: r.physicalName,
        mode: onDemand ? 'ON_DEMAND' : 'PROVISIONED',
        shardCount: onDemand ? ON_DEMAND_SHARDS : Number(p.ShardCount ?? TEMPLATE_DEFAULT_SHARDS),
        retentionHours: Number(p.RetentionPeriodHours ?? DEFAULT_RETENTION_HOURS),
      };
    });
  for (const r of app.stacks.flatMap((stack) => stack.resources).filter((c) => c.type === 'AWS::Kinesis::StreamConsumer')) {
    warnings.push(
      `${r.stackName}/${r.logicalId} (AWS::Kinesis::StreamConsumer): enhanced fan-out is not served locally (SubscribeToShard's HTTP/2 event stream); the consumer is not registered, and RegisterStreamConsumer, DescribeStreamConsumer and ListStreamConsumers answer for consumers registered through the API`,
    );
  }
  return { streams, warnings };
}
