import { PublishBatchCommand, PublishCommand } from '@aws-sdk/client-sns';
import {
  type Answers,
  type Clients,
  createQueue,
  createTopic,
  number,
  type Replay,
  setSubscription,
  subscribeQueue,
} from './recorded-replays.js';
import {
  deleteFirst,
  pythonJson,
  rawFilteredQueue,
  receiveVisible,
  subscribedQueue,
  subscriptionAttributes,
} from './recorded-replays-filter.js';
import { consolidated } from './recorded-replays-sqs.js';

/** test_sns_filter_policy.py's TestSNSFilterPolicyBody: filter policies on the message body (scope MessageBody). */

const publishJson = ({ sns }: Clients, TopicArn: string, message: unknown) =>
  sns.send(new PublishCommand({ TopicArn, Message: typeof message === 'string' ? message : pythonJson(message) }));

/** Nothing more reaches the queue (the test's check after publishing messages the policy refuses). */
async function expectNone(clients: Clients, queueUrl: string, seconds: number): Promise<void> {
  const answer = await receiveVisible(clients, queueUrl, seconds);
  if ((answer.Messages as unknown[] | undefined)?.length) throw new Error(`a filtered message came: ${JSON.stringify(answer)}`);
}

const onMessageBody =
  (raw: boolean): Replay =>
  async (clients) => {
    const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
    await setSubscription(clients, subscriptionArn, 'FilterPolicyScope', 'MessageBody');
    const policy = { object: { key: [{ prefix: 'auto-' }, 'hardcodedvalue'], nested_key: [{ exists: false }] }, test: [{ exists: false }] };
    await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson(policy));
    if (raw) await setSubscription(clients, subscriptionArn, 'RawMessageDelivery', 'true');
    const answers: Answers = { 'recv-init': await receiveVisible(clients, queue.url, 1) };
    for (const [i, message] of [{ object: { key: 'auto-test' } }, { object: { key: 'hardcodedvalue' } }].entries()) {
      await publishJson(clients, topicArn, message);
      answers[`recv-passed-msg-${i}`] = await receiveVisible(clients, queue.url, 2);
      await deleteFirst(clients, queue.url, answers[`recv-passed-msg-${i}`]);
    }
    for (const message of [
      { object: { key: 'test-auto' } },
      { object: { key: 'auto-test' }, test: 'just-exists' },
      { object: { key: 'auto-test', nested_key: 'just-exists' } },
      { object: { test: 'auto-test' } },
      { test: 'auto-test' },
    ])
      await publishJson(clients, topicArn, message);
    await expectNone(clients, queue.url, 2);
    // Not JSON, and JSON that is not an object.
    await publishJson(clients, topicArn, 'Regular string message');
    await publishJson(clients, topicArn, JSON.stringify('Regular string message'));
    await expectNone(clients, queue.url, 2);
    return answers;
  };

const forBatch: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const filtered = await createQueue(clients);
  const withFilter = (await subscribeQueue(clients, topicArn, filtered.arn)).SubscriptionArn as string;
  const unfiltered = await createQueue(clients);
  const noFilter = (await subscribeQueue(clients, topicArn, unfiltered.arn)).SubscriptionArn as string;
  await setSubscription(clients, withFilter, 'FilterPolicy', pythonJson({ attr1: [{ numeric: ['>', 0, '<=', 100] }] }));
  const answers: Answers = {
    'subscription-attributes-with-filter': await subscriptionAttributes(clients, withFilter),
    'subscription-attributes-no-filter': await subscriptionAttributes(clients, noFilter),
  };
  answers['messages-no-filter-before-publish'] = await receiveVisible(clients, filtered.url, 1);
  answers['messages-with-filter-before-publish'] = await receiveVisible(clients, filtered.url, 1);
  const publishBatch = (Message: string, value: string) =>
    clients.sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [{ Id: '1', Message, MessageAttributes: { attr1: number(value) } }],
      }),
    );
  await publishBatch('This is a test message', '99');
  answers['messages-no-filter-after-publish-ok'] = await receiveVisible(clients, unfiltered.url, 1);
  await deleteFirst(clients, unfiltered.url, answers['messages-no-filter-after-publish-ok']);
  answers['messages-with-filter-after-publish-ok'] = await receiveVisible(clients, filtered.url, 1);
  await deleteFirst(clients, filtered.url, answers['messages-with-filter-after-publish-ok']);
  await publishBatch('This is another test message', '111');
  answers['messages-no-filter-after-publish-ok-1'] = await receiveVisible(clients, unfiltered.url, 1);
  answers['messages-with-filter-after-publish-filtered'] = await receiveVisible(clients, filtered.url, 1);
  return answers;
};

