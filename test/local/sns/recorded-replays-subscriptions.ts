import {
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  SubscribeCommand,
  type SubscribeCommandInput,
  type Subscription,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { answerOf } from './recorded-compare.js';
import { type Answers, type Clients, createQueue, createTopic, type Replay, setSubscription, subscribeQueue } from './recorded-replays.js';

/** Subscription CRUD: Subscribe's checks and idempotency, attributes, Unsubscribe, listing. */
const subscribe = ({ sns }: Clients, input: SubscribeCommandInput) => answerOf(sns.send(new SubscribeCommand(input)));
const unsubscribe = ({ sns }: Clients, SubscriptionArn: string) => answerOf(sns.send(new UnsubscribeCommand({ SubscriptionArn })));
const subscriptionAttributes = ({ sns }: Clients, SubscriptionArn: string) =>
  answerOf(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn })));

async function topicAndQueue(clients: Clients) {
  return { topicArn: await createTopic(clients), queue: await createQueue(clients) };
}

const subscribeWithInvalidProtocol: Replay = async (clients) => ({
  exception: await subscribe(clients, {
    TopicArn: await createTopic(clients),
    Protocol: 'test-protocol',
    Endpoint: 'localstack@yopmail.com',
  }),
});

const unsubscribeFromNonExistingSubscription: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
  await unsubscribe(clients, SubscriptionArn as string);
  return { 'empty-unsubscribe': await unsubscribe(clients, SubscriptionArn as string) };
};

const createSubscriptionsWithAttributes: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  const withRaw = (RawMessageDelivery: string) =>
    subscribe(clients, {
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery, FilterPolicyScope: 'MessageBody', FilterPolicy: '' },
      ReturnSubscriptionArn: true,
    });
  const answers: Answers = { 'subscribe-wrong-attr': await withRaw('wrongvalue') };
  const subscribed = await withRaw('TrUe');
  answers.subscribe = subscribed;
  const arn = subscribed.SubscriptionArn as string;
  answers['get-attrs'] = await subscriptionAttributes(clients, arn);
  answers['get-attrs-nonexistent-sub'] = await subscriptionAttributes(clients, `${arn.slice(0, -8)}${'x'.repeat(8)}`);
  return answers;
};

const notFoundErrorOnSetSubscriptionAttributes: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  const byTopic = () => answerOf(clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn })));
  const sub = await subscribe(clients, { TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn });
  const answers: Answers = { sub };
  const arn = sub.SubscriptionArn as string;
  answers['sub-attrs'] = await subscriptionAttributes(clients, arn);
  answers['subscriptions-for-topic-before-unsub'] = await byTopic();
  await unsubscribe(clients, arn);
  answers['sub-not-found'] = await answerOf(setSubscription(clients, arn, 'RawMessageDelivery', 'true'));
  answers['subscriptions-for-topic-after-unsub'] = await byTopic();
  return answers;
};

const validateSetSubAttributes: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
  const set = (name: string, value: string) => answerOf(setSubscription(clients, SubscriptionArn as string, name, value));
  return {
    'fake-attribute': await set('FakeAttribute', 'test-value'),
    'raw-message-wrong-value': await set('RawMessageDelivery', 'test-ValUe'),
    'raw-message-empty-value': await set('RawMessageDelivery', ''),
    'fake-arn-redrive-policy': await set('RedrivePolicy', JSON.stringify({ deadLetterTargetArn: 'fake-arn' })),
    'invalid-json-redrive-policy': await set('RedrivePolicy', '{invalidjson}'),
    'invalid-json-filter-policy': await set('FilterPolicy', '{invalidjson}'),
  };
};

