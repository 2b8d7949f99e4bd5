import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../local/sns/dispatch.js';
import { createSns, functionArn, queueArn, type TestSns, topicArn } from './helpers.js';

let t: TestSns;

afterEach(() => t?.close());

async function topicWithQueues(queues: string[], name = 'orders', attributes: Record<string, string> = {}) {
  const { TopicArn } = await t.sns.CreateTopic({ Name: name, Attributes: attributes });
  for (const queue of queues) t.sqs.queues.add(queue);
  return TopicArn;
}

async function subscribeQueue(TopicArn: string, queue: string, Attributes?: Record<string, string>) {
  const { SubscriptionArn } = await t.sns.Subscribe({ TopicArn, Protocol: 'sqs', Endpoint: queueArn(queue), Attributes });
  return SubscriptionArn;
}

describe('SnsService topics', () => {
  it('creates a topic once per name and reports its attributes', async () => {
    t = createSns();
    const first = await t.sns.CreateTopic({ Name: 'orders', Attributes: { DisplayName: 'Orders' } });
    const again = await t.sns.CreateTopic({ Name: 'orders' });
    expect(first.TopicArn).toBe(topicArn('orders'));
    expect(again.TopicArn).toBe(first.TopicArn);
    const { Attributes } = await t.sns.GetTopicAttributes({ TopicArn: first.TopicArn });
    expect(Attributes).toMatchObject({
      TopicArn: topicArn('orders'),
      Owner: '000000000000',
      DisplayName: 'Orders',
      SubscriptionsConfirmed: '0',
    });
    expect(Attributes).not.toHaveProperty('FifoTopic');
    expect((await t.sns.ListTopics({})).Topics).toEqual([{ TopicArn: topicArn('orders') }]);
  });

  it('fails if the same name asks for different attributes', async () => {
    t = createSns();
    await t.sns.CreateTopic({ Name: 'orders', Attributes: { DisplayName: 'A' } });
    await expect(t.sns.CreateTopic({ Name: 'orders', Attributes: { DisplayName: 'B' } })).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
    });
  });

  it('fails if a name is invalid or a FIFO topic is not named .fifo', async () => {
    t = createSns();
    await expect(t.sns.CreateTopic({ Name: 'bad name' })).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'Invalid parameter: Topic Name',
    });
    await expect(t.sns.CreateTopic({ Name: 'orders', Attributes: { FifoTopic: 'true' } })).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'Invalid parameter: Topic Name',
    });
    await expect(t.sns.CreateTopic({ Name: 'orders', Attributes: { ContentBasedDeduplication: 'true' } })).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
  });

  it('sets topic attributes, but never FifoTopic', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([]);
    await t.sns.SetTopicAttributes({ TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Renamed' });
    expect((await t.sns.GetTopicAttributes({ TopicArn })).Attributes.DisplayName).toBe('Renamed');
    await expect(t.sns.SetTopicAttributes({ TopicArn, AttributeName: 'FifoTopic', AttributeValue: 'true' })).rejects.toMatchObject({
      message: 'Invalid parameter: AttributeName',
    });
  });

  it('fails with NotFound for a topic that does not exist, and InvalidParameter for a malformed ARN', async () => {
    t = createSns();
    await expect(t.sns.GetTopicAttributes({ TopicArn: topicArn('nope') })).rejects.toMatchObject({
      code: 'NotFound',
      status: 404,
      message: 'Topic does not exist',
    });
    await expect(t.sns.GetTopicAttributes({ TopicArn: 'nope' })).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1',
    });
    await expect(t.sns.GetTopicAttributes({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:bad name' })).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'Invalid parameter: TopicArn',
    });
  });

  it('deletes a topic with its subscriptions; deleting it again is not an error', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['a']);
    const sub = await subscribeQueue(TopicArn, 'a');
    await t.sns.DeleteTopic({ TopicArn });
    await t.sns.DeleteTopic({ TopicArn });
    await expect(t.sns.GetSubscriptionAttributes({ SubscriptionArn: sub })).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('SnsService subscriptions', () => {
  it('subscribes once per endpoint and reports the subscription', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['a']);
    const sub = await subscribeQueue(TopicArn, 'a', { RawMessageDelivery: 'True' });
    expect(await subscribeQueue(TopicArn, 'a')).toBe(sub);
    const { Attributes } = await t.sns.GetSubscriptionAttributes({ SubscriptionArn: sub });
    expect(Attributes).toMatchObject({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: queueArn('a'),
      RawMessageDelivery: 'true',
      PendingConfirmation: 'false',
    });
    expect(Attributes).not.toHaveProperty('FilterPolicyScope');
    expect((await t.sns.ListSubscriptionsByTopic({ TopicArn })).Subscriptions).toEqual([
      { SubscriptionArn: sub, Owner: '000000000000', Protocol: 'sqs', Endpoint: queueArn('a'), TopicArn },
    ]);
  });

  it('fails if the protocol, the endpoint or the attributes are invalid', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([]);
    await expect(t.sns.Subscribe({ TopicArn, Protocol: 'carrier-pigeon', Endpoint: 'x' })).rejects.toMatchObject({
      message: 'Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon',
    });
    await expect(t.sns.Subscribe({ TopicArn, Protocol: 'sqs', Endpoint: 'queue' })).rejects.toMatchObject({
      message: 'Invalid parameter: SQS endpoint ARN',
    });
    await expect(t.sns.Subscribe({ TopicArn, Protocol: 'sqs', Endpoint: queueArn('q.fifo') })).rejects.toMatchObject({
      message: expect.stringContaining('FIFO SQS Queues can not be subscribed to standard SNS topics'),
    });
    await expect(
      t.sns.Subscribe({ TopicArn, Protocol: 'lambda', Endpoint: functionArn('f'), Attributes: { RawMessageDelivery: 'true' } }),
    ).rejects.toMatchObject({ code: 'InvalidParameter' });
    await expect(
      t.sns.Subscribe({ TopicArn, Protocol: 'sqs', Endpoint: queueArn('a'), Attributes: { FilterPolicy: '{"a": {"b": ["c"]}}' } }),
    ).rejects.toMatchObject({
      message: 'Invalid parameter: Attributes Reason: Filter policy scope MessageAttributes does not support nested filter policy',
    });
  });

  it('leaves email and HTTP subscriptions pending confirmation', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([]);
    expect((await t.sns.Subscribe({ TopicArn, Protocol: 'email', Endpoint: 'a@example.com' })).SubscriptionArn).toBe(
      'pending confirmation',
    );
    expect((await t.sns.GetTopicAttributes({ TopicArn })).Attributes.SubscriptionsPending).toBe('1');
  });

  it('changes a filter policy, words its errors as SetSubscriptionAttributes does, and unsubscribes', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['a']);
    const sub = await subscribeQueue(TopicArn, 'a');
    await expect(
      t.sns.SetSubscriptionAttributes({
        SubscriptionArn: sub,
        AttributeName: 'FilterPolicy',
        AttributeValue: '{"a":[{"numeric":[">",5,">",6]}]}',
      }),
    ).rejects.toMatchObject({ message: 'Invalid parameter: FilterPolicy: Bad numeric range operator: >' });
    await t.sns.SetSubscriptionAttributes({ SubscriptionArn: sub, AttributeName: 'FilterPolicyScope', AttributeValue: 'MessageBody' });
    await t.sns.SetSubscriptionAttributes({ SubscriptionArn: sub, AttributeName: 'FilterPolicy', AttributeValue: '{"kind":["x"]}' });
    expect((await t.sns.GetSubscriptionAttributes({ SubscriptionArn: sub })).Attributes).toMatchObject({
      FilterPolicy: '{"kind":["x"]}',
      FilterPolicyScope: 'MessageBody',
    });
    await t.sns.Publish({ TopicArn, Message: '{"kind":"y"}' });
    await t.sns.Publish({ TopicArn, Message: '{"kind":"x"}' });
    await t.sns.idle();
    expect(t.sqs.bodies('a').map((b) => b.Message)).toEqual(['{"kind":"x"}']);
    await t.sns.Unsubscribe({ SubscriptionArn: sub });
    // A second Unsubscribe succeeds as well (recorded on AWS); the subscription stays gone.
    await expect(t.sns.Unsubscribe({ SubscriptionArn: sub })).resolves.toEqual({});
    await expect(t.sns.GetSubscriptionAttributes({ SubscriptionArn: sub })).rejects.toMatchObject({
      code: 'NotFound',
      message: 'Subscription does not exist',
    });
  });
});

