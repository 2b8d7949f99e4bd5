/** What the read API's `/discarded-batches` answers (READ_API_PATHS.discardedBatches). */

/**
 * A batch of stream records a Lambda event source mapping (or a pipe) of a Kinesis or DynamoDB
 * stream gave up on with no on-failure destination to describe it in: the records are skipped,
 * as AWS skips them, and this is what says so. The shard and sequence numbers are named as
 * Lambda's on-failure record names them.
 */
export interface DiscardedBatch {
  /** `event source mapping` (its UUID in `consumer`) or `pipe` (its name in `consumer`). */
  readonly consumerKind: 'event source mapping' | 'pipe';
  readonly consumer: string;
  /** The mapping's function, by name (as the other failures name functions); absent for a pipe. */
  readonly functionName?: string;
  /** The mapping's function ARN, or the pipe's target. */
  readonly targetArn: string;
  readonly streamArn: string;
  /** The stream by name: a Kinesis stream's name, or the name of the DynamoDB table whose stream it is. */
  readonly source: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  /** How many records the batch held. */
  readonly batchSize: number;
  /** Lambda's condition: `RetryAttemptsExhausted` or `RecordAgeExceeded`. */
  readonly condition: string;
  /** The limit that was hit, as the mapping names it: `MaximumRetryAttempts 1`, `MaximumRecordAgeInSeconds 60`. */
  readonly limit: string;
  /** How often the batch was tried (Lambda's approximateInvokeCount). */
  readonly attempts: number;
  /** The function's (or target's) last error, or why the records were too old. */
  readonly reason: string;
  /** ISO time the batch was given up on. */
  readonly discardedAt: string;
  /** An on-failure destination the template names that the local runtime does not send to (not an SQS queue, SNS topic or S3 bucket). */
  readonly unsentDestination?: string;
}

export interface DiscardedBatchesPage {
  /** Latest first. */
  readonly batches: readonly DiscardedBatch[];
  /** Set when older batches follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}
