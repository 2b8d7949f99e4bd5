import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../clock.js';
import { type IdempotentCall, IdempotentRequests } from '../store/idempotent-requests.js';
import { currentTraceHeader } from '../trace-header.js';
import {
  defaultTopicAttribute,
  defaultTopicPolicy,
  EFFECTIVE_DELIVERY_POLICY,
  maxMessageBytes,
  validateEndpoint,
  validateSubscriptionAttributes,
  validateTopicAttributes,
} from './attributes.js';
import { LOCALLY_DELIVERED_PROTOCOLS, type SubscriptionDefinition, type TopicDefinition } from './definitions.js';
import { type LambdaForSns, type SqsForSns, SubscriptionDelivery } from './delivery.js';
import { DeliveryDispatcher } from './dispatch.js';
import { messageFor } from './envelope.js';
import { type CompiledFilterPolicy, matchesFilterPolicy } from './filter-policy.js';
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
import { DeliveryOutbox } from './outbox.js';
import { invalidParameter, missingMember, SnsError, subscriptionNotFound, topicNotFound } from './sns-errors.js';
import { SnsStore, type SubscriptionRecord, type TopicRecord } from './sns-store.js';
import { applyTemplate } from './template.js';

export interface SnsServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  /** The local endpoint, for UnsubscribeURL. */
  readonly baseUrl: string;
  readonly topics?: readonly TopicDefinition[];
  readonly subscriptions?: readonly SubscriptionDefinition[];
  readonly sqs: SqsForSns;
  readonly lambda: LambdaForSns;
  readonly log?: (line: string) => void;
}

/** Protocols SNS has; only sqs and lambda are delivered locally (LOCALLY_DELIVERED_PROTOCOLS). */
const PROTOCOLS = new Set(['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose']);
/** Protocols whose subscriptions wait for the endpoint owner's confirmation. */
const CONFIRMED_BY_OWNER = new Set(['http', 'https', 'email', 'email-json']);
const PAGE_SIZE = 100;
const TOPIC_ARN = /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;

/**
 * Amazon SNS: topics and subscriptions from the template and the API, Publish and
 * PublishBatch, filter policies, FIFO topics, and delivery to SQS queues and Lambda
 * functions. A published message is written to SQLite with one delivery per matching
 * subscription before Publish returns; an outbox then delivers each with SNS's retry policy
 * and, when a delivery fails for good, sends it to the subscription's dead-letter queue.
 */
export class SnsService {
  readonly #store: SnsStore;
  /** Answers to keyed Publish calls (Step Functions tasks run again after a restart). */
  readonly #requests: IdempotentRequests;
  readonly #outbox: DeliveryOutbox;
  /** Compiled filter policies by subscription ARN, with the text they were compiled from. */
  readonly #filters = new Map<string, { text: string; scope: string; policy: CompiledFilterPolicy }>();
  /** Subscriptions of protocols not delivered locally that a publish has been reported for. */
  readonly #reportedSkips = new Set<string>();
  /** When deduplication ids past their window were last removed. */
  #dedupExpiredAt = 0;

