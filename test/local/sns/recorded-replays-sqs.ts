import {
  ListSubscriptionsByTopicCommand,
  type MessageAttributeValue,
  PublishBatchCommand,
  PublishCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { DeleteMessageCommand, DeleteQueueCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { answerOf } from './recorded-compare.js';
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
import { deleteFirst, subscribedQueue, subscriptionAttributes } from './recorded-replays-filter.js';

/** TestSNSSubscriptionSQS: delivery to SQS (raw and enveloped), message attributes, batches, X-Ray, dead-letter queues. */

type Attributes = Record<string, MessageAttributeValue>;

/** ReceiveMessage with every message and system attribute; `visibility` as the test gives it. */
const receiveAll = (
  { sqs }: Clients,
  QueueUrl: string,
  WaitTimeSeconds: number,
  VisibilityTimeout?: number,
  MaxNumberOfMessages?: number,
) =>
  answerOf(
    sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        WaitTimeSeconds,
        VisibilityTimeout,
        MaxNumberOfMessages,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    ),
  );

const subscriptionConfirmation: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  // SQS subscriptions in the topic's account are confirmed at once: the fixture's attributes say so already.
  return { 'subscription-attrs': { ...(await subscribeQueue(clients, topicArn, queue.arn)) } };
};

const publishSqsFromSns: Replay = async (clients) => {
  const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
  const receive = () =>
    answerOf(
      clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MessageAttributeNames: ['All'], VisibilityTimeout: 0, WaitTimeSeconds: 4 }),
      ),
    );
  await setSubscription(clients, subscriptionArn, 'RawMessageDelivery', 'true');
  const answers: Answers = { 'sub-attrs-raw-true': await subscriptionAttributes(clients, subscriptionArn) };
  await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'Test msg', MessageAttributes: { attr1: number('99.12') } }));
  answers['message-raw-true'] = await receive();
  await deleteFirst(clients, queue.url, answers['message-raw-true']);
  await setSubscription(clients, subscriptionArn, 'RawMessageDelivery', 'false');
  answers['sub-attrs-raw-false'] = await subscriptionAttributes(clients, subscriptionArn);
  await clients.sns.send(new PublishCommand({ TargetArn: topicArn, Message: 'Test msg', MessageAttributes: { attr1: number('100.12') } }));
  answers['message-raw-false'] = await receive();
  return answers;
};

/** Receives (and deletes) until `expected` came, sorted by body as the tests sort them (their get_messages under retry). */
export async function consolidated(clients: Clients, QueueUrl: string, expected: number): Promise<Answers> {
  const messages: Message[] = [];
  const deadline = Date.now() + 10_000;
  while (messages.length < expected && Date.now() < deadline) {
    const answer = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    for (const message of answer.Messages ?? []) {
      messages.push(message);
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  if (messages.length !== expected) throw new Error(`${messages.length} messages came, not ${expected}`);
  return { Messages: messages.sort((a, b) => ((a.Body ?? '') < (b.Body ?? '') ? -1 : 1)) };
}

const publishBatchFromSnsToSqs: Replay = async (clients) => {
  const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
  await setSubscription(clients, subscriptionArn, 'RawMessageDelivery', 'true');
  const answers: Answers = { 'sub-attrs-raw-true': await subscriptionAttributes(clients, subscriptionArn) };
  answers['publish-batch'] = await answerOf(
    clients.sns.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          {
            Id: '1',
            Message: 'Test Message with two attributes',
            Subject: 'Subject',
            MessageAttributes: { attr1: number('99.12'), attr2: number('109.12') },
          },
          { Id: '2', Message: 'Test Message with one attribute', Subject: 'Subject', MessageAttributes: { attr1: number('19.12') } },
          { Id: '3', Message: 'Test Message without attribute', Subject: 'Subject' },
          { Id: '4', Message: 'Test Message without subject' },
          { Id: '5', Message: '{"default": "test default", "sqs": "test sqs"}', MessageStructure: 'json' },
        ],
      }),
    ),
  );
  answers.messages = await consolidated(clients, queue.url, 5);
  return answers;
};

