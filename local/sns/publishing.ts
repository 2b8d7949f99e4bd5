import { randomUUID } from 'node:crypto';
import { currentTraceHeader } from '../endpoint/trace-header.js';
import type { IdempotentCall, IdempotentRequests } from '../store/idempotent-requests.js';
import type { DurableOutbox } from '../store/outbox.js';
import { maxMessageBytes } from './attributes.js';
import { LOCALLY_DELIVERED_PROTOCOLS } from './definitions.js';
import { EMAIL_PROTOCOLS } from './email-subscriptions.js';
import { messageFor } from './envelope.js';
import { matchesFilterPolicy } from './filter-policy.js';
import { type NotedSubscription, type NotificationNote, noted } from './lineage-notes.js';
import {
  DEDUP_WINDOW_MS,
  MAX_BATCH_ENTRIES,
  MAX_MESSAGE_BYTES,
  type Notification,
  type PublishBatchRequestEntry,
  type PublishInput,
  requestSize,
  type ValidatedMessage,
  validateMessage,
} from './message.js';
import { isFifo, isPending, type SnsContext } from './sns-context.js';
import { invalidParameter, missingMember, SnsError } from './sns-errors.js';
import type { SubscriptionRecord, TopicRecord } from './sns-store.js';

const MAX_BATCH_ENTRY_ID = 80;

export type PublishResult = { MessageId: string; SequenceNumber?: string };

type RoutedMessage = ValidatedMessage & { messageId: string; sequenceNumber?: string; traceHeader?: string };

/**
 * Publish and PublishBatch: a message is validated, then stored with one delivery per
 * matching subscription in one transaction, and the outbox woken to deliver them.
 */
export class Publishing {
  /** Subscriptions of protocols not delivered locally that a publish has been reported for. */
  readonly #reportedSkips = new Set<string>();
  /** Topics a message was published to while nothing subscribed (or only unconfirmed subscriptions did): said once each. */
  readonly #reportedUnsubscribed = new Set<string>();
  /** When deduplication ids past their window were last removed. */
  #dedupExpiredAt = 0;

  constructor(
    private readonly context: SnsContext,
    /** Answers to keyed Publish calls (Step Functions tasks run again after a restart). */
    private readonly requests: IdempotentRequests,
    private readonly outbox: Pick<DurableOutbox<object>, 'wake'>,
  ) {}

  /** A keyed call (`options`) is answered once: a repeat gets the first answer. */
  publish(input: PublishInput, options: IdempotentCall = {}): PublishResult {
    if (input.PhoneNumber !== undefined && input.TopicArn === undefined && input.TargetArn === undefined) {
      return this.#textMessage(input);
    }
    const arn = input.TopicArn ?? input.TargetArn;
    if (arn === undefined || arn === null) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    if (input.TopicArn === undefined && arn.includes(':endpoint/')) {
      // No platform endpoint can exist locally: CreatePlatformEndpoint is not served.
      throw invalidParameter('TargetArn Reason: No endpoint found for the target arn specified');
    }
    const topic = this.context.topic(arn, input.TopicArn === undefined ? 'TargetArn' : 'TopicArn');
    const message = validateMessage(
      input,
      isFifo(topic),
      'message',
      topic.attributes.ContentBasedDeduplication === 'true',
      maxMessageBytes(topic.attributes, MAX_MESSAGE_BYTES),
    );
    const [result] = this.#accept(topic, [message], options.idempotencyKey);
    return result as PublishResult;
  }