describe('SnsService.Publish', () => {
  it('fails if the message is invalid, as SNS words it', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([]);
    await expect(t.sns.Publish({ Message: 'x' })).rejects.toMatchObject({
      message: 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
    });
    await expect(t.sns.Publish({ TopicArn, Message: '' })).rejects.toMatchObject({ message: 'Invalid parameter: Empty message' });
    await expect(t.sns.Publish({ TopicArn, Message: 'x', Subject: 'a\nb' })).rejects.toMatchObject({
      message: 'Invalid parameter: Subject',
    });
    await expect(t.sns.Publish({ TopicArn, Message: 'x', Subject: 's'.repeat(100) })).rejects.toMatchObject({
      message: 'Invalid parameter: Subject',
    });
    await expect(t.sns.Publish({ TopicArn, Message: 'x', MessageDeduplicationId: 'd' })).rejects.toMatchObject({
      message: expect.stringContaining('MessageDeduplicationId parameter that is not valid for this topic type'),
    });
    await expect(
      t.sns.Publish({ TopicArn, Message: 'x', MessageAttributes: { a: { DataType: 'Blob', StringValue: 'v' } } }),
    ).rejects.toMatchObject({
      code: 'ParameterValueInvalid',
      message:
        "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
    });
    await expect(
      t.sns.Publish({ TopicArn, Message: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } }),
    ).rejects.toMatchObject({
      code: 'ParameterValueInvalid',
    });
    await expect(
      t.sns.Publish({ TopicArn, Message: 'x', MessageAttributes: { 'a..b': { DataType: 'String', StringValue: 'v' } } }),
    ).rejects.toMatchObject({ message: "Message attribute name can not have successive '.' character." });
  });

  it('acknowledges an SMS to a valid phone number without sending it, and says so', async () => {
    t = createSns();
    const { MessageId } = await t.sns.Publish({ PhoneNumber: '+15555550100', Message: 'code 1234' });
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.logs.join('\n')).toContain('to +15555550100 is not sent locally');
    await expect(t.sns.Publish({ PhoneNumber: '555-0100', Message: 'x' })).rejects.toMatchObject({
      message: 'Invalid parameter: PhoneNumber Reason: 555-0100 is not valid to publish to',
    });
  });

  it('accepts 256 KiB counting the attributes, and fails one byte over', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([]);
    const attributes = { ab: { DataType: 'String', StringValue: 'xyz' } }; // 2 + 6 + 3 bytes
    await t.sns.Publish({ TopicArn, Message: 'm'.repeat(262_144 - 11), MessageAttributes: attributes });
    await expect(t.sns.Publish({ TopicArn, Message: 'm'.repeat(262_144 - 10), MessageAttributes: attributes })).rejects.toMatchObject({
      message: 'Invalid parameter: Message too long',
    });
  });

  it('delivers the JSON envelope to SQS, with attributes as {Type, Value}', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['a']);
    const sub = await subscribeQueue(TopicArn, 'a');
    const { MessageId } = await t.sns.Publish({
      TopicArn,
      Message: 'hello',
      Subject: 'greeting',
      MessageAttributes: {
        color: { DataType: 'String', StringValue: 'red' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) },
      },
    });
    await t.sns.idle();
    const [body] = t.sqs.bodies('a');
    expect(Object.keys(body ?? {})).toEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Subject',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
      'MessageAttributes',
    ]);
    expect(body).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn,
      Subject: 'greeting',
      Message: 'hello',
      Timestamp: '2026-01-01T00:00:00.000Z',
      SignatureVersion: '1',
      UnsubscribeURL: expect.stringMatching(new RegExp(`\\?Action=Unsubscribe&SubscriptionArn=${sub}$`)),
      MessageAttributes: { color: { Type: 'String', Value: 'red' }, blob: { Type: 'Binary', Value: 'AQI=' } },
    });
    expect(t.sqs.to('a')[0]?.MessageAttributes).toBeUndefined();
  });

  it('delivers the message alone with SQS attributes when RawMessageDelivery is true', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['raw']);
    await subscribeQueue(TopicArn, 'raw', { RawMessageDelivery: 'true' });
    await t.sns.Publish({ TopicArn, Message: 'hello', MessageAttributes: { n: { DataType: 'Number', StringValue: '5' } } });
    await t.sns.idle();
    expect(t.sqs.to('raw')).toEqual([
      { QueueUrl: expect.any(String), MessageBody: 'hello', MessageAttributes: { n: { DataType: 'Number', StringValue: '5' } } },
    ]);
  });

  it('fails a raw delivery of more than 10 attributes as a client-side error', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['raw', 'dlq']);
    await subscribeQueue(TopicArn, 'raw', {
      RawMessageDelivery: 'true',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('dlq') }),
    });
    const attributes = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
    await t.sns.Publish({ TopicArn, Message: 'ten', MessageAttributes: attributes(10) });
    await t.sns.Publish({ TopicArn, Message: 'eleven', MessageAttributes: attributes(11) });
    await t.sns.idle();
    expect(t.sqs.to('raw').map((m) => m.MessageBody)).toEqual(['ten']);
    // SQS could not take the attributes: the dead-letter queue gets the body alone, the reason goes to the log.
    expect(t.sqs.to('dlq').map((m) => [m.MessageBody, m.MessageAttributes])).toEqual([['eleven', undefined]]);
    expect(t.logs.join('\n')).toMatch(/moved to the dead-letter queue .*dlq: InvalidParameterValue/);
  });

  it('gives each protocol its own text with MessageStructure=json', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['a']);
    await subscribeQueue(TopicArn, 'a');
    await expect(t.sns.Publish({ TopicArn, Message: '{"sqs":"x"}', MessageStructure: 'json' })).rejects.toMatchObject({
      message: 'Invalid parameter: Message Structure - No default entry in JSON message body',
    });
    await t.sns.Publish({
      TopicArn,
      Message: '{"default":"d","sqs":"for sqs"}',
      MessageStructure: 'json',
      MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
    });
    await t.sns.idle();
    expect(t.sqs.bodies('a')[0]?.Message).toBe('for sqs');
    // SNS sends attributes only with a plain-string message.
    expect(t.sqs.bodies('a')[0]).not.toHaveProperty('MessageAttributes');
  });

  it('invokes Lambda subscriptions asynchronously with the SNS event', async () => {
    t = createSns();
    t.lambda.functions.add('fn');
    const TopicArn = await topicWithQueues([]);
    const { SubscriptionArn } = await t.sns.Subscribe({ TopicArn, Protocol: 'lambda', Endpoint: functionArn('fn') });
    const { MessageId } = await t.sns.Publish({
      TopicArn,
      Message: 'hi',
      MessageAttributes: { a: { DataType: 'String', StringValue: 'b' } },
    });
    await t.sns.idle();
    expect(t.lambda.invoked).toEqual([
      {
        name: functionArn('fn'),
        event: {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              EventSubscriptionArn: SubscriptionArn,
              Sns: expect.objectContaining({
                Type: 'Notification',
                MessageId,
                TopicArn,
                Subject: null,
                Message: 'hi',
                SigningCertUrl: expect.any(String),
                UnsubscribeUrl: expect.any(String),
                MessageAttributes: { a: { Type: 'String', Value: 'b' } },
              }),
            },
          ],
        },
      },
    ]);
  });
});

