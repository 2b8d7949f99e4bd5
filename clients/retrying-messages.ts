/** What the read API's `/retrying-messages` answers (READ_API_PATHS.retryingMessages). */

/** A record a consumer failed that its queue will deliver again. */
export interface RetryingMessage {
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly messageId: string;
  /** The function whose invocation failed it last. */
  readonly functionName: string;
  /** The function's error (`Type: message`), or what its answer said (`reported failed (batchItemFailures)`). */
  readonly reason: string;
  /** ISO time of its last failure. */
  readonly failedAt: string;
  /** How often SQS has delivered it so far. */
  readonly receiveCount: number;
  /** The queue's RedrivePolicy maxReceiveCount: past it, the record goes to the dead-letter queue. */
  readonly maxReceiveCount?: number;
  /** ISO time it becomes visible again (now, when it already is). */
  readonly nextReceiveAt: string;
}

export interface RetryingMessagesPage {
  readonly messages: readonly RetryingMessage[];
}
