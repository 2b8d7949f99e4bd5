/** What the read API's `/schedule-failures` answers (READ_API_PATHS.scheduleFailures). */

/**
 * A schedule whose last firing failed: its target refused the call (SES MessageRejected, a
 * state machine that refused StartExecution, a role that may not invoke it). Scheduler retries
 * it under the target's RetryPolicy, then sends it to the DeadLetterConfig queue or drops it.
 */
export interface ScheduleFailure {
  readonly scheduleArn: string;
  /** `group/name`. */
  readonly schedule: string;
  readonly targetArn: string;
  /** ISO time the failed firing was scheduled for (`<aws.scheduler.scheduled-time>`). */
  readonly scheduledTime: string;
  /** AWS's error code (`MessageRejected`, `AccessDeniedException`), or `DLQ` when its dead-letter queue refused it. */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** How often the target was called for this firing so far. */
  readonly attempts: number;
  /** ISO time of its last failure. */
  readonly failedAt: string;
  /** `retrying`: Scheduler calls the target again at `nextAttemptAt`; `dead-lettered`: sent to `deadLetterQueueArn`; `dropped`: no dead-letter queue. */
  readonly fate: 'retrying' | 'dead-lettered' | 'dropped';
  /** ISO time of the next attempt, while retrying. */
  readonly nextAttemptAt?: string;
  /** What ended the retries: `MaximumRetryAttempts` or `MaximumEventAgeInSeconds` (absent for a failure that is not retried). */
  readonly exhaustedRetryCondition?: string;
  readonly deadLetterQueueArn?: string;
}

export interface ScheduleFailuresPage {
  /** Latest failure first. */
  readonly failures: readonly ScheduleFailure[];
}