  constructor(private readonly options: SnsServiceOptions) {
    this.#store = new SnsStore(options.db);
    this.#requests = new IdempotentRequests(options.db, options.clock.now());
    const dispatcher = new DeliveryDispatcher(this.#store, new SubscriptionDelivery(options.sqs, options.lambda), options);
    this.#outbox = new DeliveryOutbox(this.#store, options.clock, (delivery) => dispatcher.handle(delivery));
  }

  /** Brings the template's topics and subscriptions into the data folder, then starts delivering (leftovers included). */
  start(): void {
    applyTemplate(this.#store, this.options.topics ?? [], this.options.subscriptions ?? [], this.options.log ?? (() => {}));
    this.#store.expireDedup(this.options.clock.now());
    this.#outbox.start();
  }

  /** Stops delivering; resolves once the deliveries in flight have recorded their outcome (before the database closes). */
  stop(): Promise<void> {
    return this.#outbox.stop();
  }

  /** Resolves once no delivery is due or in flight (tests). */
  idle(): Promise<void> {
    return this.#outbox.idle();
  }

  // --- topics -----------------------------------------------------------------------------

  async CreateTopic(input: { Name?: string; Attributes?: Record<string, string>; Tags?: { Key: string; Value: string }[] }) {
    if (input.Name === undefined || input.Name === null) throw missingMember('name');
    const requested = input.Attributes ?? {};
    const fifo = (requested.FifoTopic ?? '').toLowerCase() === 'true';
    if (fifo && !FIFO_TOPIC_NAME.test(input.Name)) {
      throw invalidParameter(
        'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    }
    if (!fifo && !TOPIC_NAME.test(input.Name)) throw invalidParameter('Topic Name');
    const attributes = validateTopicAttributes(requested, fifo, 'create');
    // A standard topic does not keep FifoTopic=false.
    if (!fifo) delete attributes.FifoTopic;
    const tags = Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
    const arn = this.#topicArn(input.Name);
    const existing = this.#store.topic(arn);
    if (existing) {
      // CreateTopic is idempotent for the same name, unless it asks for something else.
      for (const [name, value] of Object.entries(attributes)) {
        if ((existing.attributes[name] ?? defaultTopicAttribute(name)) !== value) {
          throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
        }
      }
      for (const [key, value] of Object.entries(tags)) {
        if (existing.tags[key] !== value) throw invalidParameter('Tags Reason: Topic already exists with different tags');
      }
      return { TopicArn: arn };
    }
    this.#store.putTopic({ arn, name: input.Name, attributes, tags, template: false });
    return { TopicArn: arn };
  }

  /** Deleting a topic that does not exist is not an error (the API reference says so). */
  async DeleteTopic(input: { TopicArn?: string }) {
    const arn = this.#validTopicArn(input.TopicArn);
    for (const subscription of this.#store.subscriptions(arn)) this.#filters.delete(subscription.arn);
    this.#store.deleteTopic(arn);
    return {};
  }

  async ListTopics(input: { NextToken?: string }) {
    const arns = this.#store.topics().map((topic) => topic.arn);
    const { page, next } = paginate(arns, input.NextToken);
    return { Topics: page.map((TopicArn) => ({ TopicArn })), ...(next ? { NextToken: next } : {}) };
  }

  async GetTopicAttributes(input: { TopicArn?: string }) {
    const topic = this.#topic(input.TopicArn);
    const subscriptions = this.#store.subscriptions(topic.arn);
    const fifo = topic.attributes.FifoTopic === 'true';
    return {
      Attributes: {
        TopicArn: topic.arn,
        Owner: this.options.accountId,
        Policy: defaultTopicPolicy(topic.arn, this.options.accountId),
        DisplayName: '',
        SubscriptionsConfirmed: String(subscriptions.filter((s) => !isPending(s)).length),
        SubscriptionsPending: String(subscriptions.filter(isPending).length),
        SubscriptionsDeleted: '0',
        EffectiveDeliveryPolicy: EFFECTIVE_DELIVERY_POLICY,
        ...(fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false', FifoThroughputScope: 'Topic' } : {}),
        ...topic.attributes,
      },
    };
  }

  async SetTopicAttributes(input: { TopicArn?: string; AttributeName?: string; AttributeValue?: string }) {
    if (input.AttributeName === undefined) throw missingMember('attributeName');
    const topic = this.#topic(input.TopicArn);
    const value = input.AttributeValue ?? '';
    const changed = validateTopicAttributes({ [input.AttributeName]: value }, topic.attributes.FifoTopic === 'true', 'set');
    this.#store.putTopic({ ...topic, attributes: { ...topic.attributes, ...changed } });
    return {};
  }

  async TagResource(input: { ResourceArn?: string; Tags?: { Key: string; Value: string }[] }) {
    const topic = this.#topicForTags(input.ResourceArn);
    const tags = { ...topic.tags, ...Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key, tag.Value])) };
    this.#store.putTopic({ ...topic, tags });
    return {};
  }

  async UntagResource(input: { ResourceArn?: string; TagKeys?: string[] }) {
    const topic = this.#topicForTags(input.ResourceArn);
    const remove = new Set(input.TagKeys ?? []);
    this.#store.putTopic({ ...topic, tags: Object.fromEntries(Object.entries(topic.tags).filter(([key]) => !remove.has(key))) });
    return {};
  }

  async ListTagsForResource(input: { ResourceArn?: string }) {
    const topic = this.#topicForTags(input.ResourceArn);
    return { Tags: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) };
  }

  // --- subscriptions ----------------------------------------------------------------------

  async Subscribe(input: {
    TopicArn?: string;
    Protocol?: string;
    Endpoint?: string;
    Attributes?: Record<string, string>;
    ReturnSubscriptionArn?: boolean;
  }) {
    if (input.Protocol === undefined || input.Protocol === null) throw missingMember('protocol');
    const topic = this.#topic(input.TopicArn);
    const protocol = input.Protocol;
    const endpoint = input.Endpoint ?? '';
    if (!PROTOCOLS.has(protocol)) throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
    validateEndpoint(protocol, endpoint, isFifo(topic));
    const { attributes, filter } = validateSubscriptionAttributes(input.Attributes ?? {}, {}, protocol, 'subscribe');

    const existing = this.#store.subscriptions(topic.arn).find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (existing) {
      // Subscribe is idempotent, unless the same endpoint asks for other attributes.
      for (const [name, value] of Object.entries(attributes)) {
        if (existing.attributes[name] !== value)
          throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
      }
      return { SubscriptionArn: !isPending(existing) || input.ReturnSubscriptionArn ? existing.arn : 'pending confirmation' };
    }
    const subscription: SubscriptionRecord = {
      arn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      protocol,
      endpoint,
      attributes,
      template: false,
    };
    this.#store.putSubscription(subscription);
    this.#cacheFilter(subscription, filter);
    if (!LOCALLY_DELIVERED_PROTOCOLS.has(protocol)) {
      this.options.log?.(
        `subscription ${subscription.arn}: protocol ${protocol} (${endpoint}) is not delivered locally; it receives nothing`,
      );
    }
    const pending = isPending(subscription);
    return { SubscriptionArn: pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : subscription.arn };
  }

  async Unsubscribe(input: { SubscriptionArn?: string }) {
    const subscription = this.#subscription(input.SubscriptionArn);
    this.#store.deleteSubscription(subscription.arn);
    this.#filters.delete(subscription.arn);
    return {};
  }

  async ListSubscriptions(input: { NextToken?: string }) {
    const { page, next } = paginate(this.#store.subscriptions(), input.NextToken, (s) => s.arn);
    return { Subscriptions: page.map((s) => this.#summary(s)), ...(next ? { NextToken: next } : {}) };
  }

  async ListSubscriptionsByTopic(input: { TopicArn?: string; NextToken?: string }) {
    const topic = this.#topic(input.TopicArn);
    const { page, next } = paginate(this.#store.subscriptions(topic.arn), input.NextToken, (s) => s.arn);
    return { Subscriptions: page.map((s) => this.#summary(s)), ...(next ? { NextToken: next } : {}) };
  }

  async GetSubscriptionAttributes(input: { SubscriptionArn?: string }) {
    const subscription = this.#subscription(input.SubscriptionArn);
    const { FilterPolicyScope, ...attributes } = subscription.attributes;
    return {
      Attributes: {
        SubscriptionArn: subscription.arn,
        TopicArn: subscription.topicArn,
        Owner: this.options.accountId,
        Protocol: subscription.protocol,
        Endpoint: subscription.endpoint,
        ConfirmationWasAuthenticated: 'true',
        PendingConfirmation: String(isPending(subscription)),
        RawMessageDelivery: 'false',
        SubscriptionPrincipal: `arn:aws:iam::${this.options.accountId}:root`,
        ...attributes,
        // SNS reports the scope only alongside a filter policy.
        ...(attributes.FilterPolicy === undefined ? {} : { FilterPolicyScope: FilterPolicyScope ?? 'MessageAttributes' }),
      },
    };
  }

  async SetSubscriptionAttributes(input: { SubscriptionArn?: string; AttributeName?: string; AttributeValue?: string }) {
    if (input.AttributeName === undefined) throw missingMember('attributeName');
    const subscription = this.#subscription(input.SubscriptionArn);
    const { attributes, filter } = validateSubscriptionAttributes(
      { [input.AttributeName]: input.AttributeValue ?? '' },
      subscription.attributes,
      subscription.protocol,
      'set',
    );
    this.#store.setSubscriptionAttributes(subscription.arn, attributes);
    this.#cacheFilter({ ...subscription, attributes }, filter);
    return {};
  }

  // --- publishing ---------------------------------------------------------------------------

  /**
   * Publish, as the API and in-process callers (EventBridge targets, Step Functions' sns:publish)
   * use it. A keyed call (`options`) is answered once: a repeat gets the first answer.
   */
  async Publish(input: PublishInput, options: IdempotentCall = {}): Promise<{ MessageId: string; SequenceNumber?: string }> {
    if (input.PhoneNumber !== undefined && input.TopicArn === undefined && input.TargetArn === undefined) {
      return this.#textMessage(input);
    }
    const arn = input.TopicArn ?? input.TargetArn;
    if (arn === undefined || arn === null) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    if (input.TopicArn === undefined && arn.includes(':endpoint/')) {
      // No platform endpoint can exist locally: CreatePlatformEndpoint is not served.
      throw invalidParameter('TargetArn Reason: No endpoint found for the target arn specified');
    }
    const topic = this.#topic(arn, input.TopicArn === undefined ? 'TargetArn' : 'TopicArn');
    const message = validateMessage(
      input,
      isFifo(topic),
      'message',
      topic.attributes.ContentBasedDeduplication === 'true',
      maxMessageBytes(topic.attributes, MAX_MESSAGE_BYTES),
    );
    const [result] = this.#accept(topic, [message], options.idempotencyKey);
    return result as { MessageId: string; SequenceNumber?: string };
  }

  /** An SMS is validated and acknowledged, then logged: nothing is sent from this machine. */
  #textMessage(input: PublishInput): { MessageId: string } {
    const phone = input.PhoneNumber as string;
    if (!/^\+[1-9]\d{1,14}$/.test(phone)) throw invalidParameter(`PhoneNumber Reason: ${phone} is not valid to publish to`);
    validateMessage(input, false, 'message', false);
    const MessageId = randomUUID();
    this.options.log?.(`SMS ${MessageId} to ${phone} is not sent locally: ${JSON.stringify(input.Message).slice(0, 200)}`);
    return { MessageId };
  }

  async PublishBatch(input: { TopicArn?: string; PublishBatchRequestEntries?: PublishBatchRequestEntry[] }) {
    const entries = input.PublishBatchRequestEntries;
    if (entries === undefined || entries === null) throw missingMember('publishBatchRequestEntries');
    if (entries.length === 0) throw new SnsError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new SnsError('TooManyEntriesInBatchRequest', 'The batch request contains more entries than permissible.');
    }
    const ids = new Set<string>();
    for (const entry of entries) {
      if (typeof entry.Id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(entry.Id)) {
        throw new SnsError('InvalidBatchEntryId', "The Id of a batch entry in a batch request doesn't abide by the specification.");
      }
      if (ids.has(entry.Id)) throw new SnsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
      ids.add(entry.Id);
    }
    const topic = this.#topic(input.TopicArn);
    const total = entries.reduce((sum, entry) => sum + requestSize(entry), 0);
    // The topic's MaximumMessageSize bounds the batch as a whole too, as the one message it could be.
    const maxBytes = maxMessageBytes(topic.attributes, MAX_MESSAGE_BYTES);
    if (total > maxBytes) {
      throw new SnsError('BatchRequestTooLong', 'The length of all the batch messages put together is more than the limit.');
    }
    const fifo = isFifo(topic);
    const cbd = topic.attributes.ContentBasedDeduplication === 'true';
    const accepted: { id: string; message: ValidatedMessage }[] = [];
    const failed: { Id: string; Code: string; Message: string; SenderFault: boolean }[] = [];
    entries.forEach((entry, index) => {
      try {
        accepted.push({
          id: entry.Id as string,
          message: validateMessage(entry, fifo, `publishBatchRequestEntries.${index + 1}.member.message`, cbd, maxBytes),
        });
      } catch (error) {
        if (!(error instanceof SnsError)) throw error;
        // Malformed attributes and missing members fail the whole request, as SNS answers them.
        if (error.code === 'ParameterValueInvalid' || error.code === 'ValidationError') throw error;
        failed.push({ Id: entry.Id as string, Code: error.code, Message: error.message, SenderFault: true });
      }
    });
    const results = this.#accept(
      topic,
      accepted.map((a) => a.message),
    );
    return {
      Successful: accepted.map((a, i) => ({ Id: a.id, ...results[i] })),
      Failed: failed,
    };
  }

  /**
   * Stores the messages and one delivery per matching subscription in one transaction, so
   * that what Publish acknowledges survives a crash. FIFO messages are deduplicated over
   * five minutes (per topic, or per message group with FifoThroughputScope=MessageGroup).
   */
  #accept(
    topic: TopicRecord,
    messages: readonly ValidatedMessage[],
    idempotencyKey?: string,
  ): { MessageId: string; SequenceNumber?: string }[] {
    const now = this.options.clock.now();
    const fifo = isFifo(topic);
    if (fifo && now - this.#dedupExpiredAt > DEDUP_WINDOW_MS) {
      this.#store.expireDedup(now);
      this.#dedupExpiredAt = now;
    }
    const subscriptions = this.#store.subscriptions(topic.arn).filter((s) => !isPending(s));
    const skipped = new Set<string>();
    const traceHeader = currentTraceHeader();
    const traced = traceHeader === undefined ? {} : { traceHeader };
    type Result = { MessageId: string; SequenceNumber?: string };
    const results = this.#store.transaction((): Result[] => {
      const answered = this.#requests.recall<Result[]>(idempotencyKey);
      if (answered) return answered;
      const accepted = messages.map((message): Result => {
        let sequenceNumber: string | undefined;
        if (fifo) {
          const key =
            topic.attributes.FifoThroughputScope === 'MessageGroup' ? `${message.groupId}\u0000${message.dedupId}` : `${message.dedupId}`;
          const duplicate = this.#store.duplicate(topic.arn, key, now);
          if (duplicate)
            return { MessageId: duplicate.messageId, ...(duplicate.sequenceNumber ? { SequenceNumber: duplicate.sequenceNumber } : {}) };
          sequenceNumber = this.#store.nextSequenceNumber(topic.arn);
          const messageId = randomUUID();
          this.#store.remember(topic.arn, key, messageId, sequenceNumber, now + DEDUP_WINDOW_MS);
          this.#route(topic, subscriptions, { ...message, messageId, sequenceNumber, ...traced }, now, skipped);
          return { MessageId: messageId, SequenceNumber: sequenceNumber };
        }
        const messageId = randomUUID();
        this.#route(topic, subscriptions, { ...message, messageId, ...traced }, now, skipped);
        return { MessageId: messageId };
      });
      this.#requests.remember(idempotencyKey, accepted, now);
      return accepted;
    });
    this.#outbox.wake();
    for (const arn of skipped) {
      // Once per subscription and run: the load warnings already name these subscriptions.
      if (this.#reportedSkips.has(arn)) continue;
      this.#reportedSkips.add(arn);
      this.options.log?.(`messages to ${topic.arn} are not delivered to ${arn}: its protocol is not delivered locally`);
    }
    return results;
  }

  #route(
    topic: TopicRecord,
    subscriptions: readonly SubscriptionRecord[],
    message: ValidatedMessage & { messageId: string; sequenceNumber?: string; traceHeader?: string },
    now: number,
    skipped: Set<string>,
  ): void {
    const notification: Notification = {
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
    for (const subscription of subscriptions) {
      const filter = this.#filter(subscription);
      // The policy sees the text this subscription's protocol would receive.
      if (
        filter &&
        !matchesFilterPolicy(filter, { body: messageFor(notification, subscription.protocol), attributes: notification.attributes })
      )
        continue;
      if (!LOCALLY_DELIVERED_PROTOCOLS.has(subscription.protocol)) {
        skipped.add(subscription.arn);
        continue;
      }
      const orderKey = isFifo(topic) ? `${subscription.arn}\u0000${notification.groupId}` : null;
      this.#store.addDelivery(subscription.arn, orderKey, notification, now);
    }
  }

  // --- lookups --------------------------------------------------------------------------------

  #topicArn(name: string): string {
    return `arn:aws:sns:${this.options.region}:${this.options.accountId}:${name}`;
  }

  #validTopicArn(arn: string | undefined, parameter = 'TopicArn'): string {
    if (arn === undefined || arn === null) throw missingMember(parameter === 'TopicArn' ? 'topicArn' : 'targetArn');
    if (!TOPIC_ARN.test(arn)) throw invalidParameter(parameter);
    return arn;
  }