/** No recorded answer: the test checks that every subscription made is listed, across pages. */
const listSubscriptions: Replay = async (clients) => {
  const made: string[] = [];
  for (const topicArn of [await createTopic(clients), await createTopic(clients)]) {
    for (let i = 0; i < 3; i++) {
      const queue = await createQueue(clients);
      await subscribeQueue(clients, topicArn, queue.arn);
      made.push(`${topicArn} ${queue.arn}`);
    }
  }
  const listed: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.sns.send(new ListSubscriptionsCommand({ NextToken }));
    listed.push(...(page.Subscriptions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const pairs = new Set(listed.map((s) => `${s.TopicArn} ${s.Endpoint}`));
  const missing = made.filter((pair) => !pairs.has(pair));
  if (missing.length > 0) throw new Error(`subscriptions not listed: ${missing.join(', ')}`);
  return {};
};

const listSubscriptionsByTopicPagination: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  for (let suffix = 0; suffix < 101; suffix++)
    await clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sms', Endpoint: `+12312312${suffix}` }));
  const first = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
  if (first.Subscriptions?.length !== 100 || !first.NextToken) throw new Error(`page 1 is not 100 subscriptions and a token`);
  if (Buffer.from(first.NextToken, 'base64').length === 0) throw new Error(`NextToken ${first.NextToken} is not base64`);
  const page1 = new Set(first.Subscriptions.map((s) => s.SubscriptionArn));
  const second = await answerOf(clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: first.NextToken })));
  const rest = (second.Subscriptions as Subscription[] | undefined) ?? [];
  if (rest.some((s) => page1.has(s.SubscriptionArn))) throw new Error('page 2 repeats a subscription of page 1');
  return { 'list-sub-per-topic-page-2': second };
};

const subscribeIdempotency: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  const again = (Attributes?: Record<string, string>) =>
    subscribe(clients, { TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, ReturnSubscriptionArn: true, Attributes });
  const first = await again({ RawMessageDelivery: 'True' });
  const answers: Answers = { subscribe: first };
  answers['get-sub-attrs'] = await subscriptionAttributes(clients, first.SubscriptionArn as string);
  answers['subscribe-exact-same-raw'] = await again({ RawMessageDelivery: 'true' });
  answers['subscribe-idempotent'] = await again({ RawMessageDelivery: 'true', FilterPolicyScope: 'MessageAttributes' });
  answers['subscribe-idempotent-no-attributes'] = await again();
  answers['subscribe-idempotent-empty-attributes'] = await again({});
  answers['subscribe-missing-attributes'] = await again({ FilterPolicyScope: 'MessageAttributes' });
  answers['subscribe-diff-attributes'] = await again({ RawMessageDelivery: 'false', FilterPolicyScope: 'MessageBody' });
  return answers;
};

const unsubscribeIdempotency: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
  const answers: Answers = { 'unsubscribe-1': await unsubscribe(clients, SubscriptionArn as string) };
  answers['unsubscribe-2'] = await unsubscribe(clients, SubscriptionArn as string);
  return answers;
};

const subscribeSms =
  (key: string, Endpoint: string): Replay =>
  async (clients) => ({ [key]: await subscribe(clients, { TopicArn: await createTopic(clients), Protocol: 'sms', Endpoint }) });

const subscribeInvalidSms: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const answers: Answers = {};
  for (const Endpoint of ['+15--551234567', 'NAA+15551234567', '+15551234567.', '/+15551234567'])
    answers[`subscribe-bad-sms-${Endpoint}`] = await subscribe(clients, { TopicArn: topicArn, Protocol: 'sms', Endpoint });
  return answers;
};

const subscribeUnknownTopic: Replay = async (clients) => ({
  'subscribe-unknown-topic': await subscribe(clients, {
    TopicArn: `arn:aws:sns:us-east-1:000000000000:unknown-${Date.now()}`,
    Protocol: 'sms',
    Endpoint: '+1234567890',
  }),
});

const subscribeUnknownSqsQueue: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  return {
    'subscribe-unknown-sqs': await subscribe(clients, {
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: `arn:aws:sqs:us-east-1:000000000000:unknown-${Date.now()}`,
    }),
    'subscribe-unknown-sqs-invalid_arn': await subscribe(clients, { TopicArn: topicArn, Protocol: 'sqs', Endpoint: 'unknown' }),
  };
};

const subscribeSqsQueueUrl: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  return { 'subscribe-sqs-via-url-error': await subscribe(clients, { TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.url }) };
};

const creatingSubscription: Replay = async (clients) => ({
  'create-subscription': await subscribe(clients, {
    TopicArn: await createTopic(clients),
    Protocol: 'http',
    Endpoint: 'http://example.com/',
  }),
});

/** An HTTP subscription waits for confirmation: its "ARN" is `pending confirmation`, which Unsubscribe refuses. */
const unsubscribeFromDeletedTopic: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const { SubscriptionArn } = await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: 'http://example.com/' }),
  );
  await clients.sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
  return { 'unsubscribe-deleted-topic': await unsubscribe(clients, SubscriptionArn as string) };
};