describe('SnsService filter policies', () => {
  it('fans out to each queue whose policy matches, on attributes or on the body', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['big', 'red', 'all']);
    await subscribeQueue(TopicArn, 'big', { FilterPolicy: JSON.stringify({ amount: [{ numeric: ['>=', 100] }] }) });
    await subscribeQueue(TopicArn, 'red', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: JSON.stringify({ order: { color: [{ prefix: 're' }] } }),
    });
    await subscribeQueue(TopicArn, 'all');
    const publish = (amount: string, color: string) =>
      t.sns.Publish({
        TopicArn,
        Message: JSON.stringify({ order: { color } }),
        MessageAttributes: { amount: { DataType: 'Number', StringValue: amount } },
      });
    await publish('150', 'blue');
    await publish('50', 'red');
    await publish('99.5', 'green');
    await t.sns.idle();
    const colors = (queue: string) =>
      t.sqs.bodies(queue).map((b) => (JSON.parse(String(b.Message)) as { order: { color: string } }).order.color);
    expect(colors('big')).toEqual(['blue']);
    expect(colors('red')).toEqual(['red']);
    expect(colors('all')).toEqual(['blue', 'red', 'green']);
  });

  it('says of a message every filter policy turned away that it is delivered nowhere', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['en', 'us']);
    // Keys are case-sensitive: a body's `Filter.Language` is not the policy's `filter.language`.
    await subscribeQueue(TopicArn, 'en', {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: JSON.stringify({ filter: { language: ['en'] } }),
    });
    await subscribeQueue(TopicArn, 'us', { FilterPolicy: JSON.stringify({ country: ['usa'] }) });
    const { MessageId } = await t.sns.Publish({ TopicArn, Message: JSON.stringify({ Filter: { Language: ['en'] } }) });
    await t.sns.Publish({ TopicArn, Message: JSON.stringify({ filter: { language: ['en'] } }) });
    await t.sns.idle();
    expect(t.sqs.bodies('en')).toHaveLength(1);
    expect(t.logs.filter((line) => line.includes('delivered nowhere'))).toEqual([
      `message ${MessageId} to ${TopicArn} matched the filter policy of none of its 2 subscriptions: it is delivered nowhere, as on AWS`,
    ]);
  });
  it('says once for each topic that a message to a topic nothing subscribes to is delivered nowhere', async () => {
    t = createSns();
    // serverless-patterns cdk-appsync-sns: its API publishes to a topic without subscriptions; nothing said where the message went.
    const { TopicArn } = await t.sns.CreateTopic({ Name: 'lonely' });
    await t.sns.Publish({ TopicArn, Message: 'one' });
    await t.sns.Publish({ TopicArn, Message: 'two' });
    await t.sns.idle();
    expect(t.logs.filter((line) => line.includes('delivered nowhere'))).toEqual([
      `a message to ${TopicArn} is delivered nowhere, as on AWS: nothing subscribes to it (said once for each topic)`,
    ]);
  });
});

