import {
  GetTopicAttributesCommand,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { answerOf } from './recorded-compare.js';
import {
  type Answers,
  createQueue,
  createTopic,
  drain,
  number,
  type Replay,
  setSubscription,
  subscribeQueue,
  uid,
} from './recorded-replays.js';

/** SNS's default MaximumMessageSize, the size the recorded tests publish around. */
const MAX_SIZE = 262_144;

const batch = (sns: SNSClient, TopicArn: string, PublishBatchRequestEntries: PublishBatchRequestEntry[]) =>
  answerOf(sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries })));

const validationsForFifo: Replay = async (clients) => {
  const { sns } = clients;
  const topicArn = await createTopic(clients);
  const fifoTopicArn = await createTopic(clients, `topic-${uid()}.fifo`, { FifoTopic: 'true' });
  const fifoQueue = await createQueue(clients, `queue-${uid()}.fifo`, { FifoQueue: 'true' });
  const queue = await createQueue(clients);
  const standardDlq = await createQueue(clients, `queue-dlq-${uid()}`);
  const answers: Answers = {};
  answers['not-fifo-topic'] = await answerOf(subscribeQueue(clients, topicArn, fifoQueue.arn).then(() => ({ $metadata: {} })));
  const notFifo = await subscribeQueue(clients, fifoTopicArn, queue.arn);
  answers['not-fifo-queue'] = notFifo;
  await setSubscription(
    clients,
    notFifo.SubscriptionArn as string,
    'RedrivePolicy',
    JSON.stringify({ deadLetterTargetArn: standardDlq.arn }),
  );
  const fifo = await subscribeQueue(clients, fifoTopicArn, fifoQueue.arn);
  answers['regular-queue-for-dlq-of-fifo-topic'] = await answerOf(
    setSubscription(clients, fifo.SubscriptionArn as string, 'RedrivePolicy', JSON.stringify({ deadLetterTargetArn: queue.arn })),
  );
  answers['no-msg-group-id'] = await answerOf(sns.send(new PublishCommand({ TopicArn: fifoTopicArn, Message: 'test' })));
  answers['no-dedup-policy'] = await answerOf(
    sns.send(new PublishCommand({ TopicArn: fifoTopicArn, Message: 'test', MessageGroupId: uid() })),
  );
  answers['no-msg-dedup-regular-topic'] = await answerOf(
    sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'test', MessageDeduplicationId: uid() })),
  );
  return answers;
};

const publishBatchExceptions: Replay = async (clients) => {
  const { sns } = clients;
  const topicArn = await createTopic(clients, `topic-${uid()}.fifo`, { FifoTopic: 'true' });
  return {
    'no-group-id': await batch(sns, topicArn, [{ Id: '1', Message: 'Test message without Group ID' }]),
    'too-many-msg': await batch(
      sns,
      topicArn,
      Array.from({ length: 11 }, (_, i) => ({ Id: `Id_${i}`, Message: 'Too many messages' })),
    ),
    'same-msg-id': await batch(sns, topicArn, [
      { Id: '1', Message: 'Messages with the same ID' },
      { Id: '1', Message: 'Messages with the same ID' },
    ]),
    'no-dedup-id': await batch(sns, topicArn, [
      { Id: '1', Message: 'Test message without MessageDeduplicationId', MessageGroupId: 'msg1' },
    ]),
    'no-default-key-json': await batch(sns, topicArn, [
      { Id: '1', Message: JSON.stringify({ sqs: 'test sqs' }), MessageStructure: 'json' },
    ]),
  };
};

const publishBatchInvalidEntryId: Replay = async (clients) => {
  const { sns } = clients;
  const topicArn = await createTopic(clients);
  const one = (Id: string) => batch(sns, topicArn, [{ Id, Message: 'test message' }]);
  return {
    'invalid-char-dot': await one('message.id'),
    'invalid-char-special': await one('msg@123#test'),
    'id-too-long-81': await one('a'.repeat(81)),
    'id-too-long-91': await one('myreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallylongid'),
    'valid-id-80-chars': await one('a'.repeat(80)),
    'valid-id-with-hyphen-underscore': await one('valid-message_123'),
  };
};