const gettingSubscriptionsByTopic: Replay = async (clients) => {
  const { topicArn, queue } = await topicAndQueue(clients);
  await subscribe(clients, { TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn });
  return {
    'list-subscriptions-by-topic': await answerOf(clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))),
  };
};

/** Subscribes a queue (with `Attributes`), changes an attribute after when `set` says so, and answers the subscription's attributes. */
const subscriptionAttributesOf =
  (key: string, Attributes?: Record<string, string>, set?: [string, string]): Replay =>
  async (clients) => {
    const { topicArn, queue } = await topicAndQueue(clients);
    const { SubscriptionArn } = await clients.sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes }),
    );
    if (set) await setSubscription(clients, SubscriptionArn as string, ...set);
    return { [key]: await subscriptionAttributes(clients, SubscriptionArn as string) };
  };

const subscribeInvalidFilterPolicy: Replay = async (clients) => ({
  'subscribe-invalid-filter-policy': await subscribe(clients, {
    TopicArn: await createTopic(clients),
    Protocol: 'email',
    Endpoint: 'test@example.com',
    Attributes: { FilterPolicy: 'invalid-json' },
  }),
});

const getSubscriptionAttributesErrorNotExists: Replay = async (clients) => ({
  'get-sub-attrs-nonexistent': await subscriptionAttributes(
    clients,
    `arn:aws:sns:us-east-1:000000000000:nonexistent:${crypto.randomUUID()}`,
  ),
});

export const SUBSCRIPTION_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSSubscriptionCrud::test_subscribe_with_invalid_protocol': subscribeWithInvalidProtocol,
  'TestSNSSubscriptionCrud::test_unsubscribe_from_non_existing_subscription': unsubscribeFromNonExistingSubscription,
  'TestSNSSubscriptionCrud::test_create_subscriptions_with_attributes': createSubscriptionsWithAttributes,
  'TestSNSSubscriptionCrud::test_not_found_error_on_set_subscription_attributes': notFoundErrorOnSetSubscriptionAttributes,
  'TestSNSSubscriptionCrud::test_validate_set_sub_attributes': validateSetSubAttributes,
  'TestSNSSubscriptionCrud::test_list_subscriptions': listSubscriptions,
  'TestSNSSubscriptionCrud::test_list_subscriptions_by_topic_pagination': listSubscriptionsByTopicPagination,
  'TestSNSSubscriptionCrud::test_subscribe_idempotency': subscribeIdempotency,
  'TestSNSSubscriptionCrud::test_unsubscribe_idempotency': unsubscribeIdempotency,
  'TestSNSSubscriptionCrudV2::test_subscribe_sms': subscribeSms('subscribe-sms-1', '+1234567890'),
  'TestSNSSubscriptionCrudV2::test_subscribe_sms_obscure_phone_number': subscribeSms('subscribe-sms-2', '+12/34-567.890'),
  'TestSNSSubscriptionCrudV2::test_subscribe_invalid_sms': subscribeInvalidSms,
  'TestSNSSubscriptionCrudV2::test_subscribe_unknown_topic': subscribeUnknownTopic,
  'TestSNSSubscriptionCrudV2::test_subscribe_unknown_sqs_queue': subscribeUnknownSqsQueue,
  'TestSNSSubscriptionCrudV2::test_subscribe_sqs_queue_url': subscribeSqsQueueUrl,
  'TestSNSSubscriptionCrudV2::test_creating_subscription': creatingSubscription,
  'TestSNSSubscriptionCrudV2::test_unsubscribe_from_deleted_topic': unsubscribeFromDeletedTopic,
  'TestSNSSubscriptionCrudV2::test_getting_subscriptions_by_topic': gettingSubscriptionsByTopic,
  'TestSNSSubscriptionCrudV2::test_subscribe_attributes': subscriptionAttributesOf('get-subscription-attributes'),
  'TestSNSSubscriptionCrudV2::test_creating_subscription_with_attributes': subscriptionAttributesOf('subscription-with-attributes', {
    RawMessageDelivery: 'true',
  }),
  'TestSNSSubscriptionCrudV2::test_set_subscription_attributes': subscriptionAttributesOf('set-subscription-attributes', undefined, [
    'RawMessageDelivery',
    'true',
  ]),
  'TestSNSSubscriptionCrudV2::test_subscribe_invalid_filter_policy': subscribeInvalidFilterPolicy,
  'TestSNSSubscriptionCrudV2::test_get_subscription_attributes_error_not_exists': getSubscriptionAttributesErrorNotExists,
};
