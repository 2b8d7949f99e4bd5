import { withTraceHeader } from '../endpoint/trace-header.js';
import type { OutboxOutcome } from '../store/outbox.js';
import type { Clock } from '../time/clock.js';
import { SnsDeliveryFailure, type SubscriptionDelivery } from './delivery.js';
import type { EnvelopeContext } from './envelope.js';
import { type DeliveryMade, type DeliveryOutcomeNote, type NotificationNote, noted } from './lineage-notes.js';
import type { DeliveryRecord, SnsStore, SubscriptionRecord } from './sns-store.js';

/** SNS's retry policy for AWS-managed endpoints (SQS, Lambda): 100,015 attempts over 23 days. */
const MAX_ATTEMPTS = 100_015;
/** How long a message waits when even its dead-letter queue could not take it. */
const DEAD_LETTER_RETRY_MS = 60_000;

/**
 * SNS's delivery policy for SQS and Lambda endpoints: 3 immediate retries, 2 one second
 * apart, 10 with backoff from 1 to 20 seconds, then every 20 seconds
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html).
 */
export function retryDelayMs(failures: number): number {
  if (failures <= 3) return 0;
  if (failures <= 5) return 1000;
  if (failures <= 15) return Math.round(1000 * 20 ** ((failures - 5) / 10));
  return 20_000;
}

/**
 * What happens to one delivery from the outbox (the outcome the outbox writes): delivered and removed; after a server-side
 * error retried by the delivery policy; after a client-side error (or retries spent) sent to
 * the subscription's dead-letter queue, or discarded with a log line when it has none, as
 * https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html describes.
 */
export class DeliveryDispatcher {
  constructor(
    private readonly store: SnsStore,
    private readonly delivery: SubscriptionDelivery,
    private readonly options: {
      readonly clock: Clock;
      readonly region: string;
      readonly baseUrl: string;
      readonly log?: (line: string) => void;
      /** Told what became of each delivery (the read API's lineage). */
      readonly onNote?: (note: NotificationNote) => void;
    },
  ) {}

  async handle(delivery: DeliveryRecord): Promise<OutboxOutcome> {
    const subscription = this.store.subscription(delivery.subscriptionArn);
    // Unsubscribed since: SNS no longer delivers to it.
    if (!subscription) return { kind: 'done' };
    const context = this.#context(subscription.topicArn);
    let made: DeliveryMade | undefined;
    try {
      // SNS passes the publisher's trace header on to the subscription's SQS queue or function
      // (explicitly: the outbox's timer runs in the context of whichever publish last woke it).
      made = await withTraceHeader(delivery.notification.traceHeader, () =>
        this.delivery.deliver(subscription, delivery.notification, context),
      );
    } catch (error) {
      const failure =
        error instanceof SnsDeliveryFailure
          ? error
          : new SnsDeliveryFailure('InternalFailure', (error as Error)?.message ?? String(error), false);
      const attempts = delivery.attempts + 1;
      if (!failure.clientSide && attempts < MAX_ATTEMPTS) {
        const now = this.options.clock.now();
        const reason = `${failure.code}: ${failure.message}`;
        this.#note(delivery, subscription, { kind: 'retrying', reason: `${reason} (attempt ${attempts}; SNS tries again)`, attempts });
        return { kind: 'retry', at: now + retryDelayMs(attempts), set: { attempts, last_error: reason } };
      }
      return this.#giveUp(delivery, subscription, context, failure);
    }
    // Told outside the try: a note that failed to record is no failed delivery (it would be delivered again).
    this.options.onNote?.({
      kind: 'delivered',
      messageId: delivery.notification.messageId,
      subscription: noted(subscription),
      ...(made ? { made } : {}),
      failures: delivery.attempts,
      time: this.options.clock.now(),
    });
    return { kind: 'done' };
  }

  async #giveUp(
    delivery: DeliveryRecord,
    subscription: SubscriptionRecord,
    context: EnvelopeContext,
    failure: SnsDeliveryFailure,
  ): Promise<OutboxOutcome> {
    const { notification } = delivery;
    const dlq = deadLetterTarget(subscription);
    const attempts = delivery.attempts + 1;
    const reason = `${failure.code}: ${failure.message}`;
    if (!dlq) {
      this.options.log?.(
        `message ${notification.messageId} discarded for ${subscription.arn} (${subscription.endpoint}): ${reason} (the subscription has no dead-letter queue)`,
      );
      this.#note(delivery, subscription, {
        kind: 'failed',
        reason: `${reason} (discarded: the subscription has no dead-letter queue)`,
        attempts,
      });
      return { kind: 'done' };
    }
    try {
      // In the publisher's trace, as the delivery was (not whichever publish last woke the outbox).
      const deadLetter = await withTraceHeader(notification.traceHeader, () =>
        this.delivery.deadLetter(dlq, subscription, notification, context),
      );
      this.#note(delivery, subscription, {
        kind: 'dead-lettered',
        reason,
        attempts,
        deadLetterQueue: dlq,
        ...(deadLetter ? { deadLetter } : {}),
      });
      // AWS puts no reason on the dead-lettered message: the log is where it is told.
      this.options.log?.(
        `message ${notification.messageId} for ${subscription.arn} moved to the dead-letter queue ${dlq}: ${failure.code}: ${failure.message}`,
      );
      return { kind: 'done' };
    } catch (error) {
      // SNS would drop it when the dead-letter queue is unreachable too; it is kept and tried again instead.
      const refusal = (error as Error).message;
      this.options.log?.(`message ${notification.messageId} could not reach the dead-letter queue ${dlq}: ${refusal}`);
      this.#note(delivery, subscription, {
        kind: 'retrying',
        reason: `${reason}; its dead-letter queue ${dlq} could not take it either: ${refusal} (tried again)`,
        attempts,
      });
      const at = this.options.clock.now() + DEAD_LETTER_RETRY_MS;
      return { kind: 'retry', at, set: { attempts, last_error: `DLQ: ${refusal}` } };
    }
  }

  /** Tells the read API a delivery that did not go through (yet). */
  #note(
    delivery: DeliveryRecord,
    subscription: SubscriptionRecord,
    outcome: Omit<DeliveryOutcomeNote, 'messageId' | 'subscription' | 'time'>,
  ): void {
    this.options.onNote?.({
      ...outcome,
      messageId: delivery.notification.messageId,
      subscription: noted(subscription),
      time: this.options.clock.now(),
    });
  }

  #context(topicArn: string): EnvelopeContext {
    const topic = this.store.topic(topicArn);
    return { region: this.options.region, baseUrl: this.options.baseUrl, signatureVersion: topic?.attributes.SignatureVersion ?? '1' };
  }
}

function deadLetterTarget(subscription: SubscriptionRecord): string | undefined {
  const text = subscription.attributes.RedrivePolicy;
  if (!text) return undefined;
  try {
    return (JSON.parse(text) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
  } catch {
    return undefined;
  }
}
