import { CreateTopicCommand, PublishCommand, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { answerOf } from './recorded-compare.js';
import { type Answers, createQueue, createTopic, number, type Replay, subscribeQueue } from './recorded-replays.js';

/** Names and ARNs SNS refuses, and a standard topic's MessageGroupId. */
const unsubscribeWrongArnFormat: Replay = async ({ sns }) => {
  const unsubscribe = (SubscriptionArn?: string) => answerOf(sns.send(new UnsubscribeCommand({ SubscriptionArn })));
  return {
    'invalid-unsubscribe-arn-1': await unsubscribe('randomstring'),
    'invalid-unsubscribe-arn-2': await unsubscribe('arn:aws:sns:us-east-1:random'),
    'invalid-unsubscribe-arn-3': await unsubscribe('arn:aws:sns:us-east-1:111111111111:random'),
    'invalid-unsubscribe-arn-4': await unsubscribe(),
  };
};

const subscribeWithInvalidTopic: Replay = async (clients) => {
  const subscribe = (TopicArn: string) =>
    answerOf(clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'localstack@yopmail.com' })));
  const answers: Answers = {
    'invalid-subscribe-arn-1': await subscribe('randomstring'),
    'invalid-subscribe-arn-2': await subscribe('arn:aws:sns:us-east-1:random'),
  };
  answers['non-existent-topic'] = await subscribe(`${await createTopic(clients)}aaa`);
  return answers;
};

const publishMessageGroupId: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  await subscribeQueue(clients, topicArn, queue.arn);
  await clients.sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: 'test signature value with attributes',
      MessageGroupId: 'my-group-id-1',
      MessageAttributes: { attr1: number('1') },
    }),
  );
  const received = clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      WaitTimeSeconds: 10,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return { messages: await answerOf(received) };
};

const createTopicNameConstraints: Replay = async ({ sns }) => {
  const create = (Name: string, Attributes?: Record<string, string>) => answerOf(sns.send(new CreateTopicCommand({ Name, Attributes })));
  const answers: Answers = {
    'valid-name-max-length': await create('a'.repeat(256)),
    'name-too-short': await create(''),
    'name-too-long': await create('a'.repeat(257)),
    'name-contains-fifo': await create('test.fifo'),
    'fifo-name-not-contains-fifo': await create('test', { FifoTopic: 'true' }),
  };
  for (const [index, c] of [':', ';', '!', '@', '|', '^', '%', ' '].entries())
    answers[`name-invalid-char-${index}`] = await create(`bad${c}name`);
  return answers;
};

export const NAME_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSSubscriptionCrud::test_unsubscribe_wrong_arn_format': unsubscribeWrongArnFormat,
  'TestSNSSubscriptionCrud::test_subscribe_with_invalid_topic': subscribeWithInvalidTopic,
  'TestSNSSubscriptionSQS::test_publish_message_group_id': publishMessageGroupId,
  'TestSNSTopicCrudV2::test_create_topic_name_constraints': createTopicNameConstraints,
};
