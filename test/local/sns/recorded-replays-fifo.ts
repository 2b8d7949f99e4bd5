import { GetTopicAttributesCommand, PublishBatchCommand, type PublishBatchRequestEntry, PublishCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { answerOf } from './recorded-compare.js';
import {
  type Answers,
  type Clients,
  createQueue,
  createTopic,
  drain,
  number,
  type Replay,
  setSubscription,
  subscribeQueue,
  uid,
} from './recorded-replays.js';
import { deleteFirst, subscriptionAttributes } from './recorded-replays-filter.js';

/** TestSNSSubscriptionSQSFifo: FIFO topics to FIFO queues, deduplication (topic and content based) and order. */

async function fifoTopicAndQueue(clients: Clients, topicAttributes: Record<string, string>, queueAttributes: Record<string, string>) {
  const topicArn = await createTopic(clients, `topic-${uid()}.fifo`, { FifoTopic: 'true', ...topicAttributes });
  const queue = await createQueue(clients, `queue-${uid()}.fifo`, { FifoQueue: 'true', ...queueAttributes });
  return { topicArn, queue };
}

const receiveAll = (
  { sqs }: Clients,
  QueueUrl: string,
  input: { WaitTimeSeconds: number; VisibilityTimeout: number; MaxNumberOfMessages?: number },
) =>
  answerOf(
    sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], ...input })),
  );

const batchFromFifoTopicToFifoQueue =
  (contentBased: boolean): Replay =>
  async (clients) => {
    const dedup: Record<string, string> = contentBased ? { ContentBasedDeduplication: 'true' } : {};
    const { topicArn, queue } = await fifoTopicAndQueue(clients, dedup, dedup);
    const answers: Answers = { 'topic-attrs': await answerOf(clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))) };
    const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
    await setSubscription(clients, SubscriptionArn as string, 'RawMessageDelivery', 'true');
    answers['sub-attrs-raw-true'] = await subscriptionAttributes(clients, SubscriptionArn as string);
    const group = { MessageGroupId: 'complexMessageGroupId', Subject: 'Subject' };
    const given: PublishBatchRequestEntry[] = [
      {
        Id: '1',
        ...group,
        Message: 'Test Message with two attributes',
        MessageAttributes: { attr1: number('99.12'), attr2: number('109.12') },
      },
      { Id: '2', ...group, Message: 'Test Message with one attribute', MessageAttributes: { attr1: number('19.12') } },
      { Id: '3', ...group, Message: 'Test Message without attribute' },
    ];
    const entries = given.map((entry, index) =>
      contentBased ? entry : { ...entry, MessageDeduplicationId: `MessageDeduplicationId-${index}` },
    );
    const publish = () => answerOf(clients.sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries })));
    answers['publish-batch-response-fifo'] = await publish();
    answers.messages = await drain(clients, queue.url, 3);
    answers['republish-batch-response-fifo'] = await publish();
    answers['duplicate-messages'] = await receiveAll(clients, queue.url, {
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 3,
      VisibilityTimeout: 0,
    });
    return answers;
  };

const toSqsQueueNoContentDedup =
  (raw: boolean): Replay =>
  async (clients) => {
    const { topicArn, queue } = await fifoTopicAndQueue(clients, { ContentBasedDeduplication: 'true' }, {});
    const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
    if (raw) await setSubscription(clients, SubscriptionArn as string, 'RawMessageDelivery', 'true');
    // The topic deduplicates by content: the queue (without content-based deduplication) gets one of each.
    for (let i = 0; i < 2; i++) {
      await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'Test single', MessageGroupId: 'message-group-id-1' }));
      await clients.sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: [{ Id: '1', MessageGroupId: 'message-group-id-1', Message: 'Test batched' }],
        }),
      );
    }
    const { Messages } = await drain(clients, queue.url, 2);
    const dedupId = (m: Message) => m.Attributes?.MessageDeduplicationId ?? '';
    return { messages: { Messages: Messages.sort((a, b) => (dedupId(a) < dedupId(b) ? -1 : 1)) } };
  };

const deduplicationOnTopicLevel: Replay = async (clients) => {
  const { topicArn, queue } = await fifoTopicAndQueue(clients, { ContentBasedDeduplication: 'true' }, {});
  await subscribeQueue(clients, topicArn, queue.arn);
  // The same content in another group is a duplicate too: SNS deduplicates per topic.
  for (const MessageGroupId of ['message-group-id-1', 'message-group-id-2'])
    await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'Test', MessageGroupId }));
  const receive = (WaitTimeSeconds: number) =>
    answerOf(
      clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 10, WaitTimeSeconds, MessageSystemAttributeNames: ['All'] }),
      ),
    );
  const answers: Answers = { messages: await receive(10) };
  await deleteFirst(clients, queue.url, answers.messages);
  answers['dedup-messages'] = await receive(1);
  return answers;
};

/** No recorded answer: the test checks that five FIFO queues get the topic's ten messages in one order. */
const messageToFifoSqsOrdering: Replay = async (clients) => {
  const topicArn = await createTopic(clients, `topic-${uid()}.fifo`, { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
  const queues = [];
  for (let i = 0; i < 5; i++) {
    const queue = await createQueue(clients, `queue-${uid()}.fifo`, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    await subscribeQueue(clients, topicArn, queue.arn, { RawMessageDelivery: 'true' });
    queues.push(queue);
  }
  for (let i = 0; i < 10; i++)
    await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: String(i), MessageGroupId: 'message-group-id-1' }));
  const orders: string[] = [];
  for (const queue of queues) {
    const bodies: string[] = [];
    const deadline = Date.now() + 10_000;
    while (bodies.length < 10 && Date.now() < deadline) {
      const answer = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of answer.Messages ?? []) {
        bodies.push(message.Body as string);
        await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
      }
    }
    orders.push(bodies.join());
  }
  if (orders.some((order) => order !== orders[0]) || orders[0]?.split(',').length !== 10)
    throw new Error(`the queues got different orders: ${orders.join(' | ')}`);
  return {};
};

export const FIFO_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSSubscriptionSQSFifo::test_publish_batch_messages_from_fifo_topic_to_fifo_queue[True]': batchFromFifoTopicToFifoQueue(true),
  'TestSNSSubscriptionSQSFifo::test_publish_batch_messages_from_fifo_topic_to_fifo_queue[False]': batchFromFifoTopicToFifoQueue(false),
  'TestSNSSubscriptionSQSFifo::test_publish_to_fifo_topic_to_sqs_queue_no_content_dedup[True]': toSqsQueueNoContentDedup(true),
  'TestSNSSubscriptionSQSFifo::test_publish_to_fifo_topic_to_sqs_queue_no_content_dedup[False]': toSqsQueueNoContentDedup(false),
  'TestSNSSubscriptionSQSFifo::test_publish_to_fifo_topic_deduplication_on_topic_level': deduplicationOnTopicLevel,
  'TestSNSSubscriptionSQSFifo::test_message_to_fifo_sqs_ordering': messageToFifoSqsOrdering,
};
