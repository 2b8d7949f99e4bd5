import { type IdempotentCall, IdempotentRequests } from '../store/idempotent-requests.js';
import type { DurableOutbox } from '../store/outbox.js';
import type { ServiceState } from '../store/service-state.js';
import type { SubscriptionDefinition, TopicDefinition } from './definitions.js';
import { type FirehoseForSns, type LambdaForSns, type SqsForSns, SubscriptionDelivery } from './delivery.js';
import { DeliveryDispatcher } from './dispatch.js';
import { EmailSubscriptions, type SnsMailbox } from './email-subscriptions.js';
import type { NotificationNote } from './lineage-notes.js';
import type { PublishBatchRequestEntry, PublishInput } from './message.js';
import { Publishing, type PublishResult } from './publishing.js';
import { SnsContext } from './sns-context.js';
import { type DeliveryRow, SnsStore, type SubscriptionRecord } from './sns-store.js';
import { type SubscribeInput, SubscriptionManagement } from './subscription-management.js';
import { subscriptionDeliveryOutbox } from './subscription-outbox.js';
import { applyTemplate } from './template.js';
import { type Tag, TopicManagement } from './topic-management.js';

export interface SnsServiceOptions extends ServiceState {
  /** The local endpoint, for UnsubscribeURL. */
  readonly baseUrl: string;
  readonly topics?: readonly TopicDefinition[];
  readonly subscriptions?: readonly SubscriptionDefinition[];
  readonly sqs: SqsForSns;
  readonly lambda: LambdaForSns;
  /** Firehose subscriptions' delivery streams. @default none: they are not delivered */
  readonly firehose?: FirehoseForSns;
  /** IAM for each delivery to a subscription's endpoint (SubscriptionDelivery). @default none */
  readonly authorizeDelivery?: (subscription: SubscriptionRecord) => Promise<string | undefined>;
  /** The local mailbox, where email subscriptions' confirmations and notifications go (SES's). @default none: they are not mailed */
  readonly mailbox?: SnsMailbox;
  readonly log?: (line: string) => void;
  /** Told what was published and what became of each delivery (the read API's lineage). @default none */
  readonly onNote?: (note: NotificationNote) => void;
  /** Called when a topic's `Policy` is set, changed or removed (IAM evaluates topic policies). @default none */
  readonly onPolicyChange?: (topicArn: string, policy: string | undefined) => void;
}

/**
 * Amazon SNS: topics and subscriptions from the template and the API, Publish and
 * PublishBatch, filter policies, FIFO topics, and delivery to SQS queues and Lambda
 * functions.
 *
 * Durable in SQLite: a published message is written with one delivery per matching
 * subscription before Publish returns, so a SIGKILL loses nothing acknowledged; an outbox
 * then delivers each with SNS's retry policy (leftovers too, after a restart) and, when a
 * delivery fails for good, sends it to the subscription's dead-letter queue.
 *
 * The operations live in the parts below; they stay methods of this class because the query
 * protocol finds them by name on the service, so each one here only forwards.
 */
export class SnsService {
  readonly #store: SnsStore;
  readonly #outbox: DurableOutbox<DeliveryRow>;
  readonly #topics: TopicManagement;
  readonly #subscriptions: SubscriptionManagement;
  readonly #publishing: Publishing;
  readonly #emails: EmailSubscriptions;

