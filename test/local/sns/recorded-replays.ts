import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  type MessageAttributeValue,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { answerOf } from './recorded-compare.js';

/**
 * The calls of LocalStack's AWS-validated SNS tests (tests/aws/services/sns/test_sns.py),
 * replayed with the SDK v3 clients: each returns the answers under the snapshot's keys.
 */
export interface Clients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

type Answers = Record<string, unknown>;
type Replay = (clients: Clients) => Promise<Answers>;

let counter = 0;
const uid = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

async function createTopic({ sns }: Clients, name = `topic-${uid()}`, Attributes?: Record<string, string>): Promise<string> {
  return (await sns.send(new CreateTopicCommand({ Name: name, Attributes }))).TopicArn as string;
}

async function createQueue({ sqs }: Clients, name = `queue-${uid()}`, Attributes?: Record<string, string>) {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }))).QueueUrl as string;
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attributes.Attributes?.QueueArn as string };
}

/** The fixture `sns_create_sqs_subscription`: subscribes the queue, answers the subscription's attributes. */
async function subscribeQueue(clients: Clients, topicArn: string, queueArn: string, Attributes?: Record<string, string>) {
  const { SubscriptionArn } = await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes }),
  );
  const answer = await clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
  return answer.Attributes as Record<string, string>;
}

const setSubscription = (clients: Clients, SubscriptionArn: string, AttributeName: string, AttributeValue: string) =>
  clients.sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName, AttributeValue }));

const receive = (clients: Clients, QueueUrl: string, waitSeconds: number, attributes = false) =>
  answerOf(
    clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: ['All'],
        ...(attributes ? { MessageSystemAttributeNames: ['All'] } : {}),
      }),
    ),
  );

/** Receives until `count` messages came (the test's retry loop), deleting each. */
async function drain(clients: Clients, QueueUrl: string, count: number): Promise<{ Messages: Message[] }> {
  const messages: Message[] = [];
  const deadline = Date.now() + 10_000;
  while (messages.length < count && Date.now() < deadline) {
    const answer = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 1,
      }),
    );
    for (const message of answer.Messages ?? []) {
      if (messages.some((m) => m.MessageId === message.MessageId)) continue;
      messages.push(message);
      await clients.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return { Messages: messages };
}

const number = (value: string): MessageAttributeValue => ({ DataType: 'Number', StringValue: value });

const publishWrongArnFormat: Replay = async ({ sns }) => ({
  'invalid-topic-arn': await answerOf(sns.send(new PublishCommand({ Message: 'Good news everyone!', TopicArn: 'randomstring' }))),
  'invalid-topic-arn-1': await answerOf(sns.send(new PublishCommand({ Message: 'Good news everyone!', TopicArn: 'randomstring:1' }))),
  'empty-topic': await answerOf(sns.send(new PublishCommand({ Message: 'Good news everyone!', TopicArn: '' }))),
});

const createTopicWithAttributes: Replay = async (clients) => {
  const arn = await createTopic(clients, `topictest-${uid()}.fifo`, { DisplayName: 'TestTopic', SignatureVersion: '2', FifoTopic: 'true' });
  return {
    'get-topic-attrs': await answerOf(clients.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))),
    'get-attrs-nonexistent-topic': await answerOf(
      clients.sns.send(new GetTopicAttributesCommand({ TopicArn: `${arn.slice(0, -8)}${uid()}` })),
    ),
    'get-attrs-malformed-topic': await answerOf(clients.sns.send(new GetTopicAttributesCommand({ TopicArn: 'test-topic' }))),
  };
};

const topicAttributesWithFifoFalse: Replay = async (clients) => {
  const arn = await createTopic(clients, `standard-topic-${uid()}`, { FifoTopic: 'false' });
  return {
    'get-attrs-standard-topic': await answerOf(clients.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))),
    'set-fifo-false-after-creation': await answerOf(
      clients.sns.send(new SetTopicAttributesCommand({ TopicArn: arn, AttributeName: 'FifoTopic', AttributeValue: 'false' })),
    ),
  };
};

const createTopicDifferentAttributes: Replay = async (clients) => {
  const Name = `test-idempotent-${uid()}`;
  const create = (Attributes?: Record<string, string>) => answerOf(clients.sns.send(new CreateTopicCommand({ Name, Attributes })));
  const first = await create({ DisplayName: 'Value1' });
  const answers: Answers = { 'create-topic': first, 'create-topic-no-attrs': await create() };
  answers['topic-attrs'] = await answerOf(clients.sns.send(new GetTopicAttributesCommand({ TopicArn: first.TopicArn as string })));
  await create({ DisplayName: 'Value1' });
  await create({ FifoTopic: 'false' });
  answers['create-topic-diff-attrs'] = await create({ DisplayName: 'Value2' });
  answers['create-topic-new-attrs-fifo'] = await create({ FifoTopic: 'true' });
  answers['create-topic-new-attrs'] = await create({ SignatureVersion: '2' });
  answers['create-topic-new-and-same-attrs'] = await create({ SignatureVersion: '2', DisplayName: 'Value1' });
  return answers;
};

