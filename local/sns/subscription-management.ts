import { randomUUID } from 'node:crypto';
import { checkFifoDeadLetterQueue, validateEndpoint, validateSubscriptionAttributes } from './attributes.js';
import { LOCALLY_DELIVERED_PROTOCOLS } from './definitions.js';
import type { EmailSubscriptions } from './email-subscriptions.js';
import { isFifo, isPending, paginate, type SnsContext } from './sns-context.js';
import { invalidParameter, missingMember } from './sns-errors.js';
import type { SubscriptionRecord } from './sns-store.js';

/**
 * Protocols SNS has (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html); only sqs,
 * lambda and email ones are delivered locally (LOCALLY_DELIVERED_PROTOCOLS).
 */
const PROTOCOLS = new Set(['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose']);

/** The values a subscription has for attributes it was not given. */
const SUBSCRIPTION_DEFAULTS: Readonly<Record<string, string>> = { RawMessageDelivery: 'false', FilterPolicyScope: 'MessageAttributes' };

export interface SubscribeInput {
  TopicArn?: string;
  Protocol?: string;
  Endpoint?: string;
  Attributes?: Record<string, string>;
  ReturnSubscriptionArn?: boolean;
}

/** SNS's subscription operations: subscribing, listing, attributes (filter policies among them) and unsubscribing. */
export class SubscriptionManagement {
  constructor(
    private readonly context: SnsContext,
    private readonly emails: EmailSubscriptions,
  ) {}

  /** Subscribe, then the confirmation mail of a new email subscription (put in the mailbox before the answer). */
  async subscribe(input: SubscribeInput) {
    const answer = this.#subscribe(input);
    await this.emails.mailPending();
    return answer;
  }

  /** ConfirmSubscription: the token of the subscription's confirmation mail confirms it (the mail's link is this call, unsigned). */
  confirmSubscription(input: { TopicArn?: string; Token?: string }) {
    const topic = this.context.topic(input.TopicArn);
    if (input.Token === undefined || input.Token === null) throw missingMember('token');
    return { SubscriptionArn: this.emails.confirm(topic.arn, input.Token) };
  }

  #subscribe(input: SubscribeInput) {
    if (input.Protocol === undefined || input.Protocol === null) throw missingMember('protocol');
    const topic = this.context.topic(input.TopicArn);
    const protocol = input.Protocol;
    const endpoint = input.Endpoint ?? '';
    if (!PROTOCOLS.has(protocol)) throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
    validateEndpoint(protocol, endpoint, isFifo(topic));
    const { attributes, filter } = validateSubscriptionAttributes(input.Attributes ?? {}, {}, protocol, 'subscribe');
    checkFifoDeadLetterQueue(attributes, endpoint, isFifo(topic), 'subscribe');

    const existing = this.context.store.subscriptions(topic.arn).find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (existing) {
      // Subscribe is idempotent, unless the same endpoint asks for other attributes than it has
      // (an attribute it leaves out, or gives its default value, is no difference: recorded on AWS).
      for (const [name, value] of Object.entries(attributes)) {
        if ((existing.attributes[name] ?? SUBSCRIPTION_DEFAULTS[name]) !== value)
          throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
      }
      // Subscribing a pending address again mails its confirmation again (the console's "Request confirmation").
      if (isPending(existing)) this.emails.remail(existing);
      return { SubscriptionArn: !isPending(existing) || returnsArn(input) ? existing.arn : 'pending confirmation' };
    }
    const subscription: SubscriptionRecord = {
      arn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      protocol,
      endpoint,
      attributes,
      template: false,
    };
    this.context.store.transaction(() => {
      this.context.store.putSubscription(subscription);
      this.emails.request(subscription);
    });
    this.context.cacheFilter(subscription, filter);
    if (!LOCALLY_DELIVERED_PROTOCOLS.has(protocol)) {
      this.context.options.log?.(
        `subscription ${subscription.arn}: protocol ${protocol} (${endpoint}) is not delivered locally; it receives nothing`,
      );
    }
    const pending = isPending(subscription);
    return { SubscriptionArn: pending && !returnsArn(input) ? 'pending confirmation' : subscription.arn };
  }

  /** Unsubscribing from a subscription that is gone (or never was) is not an error (recorded on AWS). */
  unsubscribe(input: { SubscriptionArn?: string }) {
    const arn = this.context.validSubscriptionArn(input.SubscriptionArn);
    this.context.store.deleteSubscription(arn);
    this.context.forgetFilter(arn);
    return {};
  }

  listSubscriptions(input: { NextToken?: string }) {
    const { page, next } = paginate(this.context.store.subscriptions(), input.NextToken, (s) => s.arn);
    return { Subscriptions: page.map((s) => this.#summary(s)), ...(next ? { NextToken: next } : {}) };
  }

  listSubscriptionsByTopic(input: { TopicArn?: string; NextToken?: string }) {
    const topic = this.context.topic(input.TopicArn);
    const { page, next } = paginate(this.context.store.subscriptions(topic.arn), input.NextToken, (s) => s.arn);
    return { Subscriptions: page.map((s) => this.#summary(s)), ...(next ? { NextToken: next } : {}) };
  }

  getSubscriptionAttributes(input: { SubscriptionArn?: string }) {
    const subscription = this.context.subscription(input.SubscriptionArn);
    const { accountId } = this.context.options;
    const { FilterPolicyScope, ...attributes } = subscription.attributes;
    return {
      Attributes: {
        SubscriptionArn: subscription.arn,
        TopicArn: subscription.topicArn,
        Owner: accountId,
        Protocol: subscription.protocol,
        Endpoint: subscription.endpoint,
        ConfirmationWasAuthenticated: 'true',
        PendingConfirmation: String(isPending(subscription)),
        RawMessageDelivery: 'false',
        SubscriptionPrincipal: `arn:aws:iam::${accountId}:root`,
        ...attributes,
        // SNS reports the scope only alongside a filter policy.
        ...(attributes.FilterPolicy === undefined ? {} : { FilterPolicyScope: FilterPolicyScope ?? 'MessageAttributes' }),
      },
    };
  }

  setSubscriptionAttributes(input: { SubscriptionArn?: string; AttributeName?: string; AttributeValue?: string }) {
    if (input.AttributeName === undefined) throw missingMember('attributeName');
    const subscription = this.context.subscription(input.SubscriptionArn);
    const { attributes, filter } = validateSubscriptionAttributes(
      { [input.AttributeName]: input.AttributeValue ?? '' },
      subscription.attributes,
      subscription.protocol,
      'set',
    );
    const topic = this.context.store.topic(subscription.topicArn);
    checkFifoDeadLetterQueue(attributes, subscription.endpoint, topic !== undefined && isFifo(topic), 'set');
    this.context.store.setSubscriptionAttributes(subscription.arn, attributes);
    this.context.cacheFilter({ ...subscription, attributes }, filter);
    return {};
  }

  #summary(subscription: SubscriptionRecord) {
    return {
      SubscriptionArn: isPending(subscription) ? 'PendingConfirmation' : subscription.arn,
      Owner: this.context.options.accountId,
      Protocol: subscription.protocol,
      Endpoint: subscription.endpoint,
      TopicArn: subscription.topicArn,
    };
  }
}

/** ReturnSubscriptionArn as SNS reads it: true only when it is (the query codec leaves text other than `true` or `false` as it came). */
function returnsArn(input: SubscribeInput): boolean {
  return input.ReturnSubscriptionArn === true;
}
