import type { PipeDefinition } from '../../../local/pipes/definitions.js';

/**
 * A running pipe (or event source mapping: they share the definition) from `sourceArn` to
 * `targetArn` on the service's defaults: batches of ten from the start of the source, no
 * batching window, retried and kept until they succeed, never bisected; `settings` names it
 * and changes any of these.
 */
export function pipeDefinition(settings: Pick<PipeDefinition, 'sourceArn' | 'targetArn'> & Partial<PipeDefinition>): PipeDefinition {
  return {
    name: 'p',
    arn: 'arn:aws:pipes:us-east-1:000000000000:pipe/p',
    running: true,
    filters: [],
    startingPosition: 'TRIM_HORIZON',
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    maximumRetryAttempts: -1,
    maximumRecordAgeSeconds: -1,
    bisectOnFailure: false,
    ...settings,
  };
}