describe('SnsService FIFO topics', () => {
  it('fails if a FIFO message has no group id, or no deduplication id without content-based deduplication', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([], 'orders.fifo', { FifoTopic: 'true' });
    await expect(t.sns.Publish({ TopicArn, Message: 'x', MessageDeduplicationId: 'd' })).rejects.toMatchObject({
      message: 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
    });
    await expect(t.sns.Publish({ TopicArn, Message: 'x', MessageGroupId: 'g' })).rejects.toMatchObject({
      message:
        'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    });
  });

  it('delivers in order with group and deduplication ids, and drops duplicates for five minutes', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['q.fifo'], 'orders.fifo', { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    await subscribeQueue(TopicArn, 'q.fifo');
    const first = await t.sns.Publish({ TopicArn, Message: 'one', MessageGroupId: 'g' });
    const duplicate = await t.sns.Publish({ TopicArn, Message: 'one', MessageGroupId: 'g' });
    await t.sns.Publish({ TopicArn, Message: 'two', MessageGroupId: 'g' });
    await t.sns.Publish({ TopicArn, Message: 'three', MessageGroupId: 'g', MessageDeduplicationId: 'explicit' });
    expect(duplicate).toEqual(first);
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);
    t.clock.advance(5 * 60_000);
    await t.sns.Publish({ TopicArn, Message: 'one', MessageGroupId: 'g' });
    await t.sns.idle();
    expect(t.sqs.to('q.fifo').map((m) => [m.MessageGroupId, JSON.parse(m.MessageBody).Message])).toEqual([
      ['g', 'one'],
      ['g', 'two'],
      ['g', 'three'],
      ['g', 'one'],
    ]);
    expect(t.sqs.to('q.fifo')[2]?.MessageDeduplicationId).toBe('explicit');
    expect(t.sqs.bodies('q.fifo')[0]?.SequenceNumber).toBe(first.SequenceNumber);
  });

  it('forgets deduplication ids when the topic is deleted and created again', async () => {
    t = createSns();
    const attributes = { FifoTopic: 'true', ContentBasedDeduplication: 'true' };
    let TopicArn = await topicWithQueues(['q.fifo'], 'orders.fifo', attributes);
    await t.sns.Publish({ TopicArn, Message: 'one', MessageGroupId: 'g' });
    await t.sns.DeleteTopic({ TopicArn });
    TopicArn = await topicWithQueues(['q.fifo'], 'orders.fifo', attributes);
    await subscribeQueue(TopicArn, 'q.fifo');
    await t.sns.Publish({ TopicArn, Message: 'one', MessageGroupId: 'g' });
    await t.sns.idle();
    expect(t.sqs.bodies('q.fifo').map((b) => b.Message)).toEqual(['one']);
  });

  it('holds a group back while its earlier message is retried, and lets other groups through', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['q.fifo'], 'orders.fifo', { FifoTopic: 'true', ContentBasedDeduplication: 'true' });
    await subscribeQueue(TopicArn, 'q.fifo');
    t.sqs.failingBodies.add('stuck');
    await t.sns.Publish({ TopicArn, Message: 'stuck', MessageGroupId: 'g' });
    await t.sns.Publish({ TopicArn, Message: 'after', MessageGroupId: 'g' });
    // A long stuck group must not keep other groups waiting.
    await t.sns.PublishBatch({
      TopicArn,
      PublishBatchRequestEntries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, Message: `later ${i}`, MessageGroupId: 'g' })),
    });
    for (let i = 0; i < 200; i++) await t.sns.Publish({ TopicArn, Message: `queued ${i}`, MessageGroupId: 'g' });
    await t.sns.Publish({ TopicArn, Message: 'other group', MessageGroupId: 'h' });
    await t.sns.idle();
    t.clock.advance(1000);
    await t.sns.idle();
    expect(t.sqs.bodies('q.fifo').map((b) => b.Message)).toEqual(['other group']);
    t.sqs.failingBodies.clear();
    t.clock.advance(60_000);
    await t.sns.idle();
    await t.sns.idle();
    expect(t.sqs.bodies('q.fifo').map((b) => b.Message)).toEqual([
      'other group',
      'stuck',
      'after',
      ...Array.from({ length: 10 }, (_, i) => `later ${i}`),
      ...Array.from({ length: 200 }, (_, i) => `queued ${i}`),
    ]);
  });
});