const publishBatchWithoutTopic: Replay = async (clients) => ({
  'publish-batch-no-topic': await answerOf(
    clients.sns.send(
      new PublishBatchCommand({
        TopicArn: `${await createTopic(clients)}fake-topic`,
        PublishBatchRequestEntries: [{ Id: '1', Message: 'Test Message with two attributes', Subject: 'Subject' }],
      }),
    ),
  ),
});

const subscribeWithQueueUrl: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  return {
    'sub-queue-url': await answerOf(clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.url }))),
  };
};

const TRACE_HEADER = 'Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1';

const xrayPropagation: Replay = async (clients) => {
  const { topicArn, queue } = await subscribedQueue(clients);
  const publish = new PublishCommand({ TargetArn: topicArn, Message: 'X-Ray propagation test msg' });
  publish.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'] = TRACE_HEADER;
      return next(args);
    },
    { step: 'build' },
  );
  await clients.sns.send(publish);
  const received = await clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MessageSystemAttributeNames: ['SentTimestamp', 'AWSTraceHeader'],
      MaxNumberOfMessages: 1,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 2,
      WaitTimeSeconds: 2,
    }),
  );
  return { 'xray-msg': received.Messages?.[0] };
};

const BINARY = new Uint8Array([2, 3, 4]);

const messageAttributesNotMissing: Replay = async (clients) => {
  const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
  await setSubscription(clients, subscriptionArn, 'RawMessageDelivery', 'true');
  const MessageAttributes: Attributes = {
    'an-attribute-key': { DataType: 'String', StringValue: 'an-attribute-value' },
    'binary-attribute': { DataType: 'Binary', BinaryValue: BINARY },
  };
  const publish = () => answerOf(clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'text', MessageAttributes })));
  const answers: Answers = { 'publish-msg-raw': await publish() };
  answers['raw-delivery-msg-attrs'] = await receiveAll(clients, queue.url, 3);
  await deleteFirst(clients, queue.url, answers['raw-delivery-msg-attrs']);
  await setSubscription(clients, subscriptionArn, 'RawMessageDelivery', 'false');
  answers['publish-msg-json'] = await publish();
  answers['json-delivery-msg-attrs'] = await receiveAll(clients, queue.url, 3);
  return answers;
};

const subscriptionAfterFailureToDeliver: Replay = async (clients) => {
  const { sns, sqs } = clients;
  const { topicArn, queue, subscriptionArn } = await subscribedQueue(clients);
  const dlq = await createQueue(clients);
  const answers: Answers = { 'subscriptions-attrs': await subscriptionAttributes(clients, subscriptionArn) };
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'test_dlq_before_sqs_endpoint_deleted' }));
  answers['messages-before-delete'] = await answerOf(
    sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 10, MaxNumberOfMessages: 4 })),
  );
  await deleteFirst(clients, queue.url, answers['messages-before-delete']);
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
  // A second subscription tells when the message to the deleted queue was published; it goes nowhere (no DLQ yet).
  const witness = await createQueue(clients);
  const { SubscriptionArn: witnessArn } = await subscribeQueue(clients, topicArn, witness.arn);
  await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'test_dlq_after_sqs_endpoint_deleted' }));
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: witness.url, WaitTimeSeconds: 10 }));
  await sns.send(new UnsubscribeCommand({ SubscriptionArn: witnessArn }));
  answers.subscriptions = await answerOf(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn })));
  await setSubscription(clients, subscriptionArn, 'RedrivePolicy', JSON.stringify({ deadLetterTargetArn: dlq.arn }));
  answers['subscriptions-attrs-with-redrive'] = await subscriptionAttributes(clients, subscriptionArn);
  for (const i of [0, 1]) {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: `test_dlq_after_sqs_endpoint_deleted_${i}` }));
    const response = await answerOf(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 10, MaxNumberOfMessages: 4 })),
    );
    await deleteFirst(clients, dlq.url, response);
    answers[`message-${i}-after-delete`] = response;
  }
  return answers;
};

