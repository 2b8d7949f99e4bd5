import { GetSubscriptionAttributesCommand, type MessageAttributeValue, PublishCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { answerOf } from './recorded-compare.js';
import { type Answers, type Clients, createQueue, createTopic, type Replay, setSubscription, subscribeQueue } from './recorded-replays.js';

/**
 * test_sns_filter_policy.py's TestSNSFilterPolicyCrud and TestSNSFilterPolicyAttributes: a
 * subscription's filter policy set, answered and applied to message attributes.
 */

/** Python's json.dumps (`", "` and `": "` between members), the text the tests set and compare. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([key, member]) => `${JSON.stringify(key)}: ${pythonJson(member)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

/** A topic, a queue and the queue's subscription (the fixture sns_create_sqs_subscription). */
export async function subscribedQueue(clients: Clients) {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
  return { topicArn, queue, subscriptionArn: SubscriptionArn as string };
}

/** The fixture sns_create_sqs_subscription_with_filter_policy: scope, policy, then raw delivery. */
export async function rawFilteredQueue(clients: Clients, scope: string, policy: unknown) {
  const subscribed = await subscribedQueue(clients);
  await setSubscription(clients, subscribed.subscriptionArn, 'FilterPolicyScope', scope);
  await setSubscription(clients, subscribed.subscriptionArn, 'FilterPolicy', pythonJson(policy));
  await setSubscription(clients, subscribed.subscriptionArn, 'RawMessageDelivery', 'true');
  return subscribed;
}

export const subscriptionAttributes = ({ sns }: Clients, SubscriptionArn: string) =>
  answerOf(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn })));

/** ReceiveMessage as the tests call it: messages stay visible (VisibilityTimeout 0). */
export const receiveVisible = ({ sqs }: Clients, QueueUrl: string, WaitTimeSeconds?: number) =>
  answerOf(sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0, WaitTimeSeconds })));

/** Deletes the first message of a ReceiveMessage answer (answerOf's shape). */
export async function deleteFirst({ sqs }: Clients, QueueUrl: string, received: unknown): Promise<void> {
  const [first] = ((received as { Messages?: Message[] }).Messages as Message[] | undefined) ?? [];
  if (!first) throw new Error(`no message to delete: ${JSON.stringify(received)}`);
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }));
}

const publish = ({ sns }: Clients, TopicArn: string, Message: string, MessageAttributes?: Record<string, MessageAttributeValue>) =>
  sns.send(new PublishCommand({ TopicArn, Message, MessageAttributes }));

const num = (StringValue: string): MessageAttributeValue => ({ DataType: 'Number', StringValue });

const setFilterPolicyScope: Replay = async (clients) => {
  const { subscriptionArn } = await subscribedQueue(clients);
  const answers: Answers = { 'sub-attrs-default': await subscriptionAttributes(clients, subscriptionArn) };
  await setSubscription(clients, subscriptionArn, 'FilterPolicyScope', 'MessageBody');
  answers['sub-attrs-filter-scope-body'] = await subscriptionAttributes(clients, subscriptionArn);
  answers['sub-attrs-filter-scope-error'] = await answerOf(setSubscription(clients, subscriptionArn, 'FilterPolicyScope', 'RandomValue'));
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson({ attr: ['match-this'] }));
  answers['sub-attrs-after-setting-policy'] = await subscriptionAttributes(clients, subscriptionArn);
  return answers;
};

const nestedProperty: Replay = async (clients) => {
  const { subscriptionArn } = await subscribedQueue(clients);
  const nested = pythonJson({ object: { key: [{ prefix: 'auto-' }] } });
  const answers: Answers = {
    'sub-filter-policy-nested-error': await answerOf(setSubscription(clients, subscriptionArn, 'FilterPolicy', nested)),
  };
  await setSubscription(clients, subscriptionArn, 'FilterPolicyScope', 'MessageBody');
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', nested);
  answers['sub-attrs-after-setting-nested-policy'] = await subscriptionAttributes(clients, subscriptionArn);
  return answers;
};

const nestedPropertyConstraints: Replay = async (clients) => {
  const { subscriptionArn } = await subscribedQueue(clients);
  await setSubscription(clients, subscriptionArn, 'FilterPolicyScope', 'MessageBody');
  const set = (policy: unknown) => answerOf(setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson(policy)));
  const values = (...names: string[]) => names.map((name) => `value_${name}`);
  return {
    'sub-filter-policy-nested-error-too-many-combinations': await set({
      key_a: { key_b: { key_c: values('one', 'two', 'three', 'four') } },
      key_d: { key_e: values('one', 'two', 'three') },
      key_f: values('one', 'two', 'three'),
    }),
    'sub-filter-policy-max-attr-keys': await set(
      Object.fromEntries(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((key, i) => [`key_${key}`, [`value_${['one', 'two', 'three', 'four', 'five', 'six'][i]}`]]),
      ),
    ),
    'sub-filter-policy-rule-no-list': await set({ key_a: 'value_one' }),
  };
};

