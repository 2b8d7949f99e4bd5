import type { LoadedResource } from '../template/load.js';
import { tagMap } from '../template/tags.js';

export interface QueueDefinition {
  readonly name: string;
  readonly attributes: Record<string, string>;
  /** The template's Tags: the queue's tags at each start and synthesis. */
  readonly tags: Record<string, string>;
}

/** The template's queues, as SQS's CreateQueue takes them. */
export function queueDefinitions(byType: (type: string) => readonly LoadedResource[]): QueueDefinition[] {
  return byType('AWS::SQS::Queue').map((r) => ({
    name: r.physicalName,
    attributes: queueAttributes(r.properties),
    tags: tagMap(r.properties.Tags),
  }));
}

/** CloudFormation queue properties -> SQS CreateQueue attributes (all strings). */
function queueAttributes(p: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  const copy = [
    'VisibilityTimeout',
    'MessageRetentionPeriod',
    'DelaySeconds',
    'MaximumMessageSize',
    'ReceiveMessageWaitTimeSeconds',
    'FifoQueue',
    'ContentBasedDeduplication',
    'SqsManagedSseEnabled',
    'KmsMasterKeyId',
    'KmsDataKeyReusePeriodSeconds',
    'DeduplicationScope',
    'FifoThroughputLimit',
  ];
  for (const name of copy) if (p[name] !== undefined) attributes[name] = String(p[name]);
  // CloudFormation takes FifoQueue: false for a standard queue; SQS's CreateQueue refuses the name on one.
  if (attributes.FifoQueue?.toLowerCase() === 'false') delete attributes.FifoQueue;
  if (p.RedrivePolicy !== undefined)
    attributes.RedrivePolicy = typeof p.RedrivePolicy === 'string' ? p.RedrivePolicy : JSON.stringify(p.RedrivePolicy);
  if (p.RedriveAllowPolicy !== undefined) {
    attributes.RedriveAllowPolicy = typeof p.RedriveAllowPolicy === 'string' ? p.RedriveAllowPolicy : JSON.stringify(p.RedriveAllowPolicy);
  }
  return attributes;
}