/** Attribute sets SNS refuses; the test sends them past botocore's own checks, as the SDK v3 client does. */
const WRONG_ATTRIBUTES: Readonly<Record<string, Attributes>> = {
  missing_string_attr: { attr1: { DataType: 'String', StringValue: '' } },
  fully_missing_string_attr: { attr1: { DataType: 'String' } },
  fully_missing_data_type: { attr1: { StringValue: 'value' } as MessageAttributeValue },
  missing_binary_attr: { attr1: { DataType: 'Binary', BinaryValue: new Uint8Array() } },
  str_attr_binary_value: { attr1: { DataType: 'String', BinaryValue: new TextEncoder().encode('123') } },
  int_attr_binary_value: { attr1: { DataType: 'Number', BinaryValue: new TextEncoder().encode('123') } },
  binary_attr_string_value: { attr1: { DataType: 'Binary', StringValue: '123' } },
  invalid_attr_string_value: { attr1: { DataType: 'InvalidType', StringValue: '123' } },
  too_long_name: { ['a'.repeat(257)]: { DataType: 'String', StringValue: '123' } },
  invalid_name: { 'a^*?': { DataType: 'String', StringValue: '123' } },
  invalid_name_2: { '.abc': { DataType: 'String', StringValue: '123' } },
  invalid_name_3: { 'abc.': { DataType: 'String', StringValue: '123' } },
  invalid_name_4: { 'a..bc': { DataType: 'String', StringValue: '123' } },
};

const emptyOrWrongMessageAttributes: Replay = async (clients) => {
  const { topicArn } = await subscribedQueue(clients);
  const answers: Answers = {};
  for (const [key, MessageAttributes] of Object.entries(WRONG_ATTRIBUTES)) {
    answers[key] = await answerOf(clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'test message', MessageAttributes })));
    answers[`batch-${key}`] = await answerOf(
      clients.sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: [
            { Id: '1', Message: 'test-batch', MessageAttributes },
            { Id: '3', Message: 'valid-batch' },
          ],
        }),
      ),
    );
  }
  return answers;
};

const messageAttributesPrefixes: Replay = async (clients) => {
  const { topicArn } = await subscribedQueue(clients);
  const publish = (DataType: string) =>
    answerOf(
      clients.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: 'test message',
          MessageAttributes: { attr1: { DataType, StringValue: 'prefixed-1' } },
        }),
      ),
    );
  return {
    'publish-error': await publish('String.'),
    'publish-error-2': await publish('Stringprefixed'),
    'publish-ok-1': await publish('String.prefixed'),
    'publish-ok-2': await publish('String.  prefixed.'),
  };
};

export const SQS_DELIVERY_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSSubscriptionSQS::test_sqs_topic_subscription_confirmation': subscriptionConfirmation,
  'TestSNSSubscriptionSQS::test_publish_sqs_from_sns': publishSqsFromSns,
  'TestSNSSubscriptionSQS::test_publish_batch_messages_from_sns_to_sqs': publishBatchFromSnsToSqs,
  'TestSNSSubscriptionSQS::test_publish_batch_messages_without_topic': publishBatchWithoutTopic,
  'TestSNSSubscriptionSQS::test_subscribe_to_sqs_with_queue_url': subscribeWithQueueUrl,
  'TestSNSSubscriptionSQS::test_publish_sqs_from_sns_with_xray_propagation': xrayPropagation,
  'TestSNSSubscriptionSQS::test_message_attributes_not_missing': messageAttributesNotMissing,
  'TestSNSSubscriptionSQS::test_subscription_after_failure_to_deliver': subscriptionAfterFailureToDeliver,
  'TestSNSSubscriptionSQS::test_empty_or_wrong_message_attributes': emptyOrWrongMessageAttributes,
  'TestSNSSubscriptionSQS::test_message_attributes_prefixes': messageAttributesPrefixes,
};
