import type { Clock } from '../time/clock.js';
import { validateSubscriptionAttributes } from './attributes.js';
import type { CompiledFilterPolicy } from './filter-policy.js';
import type { NotificationNote } from './lineage-notes.js';
import { invalidParameter, missingMember, SnsError, subscriptionNotFound, topicNotFound } from './sns-errors.js';
import type { SnsStore, SubscriptionRecord, TopicRecord } from './sns-store.js';

export interface SnsContextOptions {
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  readonly log?: (line: string) => void;
  /** Told what was published and what became of each delivery (the read API's lineage). @default none */
  readonly onNote?: (note: NotificationNote) => void;
  /** Called when a topic's `Policy` is set, changed or removed (IAM evaluates topic policies). @default none */
  readonly onPolicyChange?: (topicArn: string, policy: string | undefined) => void;
}

/** Protocols whose subscriptions wait for the endpoint owner's confirmation. */
const CONFIRMED_BY_OWNER = new Set(['http', 'https', 'email', 'email-json']);
const PAGE_SIZE = 100;
const TOPIC_ARN = /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/;
const SUBSCRIPTION_ARN = /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w.-]+:[\w-]+$/;

/**
 * What every part of the SNS service shares: the store, the settings, the lookups that turn
 * a request's ARN into a record (or SNS's error), and the compiled filter policies, cached
 * by subscription because every publish evaluates them.
 */
export class SnsContext {
  /** Compiled filter policies by subscription ARN, with the text they were compiled from. */
  readonly #filters = new Map<string, { text: string; scope: string; policy: CompiledFilterPolicy }>();

  constructor(
    readonly store: SnsStore,
    readonly options: SnsContextOptions,
  ) {}

  topicArn(name: string): string {
    return `arn:aws:sns:${this.options.region}:${this.options.accountId}:${name}`;
  }

  validTopicArn(arn: string | undefined, parameter = 'TopicArn'): string {
    if (arn === undefined || arn === null) throw missingMember(parameter === 'TopicArn' ? 'topicArn' : 'targetArn');
    checkArnElements(arn, parameter);
    if (!TOPIC_ARN.test(arn)) throw invalidParameter(parameter);
    return arn;
  }

  topic(arn: string | undefined, parameter = 'TopicArn'): TopicRecord {
    const topic = this.store.topic(this.validTopicArn(arn, parameter));
    if (!topic) throw topicNotFound();
    return topic;
  }

  /** The tagging operations name a resource, not a topic: another member and another error. */
  topicForTags(arn: string | undefined): TopicRecord {
    if (arn === undefined || arn === null) throw missingMember('resourceArn');
    const topic = this.store.topic(arn);
    if (!topic) throw new SnsError('NotFound', 'Resource does not exist');
    return topic;
  }

  subscription(arn: string | undefined): SubscriptionRecord {
    const subscription = this.store.subscription(this.validSubscriptionArn(arn));
    if (!subscription) throw subscriptionNotFound();
    return subscription;
  }

  /** A subscription ARN checked for its shape (not whether the subscription exists). */
  validSubscriptionArn(arn: string | undefined): string {
    if (arn === undefined || arn === null) throw missingMember('subscriptionArn');
    checkArnElements(arn, 'SubscriptionArn');
    // An ARN of SNS's shape whose last part is no subscription id (a topic's ARN, say).
    if (!SUBSCRIPTION_ARN.test(arn)) throw invalidParameter('SubscriptionId');
    return arn;
  }

  /** The subscription's compiled filter policy, compiled again when its text or scope changed (or after a restart). */
  filter(subscription: SubscriptionRecord): CompiledFilterPolicy | undefined {
    const text = subscription.attributes.FilterPolicy;
    if (text === undefined) return undefined;
    const scope = subscription.attributes.FilterPolicyScope ?? 'MessageAttributes';
    const cached = this.#filters.get(subscription.arn);
    if (cached && cached.text === text && cached.scope === scope) return cached.policy;
    const { filter } = validateSubscriptionAttributes({}, subscription.attributes, subscription.protocol, 'set');
    if (filter) this.#filters.set(subscription.arn, { text, scope, policy: filter });
    return filter;
  }

  /** Keeps the policy Subscribe or SetSubscriptionAttributes just compiled (or forgets the old one). */
  cacheFilter(subscription: SubscriptionRecord, filter: CompiledFilterPolicy | undefined): void {
    const text = subscription.attributes.FilterPolicy;
    if (filter && text !== undefined) {
      this.#filters.set(subscription.arn, {
        text,
        scope: subscription.attributes.FilterPolicyScope ?? 'MessageAttributes',
        policy: filter,
      });
    } else this.#filters.delete(subscription.arn);
  }

  forgetFilter(subscriptionArn: string): void {
    this.#filters.delete(subscriptionArn);
  }
}

/**
 * SNS parses an ARN before it looks at what it names: fewer than six `:`-separated elements
 * is its own error (recorded on AWS: `An ARN must have at least 6 elements, not 1`).
 */
function checkArnElements(arn: string, parameter: string): void {
  const elements = arn.split(':').length;
  if (elements < 6) throw invalidParameter(`${parameter} Reason: An ARN must have at least 6 elements, not ${elements}`);
}

export function isFifo(topic: TopicRecord): boolean {
  return topic.attributes.FifoTopic === 'true';
}

/** HTTP(S) subscriptions wait for a confirmation no local endpoint sends; email ones until their mail's link is followed. */
export function isPending(subscription: SubscriptionRecord): boolean {
  return CONFIRMED_BY_OWNER.has(subscription.protocol) && subscription.confirmed !== true;
}

/** Paging by an opaque token: the last item's key of the previous page. */
export function paginate<T>(items: readonly T[], token: string | undefined, key: (item: T) => string = (item) => String(item)) {
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
