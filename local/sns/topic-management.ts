import { defaultTopicAttribute, defaultTopicPolicy, validateTopicAttributes } from './attributes.js';
import { effectiveDeliveryPolicy } from './delivery-policy.js';
import { isPending, paginate, type SnsContext } from './sns-context.js';
import { invalidParameter, missingMember } from './sns-errors.js';

export type Tag = { Key: string; Value: string };

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;

/** SNS's topic operations: creating, listing, attributes, tags and deleting. */
export class TopicManagement {
  constructor(private readonly context: SnsContext) {}

  createTopic(input: { Name?: string; Attributes?: Record<string, string>; Tags?: Tag[] }) {
    if (input.Name === undefined || input.Name === null) throw missingMember('name');
    const requested = input.Attributes ?? {};
    const fifo = (requested.FifoTopic ?? '').toLowerCase() === 'true';
    // AWS words every bad name alike, a FIFO topic's without `.fifo` too (recorded on AWS).
    if (!(fifo ? FIFO_TOPIC_NAME : TOPIC_NAME).test(input.Name)) throw invalidParameter('Topic Name');
    const attributes = validateTopicAttributes(requested, fifo, 'create');
    // A standard topic does not keep FifoTopic=false.
    if (!fifo) delete attributes.FifoTopic;
    const tags = tagsOf(input.Tags);
    const arn = this.context.topicArn(input.Name);
    const existing = this.context.store.topic(arn);
    if (existing) {
      // CreateTopic is idempotent for the same name, unless it asks for something else.
      for (const [name, value] of Object.entries(attributes)) {
        if ((existing.attributes[name] ?? defaultTopicAttribute(name)) !== value) {
          throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
        }
      }
      const existingTags = this.context.store.tags.map(arn);
      for (const [key, value] of Object.entries(tags)) {
        if (existingTags[key] !== value) throw invalidParameter('Tags Reason: Topic already exists with different tags');
      }
      return { TopicArn: arn };
    }
    this.context.store.transaction(() => {
      this.context.store.putTopic({ arn, name: input.Name as string, attributes, template: false });
      this.context.store.tags.tag(arn, Object.entries(tags));
    });
    if (attributes.Policy) this.context.options.onPolicyChange?.(arn, attributes.Policy);
    return { TopicArn: arn };
  }

  /** Deleting a topic that does not exist is not an error (the API reference says so). */
  deleteTopic(input: { TopicArn?: string }) {
    const arn = this.context.validTopicArn(input.TopicArn);
    if (this.context.store.topic(arn)?.attributes.Policy) this.context.options.onPolicyChange?.(arn, undefined);
    for (const subscription of this.context.store.subscriptions(arn)) this.context.forgetFilter(subscription.arn);
    this.context.store.deleteTopic(arn);
    return {};
  }

  listTopics(input: { NextToken?: string }) {
    const arns = this.context.store.topics().map((topic) => topic.arn);
    const { page, next } = paginate(arns, input.NextToken);
    return { Topics: page.map((TopicArn) => ({ TopicArn })), ...(next ? { NextToken: next } : {}) };
  }

  getTopicAttributes(input: { TopicArn?: string }) {
    const topic = this.context.topic(input.TopicArn);
    const subscriptions = this.context.store.subscriptions(topic.arn);
    const fifo = topic.attributes.FifoTopic === 'true';
    const { accountId } = this.context.options;
    return {
      Attributes: {
        TopicArn: topic.arn,
        Owner: accountId,
        Policy: defaultTopicPolicy(topic.arn, accountId),
        DisplayName: '',
        SubscriptionsConfirmed: String(subscriptions.filter((s) => !isPending(s)).length),
        SubscriptionsPending: String(subscriptions.filter(isPending).length),
        SubscriptionsDeleted: '0',
        EffectiveDeliveryPolicy: effectiveDeliveryPolicy(topic.attributes.DeliveryPolicy),
        // FifoThroughputScope is answered only once set (recorded on AWS).
        ...(fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}),
        ...topic.attributes,
      },
    };
  }

  setTopicAttributes(input: { TopicArn?: string; AttributeName?: string; AttributeValue?: string }) {
    if (input.AttributeName === undefined) throw missingMember('attributeName');
    const topic = this.context.topic(input.TopicArn);
    const value = input.AttributeValue ?? '';
    const changed = validateTopicAttributes({ [input.AttributeName]: value }, topic.attributes.FifoTopic === 'true', 'set');
    const attributes = { ...topic.attributes, ...changed };
    // An empty DeliveryPolicy removes it (recorded on AWS).
    if (changed.DeliveryPolicy === '') delete attributes.DeliveryPolicy;
    this.context.store.putTopic({ ...topic, attributes });
    if ('Policy' in changed) this.context.options.onPolicyChange?.(topic.arn, changed.Policy || undefined);
    return {};
  }

  tagResource(input: { ResourceArn?: string; Tags?: Tag[] }) {
    this.context.store.tags.tag(this.context.topicForTags(input.ResourceArn).arn, Object.entries(tagsOf(input.Tags)));
    return {};
  }

  untagResource(input: { ResourceArn?: string; TagKeys?: string[] }) {
    this.context.store.tags.untag(this.context.topicForTags(input.ResourceArn).arn, input.TagKeys ?? []);
    return {};
  }

  listTagsForResource(input: { ResourceArn?: string }) {
    const topic = this.context.topicForTags(input.ResourceArn);
    return { Tags: this.context.store.tags.list(topic.arn).map(([Key, Value]) => ({ Key, Value })) };
  }
}

/** The tags of a request; a key given twice is refused (recorded on AWS for TagResource). */
function tagsOf(tags: readonly Tag[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags) {
    if (Object.hasOwn(out, tag.Key)) throw invalidParameter('Duplicated keys are not allowed.');
    out[tag.Key] = tag.Value;
  }
  return out;
}