const subscribeSqsQueue: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
  await setSubscription(clients, SubscriptionArn as string, 'FilterPolicy', JSON.stringify({ attr1: [{ numeric: ['>', 0, '<=', 100] }] }));
  const attributes = await answerOf(clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn })));
  await clients.sns.send(
    new PublishCommand({ TopicArn: topicArn, Message: 'This is a test message', MessageAttributes: { attr1: number('99.12') } }),
  );
  return { 'subscription-attributes': attributes, messages: await receive(clients, queue.url, 4) };
};

const attributeRawSubscribe: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn, { RawMessageDelivery: 'true' });
  const attributes = await answerOf(clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn })));
  await clients.sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: 'This is a test message',
      MessageAttributes: { store: { DataType: 'Binary', BinaryValue: new Uint8Array([2, 3, 4]) } },
    }),
  );
  return { 'subscription-attributes': attributes, 'messages-response': await receive(clients, queue.url, 4) };
};

const publishUnicodeChars: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  await subscribeQueue(clients, topicArn, queue.arn);
  await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'ö§a1"_!?,. £$-' }));
  const answer = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 0, WaitTimeSeconds: 4 }));
  return { 'received-message': await answerOf(Promise.resolve(answer)) };
};

const redrivePolicySqsSubscription =
  (raw: boolean): Replay =>
  async (clients) => {
    const topicArn = await createTopic(clients);
    const queue = await createQueue(clients);
    const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
    const dlq = await createQueue(clients);
    await setSubscription(clients, SubscriptionArn as string, 'RedrivePolicy', JSON.stringify({ deadLetterTargetArn: dlq.arn }));
    if (raw) await setSubscription(clients, SubscriptionArn as string, 'RawMessageDelivery', 'true');
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    await clients.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'test_dlq_after_sqs_endpoint_deleted',
        MessageAttributes: { attr1: number('111'), attr2: { DataType: 'Binary', BinaryValue: new Uint8Array([2, 3, 4]) } },
      }),
    );
    return { messages: await receive(clients, dlq.url, 10, true) };
  };

/** test_message_to_fifo_sqs (FIFO queue) and test_fifo_topic_to_regular_sqs (standard queue). */
const fifoTopicToQueue =
  (contentBasedDeduplication: boolean, fifoQueue: boolean): Replay =>
  async (clients) => {
    const topicAttributes: Record<string, string> = { FifoTopic: 'true' };
    const queueAttributes: Record<string, string> = { FifoQueue: 'true' };
    if (contentBasedDeduplication) {
      topicAttributes.ContentBasedDeduplication = 'true';
      queueAttributes.ContentBasedDeduplication = 'true';
    }
    const topicArn = await createTopic(clients, `topic-${uid()}.fifo`, topicAttributes);
    const queue = fifoQueue ? await createQueue(clients, `queue-${uid()}.fifo`, queueAttributes) : await createQueue(clients);
    await subscribeQueue(clients, topicArn, queue.arn);
    const publish = () =>
      clients.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: 'Test',
          MessageGroupId: 'message-group-id-1',
          ...(contentBasedDeduplication ? {} : { MessageDeduplicationId: 'message-deduplication-id-1' }),
        }),
      );
    await publish();
    const messages = await receive(clients, queue.url, 10, true);
    const [first] = (messages.Messages as Message[] | undefined) ?? [];
    if (first) await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: first.ReceiptHandle }));
    await publish();
    return { messages, 'dedup-messages': await receive(clients, queue.url, 1, true) };
  };

export const SQS_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSPublishCrud::test_publish_wrong_arn_format': publishWrongArnFormat,
  'TestSNSTopicCrud::test_create_topic_with_attributes': createTopicWithAttributes,
  'TestSNSTopicCrudV2::test_topic_get_attributes_with_fifo_false': topicAttributesWithFifoFalse,
  'TestSNSTopicCrudV2::test_create_topic_different_attrs': createTopicDifferentAttributes,
  'TestSNSSubscriptionSQS::test_subscribe_sqs_queue': subscribeSqsQueue,
  'TestSNSSubscriptionSQS::test_attribute_raw_subscribe': attributeRawSubscribe,
  'TestSNSSubscriptionSQS::test_publish_unicode_chars': publishUnicodeChars,
  'TestSNSSubscriptionSQS::test_redrive_policy_sqs_queue_subscription[True]': redrivePolicySqsSubscription(true),
  'TestSNSSubscriptionSQS::test_redrive_policy_sqs_queue_subscription[False]': redrivePolicySqsSubscription(false),
  'TestSNSSubscriptionSQSFifo::test_message_to_fifo_sqs[True]': fifoTopicToQueue(true, true),
  'TestSNSSubscriptionSQSFifo::test_message_to_fifo_sqs[False]': fifoTopicToQueue(false, true),
  'TestSNSSubscriptionSQSFifo::test_fifo_topic_to_regular_sqs[True]': fifoTopicToQueue(true, false),
  'TestSNSSubscriptionSQSFifo::test_fifo_topic_to_regular_sqs[False]': fifoTopicToQueue(false, false),
};

export type { Answers, Replay };
export { createQueue, createTopic, drain, number, setSubscription, subscribeQueue, uid };