describe('SnsService delivery failures', () => {
  it('retries server-side errors by the SQS and Lambda delivery policy', async () => {
    expect([1, 2, 3, 4, 5, 6, 15, 16, 1000].map(retryDelayMs)).toEqual([0, 0, 0, 1000, 1000, 1349, 20_000, 20_000, 20_000]);
    t = createSns();
    const TopicArn = await topicWithQueues(['flaky']);
    await subscribeQueue(TopicArn, 'flaky');
    t.sqs.failing.add('flaky');
    await t.sns.Publish({ TopicArn, Message: 'x' });
    await t.sns.idle();
    t.sqs.failing.delete('flaky');
    t.clock.advance(1000);
    await t.sns.idle();
    expect(t.sqs.bodies('flaky').map((b) => b.Message)).toEqual(['x']);
  });

  it('sends a message its queue cannot take to the subscription dead-letter queue, with its own attributes only', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['dlq']);
    await subscribeQueue(TopicArn, 'gone', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('dlq') }),
      RawMessageDelivery: 'true',
    });
    const { MessageId } = await t.sns.Publish({
      TopicArn,
      Message: 'lost?',
      MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
    });
    await t.sns.idle();
    expect(t.sqs.to('dlq')).toEqual([
      {
        QueueUrl: expect.any(String),
        MessageBody: 'lost?',
        MessageAttributes: {
          k: { DataType: 'String', StringValue: 'v' },
        },
      },
    ]);
    expect(t.logs.join('\n')).toContain(`message ${MessageId} for `);
    expect(t.logs.join('\n')).toMatch(/moved to the dead-letter queue .*dlq: QueueDoesNotExist: The specified queue does not exist\./);
  });

  it('sends the JSON envelope of a message a function cannot take to the dead-letter queue, as AWS does', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['dlq']);
    await t.sns.Subscribe({
      TopicArn,
      Protocol: 'lambda',
      Endpoint: functionArn('deleted'),
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('dlq') }) },
    });
    await t.sns.Publish({ TopicArn, Message: 'x' });
    await t.sns.idle();
    const [dead] = t.sqs.to('dlq');
    // Not the Lambda event: the envelope an SQS subscription gets (recorded on AWS).
    expect(JSON.parse(dead?.MessageBody ?? '{}')).toMatchObject({ Type: 'Notification', Message: 'x', UnsubscribeURL: expect.any(String) });
    expect(dead?.MessageAttributes).toBeUndefined();
    expect(t.logs.join('\n')).toMatch(/moved to the dead-letter queue .*dlq: ResourceNotFoundException/);
  });

  it('discards a message a client-side error refuses when there is no dead-letter queue, and says so', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([]);
    await subscribeQueue(TopicArn, 'gone');
    await t.sns.Publish({ TopicArn, Message: 'x' });
    await t.sns.idle();
    expect(t.logs.join('\n')).toMatch(/discarded .* no dead-letter queue/);
  });
});