  /** An SMS is validated and acknowledged, then logged: nothing is sent from this machine. */
  #textMessage(input: PublishInput): { MessageId: string } {
    const phone = input.PhoneNumber as string;
    if (!/^\+[1-9]\d{1,14}$/.test(phone)) throw invalidParameter(`PhoneNumber Reason: ${phone} is not valid to publish to`);
    validateMessage(input, false, 'message', false);
    const MessageId = randomUUID();
    this.context.options.log?.(`SMS ${MessageId} to ${phone} is not sent locally: ${JSON.stringify(input.Message).slice(0, 200)}`);
    return { MessageId };
  }

  publishBatch(input: { TopicArn?: string; PublishBatchRequestEntries?: PublishBatchRequestEntry[] }) {
    const entries = input.PublishBatchRequestEntries;
    checkBatchEntries(entries);
    const topic = this.context.topic(input.TopicArn);
    const total = entries.reduce((sum, entry) => sum + requestSize(entry), 0);
    // The topic's MaximumMessageSize bounds the batch as a whole too, as the one message it could be.
    const maxBytes = maxMessageBytes(topic.attributes, MAX_MESSAGE_BYTES);
    if (total > maxBytes) {
      throw new SnsError('BatchRequestTooLong', 'The length of all the messages put together is more than the limit.');
    }
    const fifo = isFifo(topic);
    const cbd = topic.attributes.ContentBasedDeduplication === 'true';
    // Every entry is checked before any is accepted: an entry AWS refuses fails the whole
    // request (recorded on AWS for a missing MessageGroupId or deduplication id and a JSON
    // structure without `default`; the other checks are taken to behave alike).
    const accepted = entries.map((entry, index) => ({
      id: entry.Id as string,
      message: validateMessage(entry, fifo, `publishBatchRequestEntries.${index + 1}.member.message`, cbd, maxBytes),
    }));
    const results = this.#accept(
      topic,
      accepted.map((a) => a.message),
    );
    // Failed stays empty: nothing fails after the checks, and AWS answers the empty list.
    return {
      Successful: accepted.map((a, i) => ({ Id: a.id, ...results[i] })),
      Failed: [],
    };
  }

  /**
   * Stores the messages and one delivery per matching subscription in one transaction, so
   * that what Publish acknowledges survives a crash. FIFO messages are deduplicated over
   * five minutes (per topic, or per message group with FifoThroughputScope=MessageGroup).
   */
  #accept(topic: TopicRecord, messages: readonly ValidatedMessage[], idempotencyKey?: string): PublishResult[] {
    const { store, options } = this.context;
    const now = options.clock.now();
    if (isFifo(topic) && now - this.#dedupExpiredAt > DEDUP_WINDOW_MS) {
      store.expireDedup(now);
      this.#dedupExpiredAt = now;
    }
    const all = store.subscriptions(topic.arn);
    const subscriptions = all.filter((s) => !isPending(s));
    const pending = all.filter(isPending).map(noted);
    const skipped = new Map<string, string>();
    // A subscription waiting for its confirmation gets nothing, on AWS too; said once as the others not delivered are.
    for (const subscription of all.filter(isPending)) {
      skipped.set(
        subscription.arn,
        `it is pending confirmation (protocol ${subscription.protocol}, ${subscription.endpoint}), and AWS delivers nothing before it is confirmed; ${
          EMAIL_PROTOCOLS.has(subscription.protocol)
            ? 'its confirmation mail is in the local mailbox (switchyard mail): following its link confirms it'
            : 'its protocol is not delivered locally'
        }`,
      );
    }
    /** Messages every subscription's filter policy turned away: delivered nowhere, as on AWS, but said. */
    const filteredOut: string[] = [];
    const notes: NotificationNote[] = [];
    const traceHeader = currentTraceHeader();
    const traced = traceHeader === undefined ? {} : { traceHeader };
    const results = store.transaction((): PublishResult[] => {
      const answered = this.requests.recall<PublishResult[]>(idempotencyKey);
      if (answered) return answered;
      const accepted = messages.map((message): PublishResult => {
        const sequenced = this.#sequence(topic, message, now);
        if ('duplicate' in sequenced) return sequenced.duplicate;
        const { messageId, sequenceNumber } = sequenced;
        const routed = this.#route(
          topic,
          subscriptions,
          { ...message, messageId, ...(sequenceNumber ? { sequenceNumber } : {}), ...traced },
          now,
          skipped,
        );
        if (subscriptions.length > 0 && routed.filteredOut.length === subscriptions.length) filteredOut.push(messageId);
        notes.push({
          kind: 'published',
          messageId,
          topicArn: topic.arn,
          ...(message.subject === undefined ? {} : { subject: message.subject }),
          ...traced,
          time: now,
          deliveries: routed.deliveries,
          filteredOut: routed.filteredOut,
          notDelivered: [...routed.notDelivered, ...pending],
        });
        return { MessageId: messageId, ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) };
      });
      this.requests.remember(idempotencyKey, accepted, now);
      return accepted;
    });
    // Told before the outbox wakes: a notification is recorded before anything its deliveries make.
    for (const note of notes) options.onNote?.(note);
    this.outbox.wake();
    this.#reportSkipped(topic, skipped);
    if (subscriptions.length === 0) this.#reportUnsubscribed(topic, pending.length);
    for (const messageId of filteredOut) {
      options.log?.(
        `message ${messageId} to ${topic.arn} matched the filter policy of none of its ${subscriptions.length} subscriptions: it is delivered nowhere, as on AWS`,
      );
    }
    return results;
  }

  /**
   * A new message id, and on a FIFO topic its sequence number, or the first answer when the
   * message repeats a deduplication id still in its window. Runs inside #accept's transaction.
   */
  #sequence(
    topic: TopicRecord,
    message: ValidatedMessage,
    now: number,
  ): { messageId: string; sequenceNumber?: string } | { duplicate: PublishResult } {
    const { store } = this.context;
    if (!isFifo(topic)) return { messageId: randomUUID() };
    const key =
      topic.attributes.FifoThroughputScope === 'MessageGroup' ? `${message.groupId}\u0000${message.dedupId}` : `${message.dedupId}`;
    const duplicate = store.duplicate(topic.arn, key, now);
    if (duplicate) {
      return {
        duplicate: { MessageId: duplicate.messageId, ...(duplicate.sequenceNumber ? { SequenceNumber: duplicate.sequenceNumber } : {}) },
      };
    }
    const sequenceNumber = store.nextSequenceNumber(topic.arn);
    const messageId = randomUUID();
    store.remember(topic.arn, key, messageId, sequenceNumber, now + DEDUP_WINDOW_MS);
    return { messageId, sequenceNumber };
  }

  /**
   * One delivery per subscription whose filter policy matches and whose protocol is delivered
   * locally: how many, the subscriptions whose policy turned the message away, and those of a
   * protocol not delivered locally.
   */
  #route(
    topic: TopicRecord,
    subscriptions: readonly SubscriptionRecord[],
    message: RoutedMessage,
    now: number,
    skipped: Map<string, string>,
  ): { deliveries: number; filteredOut: NotedSubscription[]; notDelivered: NotedSubscription[] } {
    const notification = notificationOf(topic, message, now);
    const filteredOut: NotedSubscription[] = [];
    const notDelivered: NotedSubscription[] = [];
    let deliveries = 0;
    for (const subscription of subscriptions) {
      const filter = this.context.filter(subscription);
      // The policy sees the text this subscription's protocol would receive.
      if (
        filter &&
        !matchesFilterPolicy(filter, { body: messageFor(notification, subscription.protocol), attributes: notification.attributes })
      ) {
        filteredOut.push(noted(subscription));
        continue;
      }
      if (!LOCALLY_DELIVERED_PROTOCOLS.has(subscription.protocol)) {
        skipped.set(subscription.arn, 'its protocol is not delivered locally');
        notDelivered.push(noted(subscription));
        continue;
      }
      const orderKey = isFifo(topic) ? `${subscription.arn}\u0000${notification.groupId}` : null;
      this.context.store.addDelivery(subscription.arn, orderKey, notification, now);
      deliveries++;
    }
    return { deliveries, filteredOut, notDelivered };
  }

  /** Once per topic and run: AWS accepts the message and delivers it nowhere, which nothing else would show. */
  #reportUnsubscribed(topic: TopicRecord, pending: number): void {
    if (this.#reportedUnsubscribed.has(topic.arn)) return;
    this.#reportedUnsubscribed.add(topic.arn);
    const none = pending > 0 ? `none of its ${pending} subscriptions is confirmed` : 'nothing subscribes to it';
    this.context.options.log?.(`a message to ${topic.arn} is delivered nowhere, as on AWS: ${none} (said once for each topic)`);
  }

  /** Once per subscription and run: the load warnings already name these subscriptions. */
  #reportSkipped(topic: TopicRecord, skipped: ReadonlyMap<string, string>): void {
    for (const [arn, why] of skipped) {
      if (this.#reportedSkips.has(arn)) continue;
      this.#reportedSkips.add(arn);
      this.context.options.log?.(`messages to ${topic.arn} are not delivered to ${arn}: ${why}`);
    }
  }
}

