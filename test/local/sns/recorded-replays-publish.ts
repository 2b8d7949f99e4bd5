import { GetSubscriptionAttributesCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../sha256.js';
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
  uid,
} from './recorded-replays.js';
import { deleteFirst } from './recorded-replays-filter.js';

/** Publish's own checks (subject, topic, target, JSON structure) and a JSON structure's text for SQS. */
const publishWithEmptySubject: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const publish = (Subject?: string) =>
    answerOf(clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify({ message: 'test_publish' }), Subject })));
  return { 'response-without-subject': await publish(), 'response-with-empty-subject': await publish('') };
};

const unknownTopicPublish: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const publish = (TopicArn: string) => answerOf(clients.sns.send(new PublishCommand({ TopicArn, Message: 'This is a test message' })));
  return { success: await publish(topicArn), error: await publish(`${topicArn}-fake`) };
};

const publishNonExistentTarget: Replay = async ({ sns }) => ({
  'non-existent-endpoint': await answerOf(
    sns.send(
      new PublishCommand({
        TargetArn: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/abcdef/0f7d5971-aa8b-4bd5-b585-0826e9f93a66',
        Message: 'This is a push notification',
      }),
    ),
  ),
});

const messageStructureJsonExc: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const publish = (Message: string) =>
    answerOf(clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message, MessageStructure: 'json' })));
  return {
    'missing-default-key': await publish(JSON.stringify({ sqs: 'Test message' })),
    'invalid-json': await publish('{"default": "This is a default message"} }'),
    'duplicate-json-keys': await publish('{"default": "This is a default message", "default": "Duplicate"}'),
    'key-is-not-string': await publish(JSON.stringify({ default: { object: 'test' } })),
  };
};

const messageStructureJsonToSqs: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  await subscribeQueue(clients, topicArn, queue.arn);
  const answers: Answers = {};
  const publishAndReceive = async (key: string, structure: Record<string, unknown>) => {
    await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(structure), MessageStructure: 'json' }));
    const received = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 10, MaxNumberOfMessages: 1 }),
    );
    answers[key] = await answerOf(Promise.resolve(received));
    const handle = received.Messages?.[0]?.ReceiptHandle;
    if (handle) await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: handle }));
  };
  // Python's json.dumps writes `{"field": "value"}`, with a space: the text the queue gets.
  await publishAndReceive('get-msg-json-sqs', { default: 'default field', sqs: '{"field": "value"}' });
  // A protocol key whose value is not text is ignored: the queue gets `default`.
  await publishAndReceive('get-msg-json-default', { default: 'default field', sqs: { field: 'value' } });
  return answers;
};

/**
 * The recorded test creates a function, subscribes it and deletes it before publishing; here
 * the subscribed function never existed, which the delivery meets alike (the function is gone).
 */
const redrivePolicyLambdaSubscription: Replay = async (clients) => {
  const dlq = await createQueue(clients);
  const topicArn = await createTopic(clients);
  const { SubscriptionArn } = await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'lambda',
      Endpoint: `arn:aws:lambda:us-east-1:000000000000:function:test-${uid()}`,
    }),
  );
  await setSubscription(clients, SubscriptionArn as string, 'RedrivePolicy', JSON.stringify({ deadLetterTargetArn: dlq.arn }));
  const answers: Answers = {
    'subscription-attributes': await answerOf(clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))),
  };
  await clients.sns.send(
    new PublishCommand({ TopicArn: topicArn, Message: 'test_redrive_policy', MessageAttributes: { attr1: number('1') } }),
  );
  answers.messages = await answerOf(
    clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 10, MessageAttributeNames: ['All'] })),
  );
  return answers;
};

/** A topic with a queue subscribed, and ReceiveMessage as the publish tests call it (messages stay visible). */
async function topicWithQueue(clients: Clients) {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  await subscribeQueue(clients, topicArn, queue.arn);
  const receive = (WaitTimeSeconds: number) =>
    answerOf(
      clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MessageAttributeNames: ['All'], VisibilityTimeout: 0, WaitTimeSeconds }),
      ),
    );
  return { topicArn, queue, receive };
}