  constructor(private readonly options: SnsServiceOptions) {
    this.#store = new SnsStore(options.db);
    const context = new SnsContext(this.#store, options);
    this.#emails = new EmailSubscriptions(context, options.mailbox, options.baseUrl);
    const dispatcher = new DeliveryDispatcher(
      this.#store,
      new SubscriptionDelivery(options.sqs, options.lambda, options.authorizeDelivery, this.#emails, options.firehose),
      options,
    );
    this.#outbox = subscriptionDeliveryOutbox(this.#store, options.clock, (delivery) => dispatcher.handle(delivery));
    this.#topics = new TopicManagement(context);
    this.#subscriptions = new SubscriptionManagement(context, this.#emails);
    this.#publishing = new Publishing(context, new IdempotentRequests(options.db, options.clock.now()), this.#outbox);
  }

  /** A topic's attribute (`KmsMasterKeyId`: IAM authorizes a publish on the key too); undefined for a topic that does not exist. */
  attributeOf(topicArn: string, name: string): string | undefined {
    return this.#store.topic(topicArn)?.attributes[name];
  }

  /**
   * Brings the template's topics and subscriptions into the data folder, mails the confirmations
   * owed (a new email subscription's, once per data folder), then starts delivering (leftovers included).
   */
  async start(): Promise<void> {
    applyTemplate(this.#store, this.options.topics ?? [], this.options.subscriptions ?? [], this.options.log ?? (() => {}), (s) =>
      this.#emails.request(s),
    );
    this.#store.expireDedup(this.options.clock.now());
    // Policies set through the API before a restart hold again.
    for (const topic of this.#store.topics())
      if (topic.attributes.Policy) this.options.onPolicyChange?.(topic.arn, topic.attributes.Policy);
    this.#outbox.start();
    await this.#emails.mailPending(true);
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

  async CreateTopic(input: { Name?: string; Attributes?: Record<string, string>; Tags?: Tag[] }) {
    return this.#topics.createTopic(input);
  }

  /** Deleting a topic that does not exist is not an error (the API reference says so). */
  async DeleteTopic(input: { TopicArn?: string }) {
    return this.#topics.deleteTopic(input);
  }

  async ListTopics(input: { NextToken?: string }) {
    return this.#topics.listTopics(input);
  }

  async GetTopicAttributes(input: { TopicArn?: string }) {
    return this.#topics.getTopicAttributes(input);
  }

  async SetTopicAttributes(input: { TopicArn?: string; AttributeName?: string; AttributeValue?: string }) {
    return this.#topics.setTopicAttributes(input);
  }

  async TagResource(input: { ResourceArn?: string; Tags?: Tag[] }) {
    return this.#topics.tagResource(input);
  }

  async UntagResource(input: { ResourceArn?: string; TagKeys?: string[] }) {
    return this.#topics.untagResource(input);
  }

  async ListTagsForResource(input: { ResourceArn?: string }) {
    return this.#topics.listTagsForResource(input);
  }

  // --- subscriptions ----------------------------------------------------------------------

  async Subscribe(input: SubscribeInput) {
    return this.#subscriptions.subscribe(input);
  }

  async ConfirmSubscription(input: { TopicArn?: string; Token?: string; AuthenticateOnUnsubscribe?: string }) {
    return this.#subscriptions.confirmSubscription(input);
  }

  async Unsubscribe(input: { SubscriptionArn?: string }) {
    return this.#subscriptions.unsubscribe(input);
  }

  async ListSubscriptions(input: { NextToken?: string }) {
    return this.#subscriptions.listSubscriptions(input);
  }

  async ListSubscriptionsByTopic(input: { TopicArn?: string; NextToken?: string }) {
    return this.#subscriptions.listSubscriptionsByTopic(input);
  }

  async GetSubscriptionAttributes(input: { SubscriptionArn?: string }) {
    return this.#subscriptions.getSubscriptionAttributes(input);
  }

  async SetSubscriptionAttributes(input: { SubscriptionArn?: string; AttributeName?: string; AttributeValue?: string }) {
    return this.#subscriptions.setSubscriptionAttributes(input);
  }

  // --- publishing ---------------------------------------------------------------------------

  /**
   * Publish, as the API and in-process callers (EventBridge targets, Step Functions' sns:publish)
   * use it. A keyed call (`options`) is answered once: a repeat gets the first answer.
   */
  async Publish(input: PublishInput, options: IdempotentCall = {}): Promise<PublishResult> {
    return this.#publishing.publish(input, options);
  }

  async PublishBatch(input: { TopicArn?: string; PublishBatchRequestEntries?: PublishBatchRequestEntry[] }) {
    return this.#publishing.publishBatch(input);
  }
}