/** SNS's limits on a batch's entries as a whole, before any entry is validated. */
function checkBatchEntries(entries: PublishBatchRequestEntry[] | undefined): asserts entries is PublishBatchRequestEntry[] {
  if (entries === undefined || entries === null) throw missingMember('publishBatchRequestEntries');
  if (entries.length === 0) throw new SnsError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new SnsError('TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.');
  }
  const ids = new Set<string>();
  for (const entry of entries) {
    checkBatchEntryId(entry.Id);
    if (ids.has(entry.Id)) throw new SnsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
    ids.add(entry.Id);
  }
}

/** Ids are 1-80 letters, digits, hyphens and underscores; AWS names the id that is not (recorded on AWS). */
function checkBatchEntryId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id === '') {
    throw new SnsError('InvalidBatchEntryId', "The Id of a batch entry in a batch request doesn't abide by the specification.");
  }
  if (id.length > MAX_BATCH_ENTRY_ID)
    throw new SnsError('InvalidBatchEntryId', `The Id of a batch entry in the batch request is too long: ${id}`);
  if (!/^[A-Za-z0-9_-]+$/.test(id)) {
    throw new SnsError('InvalidBatchEntryId', `The Id of a batch entry in the batch request contains an impermissible character: ${id}`);
  }
}

function notificationOf(topic: TopicRecord, message: RoutedMessage, now: number): Notification {
  return {
    messageId: message.messageId,
    topicArn: topic.arn,
    message: message.message,
    ...(message.perProtocol ? { perProtocol: message.perProtocol } : {}),
    ...(message.subject === undefined ? {} : { subject: message.subject }),
    attributes: message.attributes,
    timestamp: new Date(now).toISOString(),
    ...(message.groupId === undefined ? {} : { groupId: message.groupId }),
    ...(message.dedupId === undefined ? {} : { dedupId: message.dedupId }),
    ...(message.sequenceNumber === undefined ? {} : { sequenceNumber: message.sequenceNumber }),
    ...(message.traceHeader === undefined ? {} : { traceHeader: message.traceHeader }),
  };
}