const publishFifoMessagesToDlq =
  (raw: boolean): Replay =>
  async (clients) => {
    const { sns, sqs } = clients;
    const topicArn = await createTopic(clients, `topic-${uid()}.fifo`, { FifoTopic: 'true' });
    const answers: Answers = { 'topic-attrs': await answerOf(sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))) };
    const queue = await createQueue(clients, `queue-${uid()}.fifo`, { FifoQueue: 'true' });
    const { SubscriptionArn } = await subscribeQueue(clients, topicArn, queue.arn);
    if (raw) await setSubscription(clients, SubscriptionArn as string, 'RawMessageDelivery', 'true');
    const dlq = await createQueue(clients, `dlq-${uid()}.fifo`, { FifoQueue: 'true' });
    await setSubscription(clients, SubscriptionArn as string, 'RedrivePolicy', JSON.stringify({ deadLetterTargetArn: dlq.arn }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
    const group = { MessageGroupId: 'complexMessageGroupId', Subject: 'Subject' };
    answers['publish-batch-response-fifo'] = await batch(sns, topicArn, [
      {
        Id: '1',
        ...group,
        Message: 'Test Message with two attributes',
        MessageAttributes: { attr1: number('99.12'), attr2: number('109.12') },
        MessageDeduplicationId: 'MessageDeduplicationId-1',
      },
      {
        Id: '2',
        ...group,
        Message: 'Test Message with one attribute',
        MessageAttributes: { attr1: number('19.12') },
        MessageDeduplicationId: 'MessageDeduplicationId-2',
      },
      { Id: '3', ...group, Message: 'Test Message without attribute', MessageDeduplicationId: 'MessageDeduplicationId-3' },
    ]);
    answers['batch-messages-in-dlq'] = await drain(clients, dlq.url, 3);
    answers['publish-response-fifo'] = await answerOf(
      sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: 'test-message',
          MessageGroupId: 'message-group-id-1',
          MessageDeduplicationId: 'message-deduplication-id-1',
        }),
      ),
    );
    answers['messages-in-dlq'] = await drain(clients, dlq.url, 1);
    return answers;
  };

/** The attribute the tests add, and the bytes SNS counts for it (name, type and value). */
const ATTRIBUTES = { attr1: number('1') };
const ATTRIBUTE_BYTES = 'attr1'.length + 'Number'.length + '1'.length;

const publishTooLongMessage: Replay = async (clients) => {
  const { sns } = clients;
  const topicArn = await createTopic(clients);
  const withAttributes = 'a'.repeat(MAX_SIZE - ATTRIBUTE_BYTES + 1);
  const answers: Answers = {
    error: await answerOf(sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'This is a test message'.repeat(12000) }))),
    'error-with-attrs': await answerOf(
      sns.send(new PublishCommand({ TopicArn: topicArn, Message: withAttributes, MessageAttributes: ATTRIBUTES })),
    ),
  };
  const fits = await answerOf(
    sns.send(new PublishCommand({ TopicArn: topicArn, Message: withAttributes.slice(0, -1), MessageAttributes: ATTRIBUTES })),
  );
  if (!fits.MessageId) throw new Error(`a message of exactly ${MAX_SIZE} bytes was refused: ${JSON.stringify(fits)}`);
  return answers;
};

const publishBatchTooLongMessage: Replay = async (clients) => {
  const { sns } = clients;
  const topicArn = await createTopic(clients);
  const withAttributes = 'a'.repeat(MAX_SIZE - ATTRIBUTE_BYTES);
  const answers: Answers = {
    'error-no-attrs': await batch(sns, topicArn, [
      { Id: '1', Message: 'a'.repeat(MAX_SIZE / 2) },
      { Id: '2', Message: 'b'.repeat(1 + MAX_SIZE / 2) },
    ]),
    'error-with-attrs': await batch(sns, topicArn, [
      { Id: '1', Message: withAttributes, MessageAttributes: ATTRIBUTES },
      { Id: '2', Message: 'b' },
    ]),
  };
  const fits = await batch(sns, topicArn, [
    { Id: '1', Message: withAttributes.slice(0, -1), MessageAttributes: ATTRIBUTES },
    { Id: '2', Message: 'b' },
  ]);
  if ((fits.Successful as unknown[] | undefined)?.length !== 2)
    throw new Error(`a batch of ${MAX_SIZE} bytes was refused: ${JSON.stringify(fits)}`);
  return answers;
};

export const BATCH_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSSubscriptionSQSFifo::test_validations_for_fifo': validationsForFifo,
  'TestSNSSubscriptionSQS::test_publish_batch_exceptions': publishBatchExceptions,
  'TestSNSPublishCrud::test_publish_batch_invalid_entry_id': publishBatchInvalidEntryId,
  'TestSNSSubscriptionSQSFifo::test_publish_fifo_messages_to_dlq[True]': publishFifoMessagesToDlq(true),
  'TestSNSSubscriptionSQSFifo::test_publish_fifo_messages_to_dlq[False]': publishFifoMessagesToDlq(false),
  'TestSNSPublishCrud::test_publish_too_long_message': publishTooLongMessage,
  'TestSNSPublishCrud::test_publish_batch_too_long_message': publishBatchTooLongMessage,
};
