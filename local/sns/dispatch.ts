import { withTraceHeader } from '../endpoint/trace-header.js';
import type { OutboxOutcome } from '../store/outbox.js';
import type { Clock } from '../time/clock.js';
import { SnsDeliveryFailure, type SubscriptionDelivery } from './delivery.js';
import type { EnvelopeContext } from './envelope.js';
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
    },
  ) {}

  async handle(delivery: DeliveryRecord): Promise<OutboxOutcome> {
    const subscription = this.store.subscription(delivery.subscriptionArn);
    // Unsubscribed since: SNS no longer delivers to it.
    if (!subscription) return { kind: 'done' };
    const context = this.#context(subscription.topicArn);
    try {
      // SNS passes the publisher's trace header on to the subscription's SQS queue or function
      // (explicitly: the outbox's timer runs in the context of whichever publish last woke it).
      await withTraceHeader(delivery.notification.traceHeader, () => this.delivery.deliver(subscription, delivery.notification, context));
      return { kind: 'done' };
    } catch (error) {
      const failure =
        error instanceof SnsDeliveryFailure
          ? error
          : new SnsDeliveryFailure('InternalFailure', (error as Error)?.message ?? String(error), false);
      const attempts = delivery.attempts + 1;
      if (!failure.clientSide && attempts < MAX_ATTEMPTS) {
        const at = this.options.clock.now() + retryDelayMs(attempts);
        return { kind: 'retry', at, set: { attempts, last_error: `${failure.code}: ${failure.message}` } };
      }
      return this.#giveUp(delivery, subscription, context, failure);
    }
  }

  async #giveUp(
    delivery: DeliveryRecord,
    subscription: SubscriptionRecord,
    context: EnvelopeContext,
    failure: SnsDeliveryFailure,
  ): Promise<OutboxOutcome> {
    const { notification } = delivery;
    const dlq = deadLetterTarget(subscription);
    if (!dlq) {
      this.options.log?.(
        `message ${notification.messageId} discarded for ${subscription.arn} (${subscription.endpoint}): ${failure.code}: ${failure.message} (the subscription has no dead-letter queue)`,
      );
      return { kind: 'done' };
    }
    try {
      await this.delivery.deadLetter(dlq, subscription, notification, context);
      // AWS puts no reason on the dead-lettered message: the log is where it is told.
      this.options.log?.(
        `message ${notification.messageId} for ${subscription.arn} moved to the dead-letter queue ${dlq}: ${failure.code}: ${failure.message}`,
      );
      return { kind: 'done' };
    } catch (error) {
      // SNS would drop it when the dead-letter queue is unreachable too; it is kept and tried again instead.
      const reason = (error as Error).message;
      this.options.log?.(`message ${notification.messageId} could not reach the dead-letter queue ${dlq}: ${reason}`);
      const at = this.options.clock.now() + DEAD_LETTER_RETRY_MS;
      return { kind: 'retry', at, set: { attempts: delivery.attempts + 1, last_error: `DLQ: ${reason}` } };
    }
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
