import { notificationSegment, parseTraceHeader, subscriptionDeliverySegment } from '../endpoint/trace-header.js';
import { resourceNameIn } from '../names/arn.js';
import type { ReadRecorder } from '../read-api/read-api.js';
import type { SubscriptionRecord } from './sns-store.js';

/** What a subscription's endpoint got from a delivery, as the read API knows it: a queue's message, a function's invocation. */
export interface DeliveryMade {
  readonly kind: 'message' | 'invocation';
  readonly id: string;
}

/** A subscription, as a note names it. */
export interface NotedSubscription {
  readonly arn: string;
  readonly protocol: string;
  readonly endpoint: string;
}

export function noted(subscription: SubscriptionRecord): NotedSubscription {
  return { arn: subscription.arn, protocol: subscription.protocol, endpoint: subscription.endpoint };
}

/**
 * What SNS tells the read API (its `notification` notes): a message published, and what became
 * of it at each subscription. A delivery that went through the first time says only what it made.
 */
export type NotificationNote =
  | {
      readonly kind: 'published';
      readonly messageId: string;
      readonly topicArn: string;
      readonly subject?: string;
      /** The publisher's trace header: its parent is what published (an invocation, a rule's target, a task). */
      readonly traceHeader?: string;
      readonly time: number;
      /** Subscriptions the message was stored for, to be delivered. */
      readonly deliveries: number;
      /** Subscriptions whose filter policy turned the message away. */
      readonly filteredOut: readonly NotedSubscription[];
      /** Subscriptions of a protocol not delivered locally, or waiting for a confirmation no local endpoint sends. */
      readonly notDelivered: readonly NotedSubscription[];
    }
  | {
      readonly kind: 'delivered';
      readonly messageId: string;
      readonly subscription: NotedSubscription;
      readonly made?: DeliveryMade;
      /** Attempts before this one (0: delivered the first time). */
      readonly failures: number;
      readonly time: number;
    }
  | DeliveryOutcomeNote;

/** A delivery that did not go through (yet): tried again later, discarded, or sent to the subscription's dead-letter queue. */
export interface DeliveryOutcomeNote {
  readonly kind: 'retrying' | 'failed' | 'dead-lettered';
  readonly messageId: string;
  readonly subscription: NotedSubscription;
  readonly reason: string;
  readonly attempts: number;
  /** `dead-lettered`: the subscription's dead-letter queue, and the message it got there. */
  readonly deadLetterQueue?: string;
  readonly deadLetter?: DeliveryMade;
  readonly time: number;
}

/**
 * Records a note of SNS in the read API's lineage: a `notification` node under what published
 * it (its trace header's parent), found by SNS's MessageId; under it what each subscription's
 * delivery made (linked, as that queue message or invocation is recorded by its own service)
 * and a `delivery` node for each one that made nothing: retrying, failed, dead-lettered (the
 * dead-letter queue's message under it), turned away by filter policies, not delivered locally.
 * Every write is queued into the read API's batched commits, as an SQS message's is.
 */
export function recordNotification({ records }: ReadRecorder, note: NotificationNote): void {
  const segment = notificationSegment(note.messageId);
  if (note.kind === 'published') {
    const topic = resourceNameIn(note.topicArn);
    const parent = parseTraceHeader(note.traceHeader)?.parent;
    records.putNode(
      {
        kind: 'notification',
        id: note.messageId,
        segment,
        label: `notification to ${topic}${note.subject ? ` "${note.subject}"` : ''}`,
        time: note.time,
        status: note.deliveries > 0 ? 'published' : 'delivered nowhere',
        attributes: {
          topic,
          topicArn: note.topicArn,
          messageId: note.messageId,
          ...(note.subject === undefined ? {} : { subject: note.subject }),
          subscriptions: String(note.deliveries),
        },
      },
      parent ? [parent] : [],
    );
    if (note.filteredOut.length > 0) putUndelivered(records, note, segment, 'filtered out', note.filteredOut);
    if (note.notDelivered.length > 0) putUndelivered(records, note, segment, 'not delivered locally', note.notDelivered);
    return;
  }
  const id = `${note.messageId} ${note.subscription.arn}`;
  const own = subscriptionDeliverySegment(note.messageId, note.subscription.arn);
  if (note.kind === 'delivered') {
    if (note.made) records.link(segment, note.made.kind, note.made.id, note.time);
    // Its retries were recorded: the node says how they ended.
    if (note.failures > 0)
      records.putNode(deliveryNode(note, id, own, 'delivered', `delivered after ${note.failures} failed attempts`), [segment]);
    return;
  }
  records.putNode(
    {
      ...deliveryNode(note, id, own, note.kind, note.reason),
      attributes: {
        ...deliveryAttributes(note.subscription),
        attempts: String(note.attempts),
        ...(note.deadLetterQueue ? { deadLetterQueue: note.deadLetterQueue } : {}),
      },
    },
    [segment],
  );
  if (note.deadLetter) records.link(own, note.deadLetter.kind, note.deadLetter.id, note.time);
}

function deliveryNode(
  note: { readonly subscription: NotedSubscription; readonly time: number },
  id: string,
  segment: string,
  status: string,
  reason: string,
) {
  const { protocol, endpoint } = note.subscription;
  return {
    kind: 'delivery' as const,
    id,
    segment,
    label: `delivery to ${protocol} ${resourceNameIn(endpoint)}`,
    time: note.time,
    status,
    reason,
    attributes: deliveryAttributes(note.subscription),
  };
}

function deliveryAttributes(subscription: NotedSubscription): Record<string, string> {
  return { subscription: subscription.arn, protocol: subscription.protocol, endpoint: subscription.endpoint };
}

/** One node for the subscriptions a published message went to none of, for one reason: a write per reason, not per subscription. */
function putUndelivered(
  records: ReadRecorder['records'],
  note: { readonly messageId: string; readonly time: number },
  parent: string,
  status: 'filtered out' | 'not delivered locally',
  subscriptions: readonly NotedSubscription[],
): void {
  const named = subscriptions.map((s) => `${s.protocol} ${resourceNameIn(s.endpoint)}`);
  const reason =
    status === 'filtered out'
      ? `the filter policy of ${subscriptions.length === 1 ? 'this subscription' : `each of these ${subscriptions.length} subscriptions`} did not match the message`
      : 'their protocol is not delivered by the local runtime (HTTP, email and others wait for a confirmation no local endpoint sends)';
  records.putNode(
    {
      kind: 'delivery',
      id: `${note.messageId} ${status}`,
      segment: subscriptionDeliverySegment(note.messageId, status),
      label: `${status}: ${named.join(', ')}`,
      time: note.time,
      status,
      reason,
      attributes: Object.fromEntries(subscriptions.map((s, i) => [`subscription ${i + 1}`, s.arn])),
    },
    [parent],
  );
}