describe('SnsService.PublishBatch', () => {
  it('fails a whole batch when one entry is refused, as AWS does, and publishes none of it', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues(['a']);
    await subscribeQueue(TopicArn, 'a');
    await expect(
      t.sns.PublishBatch({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: 'ok1', Message: 'one' },
          { Id: 'empty', Message: '' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'InvalidParameter', message: 'Invalid parameter: Empty message' });
    await expect(
      t.sns.PublishBatch({ TopicArn, PublishBatchRequestEntries: [{ Id: 'subject', Message: 'x', Subject: '' }] }),
    ).rejects.toMatchObject({ code: 'InvalidParameter', message: 'Invalid parameter: Subject' });
    const result = await t.sns.PublishBatch({ TopicArn, PublishBatchRequestEntries: [{ Id: 'ok2', Message: 'two', Subject: 's' }] });
    expect(result.Failed).toEqual([]);
    await t.sns.idle();
    expect(t.sqs.bodies('a').map((b) => b.Message)).toEqual(['two']);
  });

  it('fails if the batch is empty, too long, has repeated or malformed ids, or is over 256 KiB', async () => {
    t = createSns();
    const TopicArn = await topicWithQueues([]);
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, Message: 'x' }));
    await expect(t.sns.PublishBatch({ TopicArn, PublishBatchRequestEntries: [] })).rejects.toMatchObject({ code: 'EmptyBatchRequest' });
    await expect(t.sns.PublishBatch({ TopicArn, PublishBatchRequestEntries: entries(11) })).rejects.toMatchObject({
      code: 'TooManyEntriesInBatchRequest',
    });
    await t.sns.PublishBatch({ TopicArn, PublishBatchRequestEntries: entries(10) });
    await expect(
      t.sns.PublishBatch({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: 'x' },
          { Id: 'a', Message: 'y' },
        ],
      }),
    ).rejects.toMatchObject({ code: 'BatchEntryIdsNotDistinct' });
    await expect(t.sns.PublishBatch({ TopicArn, PublishBatchRequestEntries: [{ Id: 'a b', Message: 'x' }] })).rejects.toMatchObject({
      code: 'InvalidBatchEntryId',
    });
    await expect(
      t.sns.PublishBatch({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: 'x'.repeat(200_000) },
          { Id: 'b', Message: 'x'.repeat(70_000) },
        ],
      }),
    ).rejects.toMatchObject({ code: 'BatchRequestTooLong' });
  });
});

