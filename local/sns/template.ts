import { validateSubscriptionAttributes, validateTopicAttributes } from './attributes.js';
import type { SubscriptionDefinition, TopicDefinition } from './definitions.js';
import type { SnsStore, SubscriptionRecord } from './sns-store.js';

/**
 * Brings the template's topics and subscriptions into the data folder, as a deployment
 * would: new ones created, changed ones updated, and the ones a previous template declared
 * but this one no longer does removed. What the API created is left alone. A resource
 * with settings SNS would refuse is reported and left out (or its attributes are).
 */
export function applyTemplate(
  store: SnsStore,
  topics: readonly TopicDefinition[],
  subscriptions: readonly SubscriptionDefinition[],
  log: (line: string) => void,
  /** Told of each subscription put (an email one gets its confirmation token, once). */
  onSubscription: (subscription: SubscriptionRecord) => void = () => {},
): void {
  store.transaction(() => {
    const topicArns = new Set(topics.map((t) => t.arn));
    for (const stale of store.topics()) if (stale.template && !topicArns.has(stale.arn)) store.deleteTopic(stale.arn);
    for (const topic of topics) {
      const fifo = (topic.attributes.FifoTopic ?? '').toLowerCase() === 'true';
      let attributes: Record<string, string>;
      try {
        attributes = validateTopicAttributes(topic.attributes, fifo, 'create');
      } catch (error) {
        log(`topic ${topic.arn}: ${(error as Error).message}; its attributes are left out`);
        attributes = fifo ? { FifoTopic: 'true' } : {};
      }
      if (!fifo) delete attributes.FifoTopic;
      store.putTopic({ arn: topic.arn, name: topic.name, attributes, template: true });
      // Its tags are the template's again at each start, as a Lambda function's are.
      store.tags.replace(topic.arn, Object.entries(topic.tags));
    }
    const subscriptionArns = new Set(subscriptions.map((s) => s.arn));
    for (const stale of store.subscriptions()) {
      if (stale.template && !subscriptionArns.has(stale.arn)) store.deleteSubscription(stale.arn);
    }
    for (const definition of subscriptions) {
      try {
        const { attributes } = validateSubscriptionAttributes(definition.attributes, {}, definition.protocol, 'subscribe');
        const subscription = { ...definition, attributes, template: true };
        store.putSubscription(subscription);
        onSubscription(subscription);
      } catch (error) {
        log(`subscription ${definition.arn}: ${(error as Error).message}; the subscription is left out`);
      }
    }
  });
}