  #topic(arn: string | undefined, parameter = 'TopicArn'): TopicRecord {
    const topic = this.#store.topic(this.#validTopicArn(arn, parameter));
    if (!topic) throw topicNotFound();
    return topic;
  }

  #topicForTags(arn: string | undefined): TopicRecord {
    if (arn === undefined || arn === null) throw missingMember('resourceArn');
    const topic = this.#store.topic(arn);
    if (!topic) throw new SnsError('NotFound', 'Resource does not exist');
    return topic;
  }

  #subscription(arn: string | undefined): SubscriptionRecord {
    if (arn === undefined || arn === null) throw missingMember('subscriptionArn');
    if (!/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w.-]+:[\w-]+$/.test(arn)) throw invalidParameter('SubscriptionArn');
    const subscription = this.#store.subscription(arn);
    if (!subscription) throw subscriptionNotFound();
    return subscription;
  }

  #filter(subscription: SubscriptionRecord): CompiledFilterPolicy | undefined {
    const text = subscription.attributes.FilterPolicy;
    if (text === undefined) return undefined;
    const scope = subscription.attributes.FilterPolicyScope ?? 'MessageAttributes';
    const cached = this.#filters.get(subscription.arn);
    if (cached && cached.text === text && cached.scope === scope) return cached.policy;
    const { filter } = validateSubscriptionAttributes({}, subscription.attributes, subscription.protocol, 'set');
    if (filter) this.#filters.set(subscription.arn, { text, scope, policy: filter });
    return filter;
  }

  #cacheFilter(subscription: SubscriptionRecord, filter: CompiledFilterPolicy | undefined): void {
    const text = subscription.attributes.FilterPolicy;
    if (filter && text !== undefined) {
      this.#filters.set(subscription.arn, {
        text,
        scope: subscription.attributes.FilterPolicyScope ?? 'MessageAttributes',
        policy: filter,
      });
    } else this.#filters.delete(subscription.arn);
  }

  #summary(subscription: SubscriptionRecord) {
    return {
      SubscriptionArn: isPending(subscription) ? 'PendingConfirmation' : subscription.arn,
      Owner: this.options.accountId,
      Protocol: subscription.protocol,
      Endpoint: subscription.endpoint,
      TopicArn: subscription.topicArn,
    };
  }
}

function isFifo(topic: TopicRecord): boolean {
  return topic.attributes.FifoTopic === 'true';
}

/** HTTP(S) and email subscriptions wait for a confirmation no local endpoint sends. */
function isPending(subscription: SubscriptionRecord): boolean {
  return CONFIRMED_BY_OWNER.has(subscription.protocol);
}

/** Paging by an opaque token: the last item's key of the previous page. */
function paginate<T>(items: readonly T[], token: string | undefined, key: (item: T) => string = (item) => String(item)) {
  let start = 0;
  if (token !== undefined) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    const index = items.findIndex((item) => key(item) === after);
    if (index < 0) throw invalidParameter('NextToken');
    start = index + 1;
  }
  const page = items.slice(start, start + PAGE_SIZE);
  const last = page[page.length - 1];
  const next = start + PAGE_SIZE < items.length && last !== undefined ? Buffer.from(key(last)).toString('base64url') : undefined;
  return { page, next };
}