describe('SnsService durability', () => {
  it('delivers a message published before a restart that the queue could not take yet', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sns-')), 'sns.sqlite');
    t = createSns({}, file);
    const TopicArn = await topicWithQueues(['later']);
    await subscribeQueue(TopicArn, 'later');
    t.sqs.failing.add('later');
    await t.sns.Publish({ TopicArn, Message: 'kept' });
    await t.sns.idle();
    t = t.restart();
    t.sqs.failing.delete('later');
    t.clock.advance(20_000);
    await t.sns.idle();
    expect(t.sqs.bodies('later').map((b) => b.Message)).toEqual(['kept']);
  });

  it('brings template topics and subscriptions up to date at start, and removes ones the template dropped', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sns-')), 'sns.sqlite');
    const topic = { name: 't', arn: topicArn('t'), attributes: { DisplayName: 'T' }, tags: {} };
    const subscription = {
      arn: `${topicArn('t')}:sub-1`,
      topicArn: topicArn('t'),
      protocol: 'sqs',
      endpoint: queueArn('q'),
      attributes: {},
    };
    t = createSns({ topics: [topic], subscriptions: [subscription] }, file);
    expect((await t.sns.ListSubscriptionsByTopic({ TopicArn: topic.arn })).Subscriptions).toHaveLength(1);
    t.close();
    t = createSns({ topics: [{ ...topic, attributes: { DisplayName: 'Renamed' } }], subscriptions: [] }, file);
    expect((await t.sns.GetTopicAttributes({ TopicArn: topic.arn })).Attributes.DisplayName).toBe('Renamed');
    expect((await t.sns.ListSubscriptionsByTopic({ TopicArn: topic.arn })).Subscriptions).toEqual([]);
  });

  it("gives a template's topic its template's tags at each start, in place of those the API added", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sns-')), 'sns.sqlite');
    const topic = { name: 't', arn: topicArn('t'), attributes: {}, tags: { team: 'template' } };
    t = createSns({ topics: [topic] }, file);
    await t.sns.TagResource({ ResourceArn: topic.arn, Tags: [{ Key: 'added', Value: 'by-api' }] });
    t.close();
    t = createSns({ topics: [{ ...topic, tags: { team: 'changed' } }] }, file);
    expect((await t.sns.ListTagsForResource({ ResourceArn: topic.arn })).Tags).toEqual([{ Key: 'team', Value: 'changed' }]);
  });

  it("keeps the tags a data folder of an earlier version held in its topics' rows, moved into the tag store once", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sns-')), 'sns.sqlite');
    t = createSns({}, file);
    const { TopicArn } = await t.sns.CreateTopic({ Name: 'old-tagged' });
    t.close();
    // The topics' table as the earlier version kept it: each topic's map of tags in its `tags` column, no tag store.
    const db = new DatabaseSync(file);
    db.exec(`ALTER TABLE topics ADD COLUMN tags TEXT NOT NULL DEFAULT '{}'; DROP TABLE resource_tags`);
    db.prepare('UPDATE topics SET tags = ? WHERE arn = ?').run(JSON.stringify({ team: 'a', env: 'dev' }), TopicArn);
    db.close();
    t = createSns({}, file);
    expect((await t.sns.ListTagsForResource({ ResourceArn: TopicArn })).Tags).toEqual([
      { Key: 'team', Value: 'a' },
      { Key: 'env', Value: 'dev' },
    ]);
    await t.sns.DeleteTopic({ TopicArn });
    await t.sns.CreateTopic({ Name: 'old-tagged' });
    expect((await t.sns.ListTagsForResource({ ResourceArn: TopicArn })).Tags).toEqual([]);
  });
});