const publishMessageByTargetArn: Replay = async (clients) => {
  const { topicArn, queue, receive } = await topicWithQueue(clients);
  await clients.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'test-msg-1' }));
  const answers: Answers = { 'receive-topic-arn': await receive(4) };
  await deleteFirst(clients, queue.url, answers['receive-topic-arn']);
  await clients.sns.send(new PublishCommand({ TargetArn: topicArn, Message: 'test-msg-2' }));
  answers['receive-target-arn'] = await receive(4);
  return answers;
};

/** Nothing was subscribed when the first message was published: it is lost. */
const publishMessageBeforeSubscribe: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const queue = await createQueue(clients);
  const publish = (Subject: string, Message: string) =>
    answerOf(clients.sns.send(new PublishCommand({ TopicArn: topicArn, Subject, Message })));
  const answers: Answers = { 'publish-before-subscribing': await publish('test-subject-before-sub', 'test_message_before') };
  await subscribeQueue(clients, topicArn, queue.arn);
  answers['publish-after-subscribing'] = await publish('test-subject-after-sub', 'test_message_after');
  answers['receive-messages'] = await answerOf(
    clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 0, WaitTimeSeconds: 5 })),
  );
  return answers;
};

const emptySnsMessage: Replay = async (clients) => {
  const { topicArn, queue } = await topicWithQueue(clients);
  const answers: Answers = {
    'empty-msg-error': await answerOf(clients.sns.send(new PublishCommand({ Message: '', TopicArn: topicArn }))),
  };
  answers['queue-attrs'] = await answerOf(
    clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages'] })),
  );
  return answers;
};

/** Publish as a signed POST whose parameters are in the URL's query string, answered in XML. */
const publishByPathParameters: Replay = async (clients) => {
  const { topicArn, receive } = await topicWithQueue(clients);
  const endpoint = await clients.sns.config.endpoint?.();
  if (!endpoint) throw new Error('the client has no endpoint');
  const query = { Action: 'Publish', Version: '2010-03-31', TopicArn: topicArn, Message: 'test message direct post request' };
  const host = `${endpoint.hostname}:${endpoint.port}`;
  const signer = new SignatureV4({
    service: 'sns',
    region: 'us-east-1',
    credentials: await clients.sns.config.credentials(),
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: endpoint.hostname,
    port: endpoint.port,
    path: '/',
    query,
    headers: { host },
  });
  const response = await fetch(`http://${host}/?${new URLSearchParams(query)}`, { method: 'POST', headers: signed.headers });
  const xml = await response.text();
  // The test reads the XML with xmltodict; the recording keeps the MessageId (the request id was left out by its transformer).
  const messageId = /<PublishResult>\s*<MessageId>([^<]+)<\/MessageId>/.exec(xml)?.[1];
  return {
    'post-request': { PublishResponse: { PublishResult: { MessageId: messageId }, ResponseMetadata: { HTTPStatusCode: response.status } } },
    messages: await receive(5),
  };
};

export const PUBLISH_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSPublishCrud::test_publish_with_empty_subject': publishWithEmptySubject,
  'TestSNSPublishCrud::test_unknown_topic_publish': unknownTopicPublish,
  'TestSNSPublishCrud::test_publish_non_existent_target': publishNonExistentTarget,
  'TestSNSPublishCrud::test_message_structure_json_exc': messageStructureJsonExc,
  'TestSNSSubscriptionSQS::test_message_structure_json_to_sqs': messageStructureJsonToSqs,
  'TestSNSSubscriptionLambda::test_redrive_policy_lambda_subscription': redrivePolicyLambdaSubscription,
  'TestSNSPublishCrud::test_publish_message_by_target_arn': publishMessageByTargetArn,
  'TestSNSPublishCrud::test_publish_message_before_subscribe_topic': publishMessageBeforeSubscribe,
  'TestSNSPublishCrud::test_empty_sns_message': emptySnsMessage,
  'TestSNSPublishCrud::test_publish_by_path_parameters': publishByPathParameters,
};