const dotAttribute: Replay = async (clients) => {
  const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
  await setSubscription(clients, subscriptionArn, 'FilterPolicyScope', 'MessageBody');
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson({ 'object.nested': ['string.value'] }));
  const answers: Answers = { 'recv-init': await receiveVisible(clients, queue.url, 1) };
  const passes = async (messages: unknown[], prefix: string) => {
    for (const [i, message] of messages.entries()) {
      await publishJson(clients, topicArn, message);
      answers[`${prefix}-${i}`] = await receiveVisible(clients, queue.url, 2);
      await deleteFirst(clients, queue.url, answers[`${prefix}-${i}`]);
    }
  };
  await passes([{ object: { nested: 'string.value' } }, { 'object.nested': 'string.value' }], 'recv-nested-msg');
  await publishJson(clients, topicArn, { object: { nested: 'test-auto' } });
  await expectNone(clients, queue.url, 2);
  await setSubscription(clients, subscriptionArn, 'FilterPolicy', pythonJson({ 'object.nested.test': ['string.value'] }));
  await passes(
    [
      { object: { nested: { test: 'string.value' } } },
      { 'object.nested.test': 'string.value' },
      { 'object.nested': { test: 'string.value' } },
      { object: { 'nested.test': 'string.value' } },
    ],
    'recv-deep-nested-msg',
  );
  await publishJson(clients, topicArn, { object: { nested: { test: 'string.notvalue' } } });
  await expectNone(clients, queue.url, 2);
  return answers;
};

const arrayAttributes: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queues = [];
  for (const route of ['queue1', 'queue2']) {
    const queue = await createQueue(clients);
    const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
    await setSubscription(clients, SubscriptionArn as string, 'FilterPolicyScope', 'MessageBody');
    await setSubscription(clients, SubscriptionArn as string, 'FilterPolicy', pythonJson({ headers: { 'route-to': [route] } }));
    await setSubscription(clients, SubscriptionArn as string, 'RawMessageDelivery', 'true');
    queues.push(queue);
  }
  for (const routes of [['queue3'], ['queue1'], ['queue2'], ['queue1', 'queue2']])
    await publishJson(clients, topicArn, { headers: { 'route-to': routes } });
  const answers: Answers = {};
  for (const [i, queue] of queues.entries()) answers[`messages-queue-${i}`] = await consolidated(clients, queue.url, 2);
  return answers;
};

const s3Event = (eventName: string, key: string) => ({
  Records: [
    {
      eventSource: 'aws:s3',
      eventTime: '2022-11-21T03:41:29.743Z',
      eventName,
      s3: {
        bucket: { name: 'insurance-bucket-demo', arn: 'arn:aws:s3:::insurance-bucket-demo' },
        object: { key, size: 17 },
      },
    },
  ],
});

const arrayOfObjectAttributes: Replay = async (clients) => {
  const { topicArn, queue } = await rawFilteredQueue(clients, 'MessageBody', {
    Records: { s3: { object: { key: [{ prefix: 'auto-' }] } }, eventName: [{ prefix: 'ObjectCreated:' }] },
  });
  const multipleRecords = {
    Records: [
      // A list of lists of objects: AWS matches inside it.
      { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { object: [[{ key: 'auto-insurance-2314.xml', size: 17 }]] } },
      { eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: { object: { key: 'home-insurance-2314.xml', size: 17 } } },
    ],
  };
  for (const message of [
    multipleRecords,
    s3Event('ObjectRemoved:Delete', 'auto-insurance-2314.xml'),
    s3Event('ObjectCreated:Put', 'home-insurance-2314.xml'),
    s3Event('ObjectCreated:Put', 'auto-insurance-2314.xml'),
  ])
    await publishJson(clients, topicArn, message);
  return { messages: await consolidated(clients, queue.url, 2) };
};