const filterPolicy: Replay = async (clients) => {
  const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson({ attr1: [{ numeric: ['>', 0, '<=', 100] }] }));
  const answers: Answers = { 'subscription-attributes': await subscriptionAttributes(clients, subscriptionArn) };
  answers['messages-0'] = await receiveVisible(clients, queue.url, 1);
  await publish(clients, topicArn, 'This is a test message', { attr1: num('99') });
  answers['messages-1'] = await receiveVisible(clients, queue.url, 4);
  await publish(clients, topicArn, 'This is another test message', { attr1: num('111') });
  answers['messages-2'] = await receiveVisible(clients, queue.url, 4);
  await deleteFirst(clients, queue.url, answers['messages-1']);
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson({ attr1: [null, { 'anything-but': 'whatever' }] }));
  answers['subscription-attributes-2'] = await subscriptionAttributes(clients, subscriptionArn);
  await publish(clients, topicArn, 'This the test message for null');
  answers['messages-3'] = await receiveVisible(clients, queue.url, 4);
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', '');
  await publish(clients, topicArn, 'This the test message for null');
  answers['messages-4'] = await receiveVisible(clients, queue.url, 4);
  return answers;
};

const existsFilterPolicy: Replay = async (clients) => {
  const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson({ store: [{ exists: true }] }));
  const answers: Answers = { 'subscription-attributes-policy-1': await subscriptionAttributes(clients, subscriptionArn) };
  answers['messages-0'] = await receiveVisible(clients, queue.url);
  await publish(clients, topicArn, 'message-1', { store: num('99'), def: num('99') });
  answers['messages-1'] = await receiveVisible(clients, queue.url, 4);
  await publish(clients, topicArn, 'message-2', { attr1: num('111') });
  answers['messages-2'] = await receiveVisible(clients, queue.url, 4);
  await deleteFirst(clients, queue.url, answers['messages-1']);
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson({ store: [{ exists: false }] }));
  answers['subscription-attributes-policy-2'] = await subscriptionAttributes(clients, subscriptionArn);
  await publish(clients, topicArn, 'message-3', { def: num('99') });
  answers['messages-3'] = await receiveVisible(clients, queue.url, 4);
  await publish(clients, topicArn, 'message-4', { store: num('99'), def: num('99') });
  answers['messages-4'] = await receiveVisible(clients, queue.url, 4);
  return answers;
};

const existsFilterPolicyAttributesArray: Replay = async (clients) => {
  const { topicArn, queue, subscriptionArn } = await rawFilteredQueue(clients, 'MessageAttributes', { store: ['value1'] });
  const answers: Answers = { 'subscription-attributes-policy': await subscriptionAttributes(clients, subscriptionArn) };
  answers['messages-init'] = await receiveVisible(clients, queue.url);
  const store = (DataType: string, StringValue: string) => ({ store: { DataType, StringValue } });
  await publish(clients, topicArn, 'message-1', store('String', 'value1'));
  answers['messages-1'] = await receiveVisible(clients, queue.url, 4);
  await deleteFirst(clients, queue.url, answers['messages-1']);
  await publish(clients, topicArn, 'message-2', store('String.Array', pythonJson(['value1', 'value2'])));
  answers['messages-2'] = await receiveVisible(clients, queue.url, 4);
  await deleteFirst(clients, queue.url, answers['messages-2']);
  await publish(clients, topicArn, 'message-3', store('String.Array', pythonJson(['value2', 'value3'])));
  answers['messages-3'] = await receiveVisible(clients, queue.url, 4);
  return answers;
};

export const FILTER_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSFilterPolicyCrud::test_set_subscription_filter_policy_scope': setFilterPolicyScope,
  'TestSNSFilterPolicyCrud::test_sub_filter_policy_nested_property': nestedProperty,
  'TestSNSFilterPolicyCrud::test_sub_filter_policy_nested_property_constraints': nestedPropertyConstraints,
  'TestSNSFilterPolicyAttributes::test_filter_policy': filterPolicy,
  'TestSNSFilterPolicyAttributes::test_exists_filter_policy': existsFilterPolicy,
  'TestSNSFilterPolicyAttributes::test_exists_filter_policy_attributes_array': existsFilterPolicyAttributesArray,
};
