import type { Fields, SubscriberRecord } from '../store.js';
import type { PendingRow } from './cursors.js';

/** Events that spent their retries together, and the target's last error. */
export interface FailedBatch {
  readonly events: readonly { readonly row: PendingRow; readonly reason: string }[];
  readonly errorCode: string;
  readonly errorMessage: string;
  /** `None`: the failure is never retried (LOOP_DETECTED), so no limit was reached. */
  readonly condition: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' | 'None';
}

/**
 * The record written to a subscriber's OnFailureConfiguration queue: "a JSON document, not the
 * event", one per batch of events that failed together, in the shape of the user guide's
 * example (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-retry.html,
 * "The dead-letter record"). `retryAttempts` counts the retries (attempts after the first);
 * `targetRequestId` is null: no target request id is kept here.
 */
export function deadLetterRecord(subscriber: SubscriberRecord, targetArn: string, failed: FailedBatch): Fields {
  return {
    version: '1.0',
    busArn: subscriber.EventBusArn,
    subscriberArn: subscriber.SubscriberArn,
    targetArn,
    errorCode: failed.errorCode,
    errorMessage: failed.errorMessage,
    exhaustedRetryCondition: failed.condition,
    retryAttempts: Math.max(0, ...failed.events.map(({ row }) => row.attempts)),
    failedMessages: failed.events.map(({ row }) => {
      const event = JSON.parse(row.event) as Fields;
      return {
        eventId: event.id,
        eventGroupId: row.group_id,
        deduplicationId: null,
        timestamp: new Date(row.first_at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        targetRequestId: null,
      };
    }),
  };
}