const orAttribute: Replay = async (clients) => {
  const { topicArn, queue } = await rawFilteredQueue(clients, 'MessageBody', {
    $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    detail: { scope: ['Service'], $or: [{ source: ['aws.cloudwatch'] }, { type: ['CloudWatch Alarm State Change'] }] },
  });
  const alarm = 'CloudWatch Alarm State Change';
  for (const message of [
    { metricName: 'CPUUtilization', detail: { scope: 'aws.cloudwatch', type: alarm } },
    { metricName: 'CPUUtilization', detail: { scope: 'Service', type: 'CPUUtilization' } },
    { metricName: 'CPUUtilization', detail: { type: alarm } },
    { metricName: 'CPUUtilization', detail: { scope: 'Service' } },
    { metricName: 'CPUUtilization', scope: 'Service' },
    { metricName: 'AWS/EC2', detail: { scope: 'Service', type: alarm } },
    { namespace: 'CPUUtilization', detail: { scope: 'Service', type: alarm } },
    { metricName: 'CPUUtilization', detail: { scope: 'Service', source: 'aws.cloudwatch' } },
    { metricName: 'ReadLatency', detail: { scope: 'Service', source: 'aws.cloudwatch' } },
    { namespace: 'AWS/EC2', detail: { scope: 'Service', source: 'aws.cloudwatch' } },
    { namespace: 'AWS/ES', detail: { scope: 'Service', source: 'aws.cloudwatch' } },
    { metricName: 'CPUUtilization', detail: { scope: 'Service', type: alarm } },
  ])
    await publishJson(clients, topicArn, message);
  return { 'messages-queue': await consolidated(clients, queue.url, 5) };
};

const emptyArrayPayload: Replay = async (clients) => {
  const { topicArn, queue } = await rawFilteredQueue(clients, 'MessageBody', { detail: { eventVersion: [''] } });
  await publishJson(clients, topicArn, {
    version: '0',
    id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
    'detail-type': 'EC2 Instance Launch Successful',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: '2015-11-11T21:31:47Z',
    region: 'my-region',
    resources: [],
    detail: { eventVersion: '', responseElements: null },
  });
  return { 'messages-queue': await consolidated(clients, queue.url, 1) };
};

const ipAddressCondition: Replay = async (clients) => {
  const { topicArn, queue } = await rawFilteredQueue(clients, 'MessageBody', {
    detail: { $or: [{ sourceIPAddress: [{ cidr: '10.0.0.0/24' }] }, { sourceIPAddressV6: [{ cidr: '2001:db8:1234:1a00::/64' }] }] },
  });
  const event = (id: string, detail: Record<string, string>) => ({
    id,
    source: 'test-source',
    'detail-type': 'test-detail-type',
    account: '123456789012',
    region: 'my-region',
    time: '2022-07-13T13:48:01Z',
    detail,
  });
  for (const message of [
    event('1', { sourceIPAddress: '10.0.0.255' }),
    event('2', { sourceIPAddress: '10.0.0.256' }),
    event('3', { sourceIPAddressV6: '2001:0db8:1234:1a00:0000:0000:0000:0000' }),
    event('4', { sourceIPAddressV6: '2001:0db8:123f:1a01:0000:0000:0000:0000' }),
  ])
    await publishJson(clients, topicArn, message);
  return { 'messages-queue': await consolidated(clients, queue.url, 2) };
};

export const FILTER_BODY_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSFilterPolicyBody::test_filter_policy_on_message_body[True]': onMessageBody(true),
  'TestSNSFilterPolicyBody::test_filter_policy_on_message_body[False]': onMessageBody(false),
  'TestSNSFilterPolicyBody::test_filter_policy_for_batch': forBatch,
  'TestSNSFilterPolicyBody::test_filter_policy_on_message_body_dot_attribute': dotAttribute,
  'TestSNSFilterPolicyBody::test_filter_policy_on_message_body_array_attributes': arrayAttributes,
  'TestSNSFilterPolicyBody::test_filter_policy_on_message_body_array_of_object_attributes': arrayOfObjectAttributes,
  'TestSNSFilterPolicyBody::test_filter_policy_on_message_body_or_attribute': orAttribute,
  'TestSNSFilterPolicyBody::test_filter_policy_empty_array_payload': emptyArrayPayload,
  'TestSNSFilterPolicyBody::test_filter_policy_ip_address_condition': ipAddressCondition,
};
