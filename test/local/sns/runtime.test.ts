import { existsSync, readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AddPermissionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { AWS_CLI_SKIP_REASON, awsCli, awsCliMissing } from '../aws-cli.js';
import { credentials, eventually, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { writeSnsApp } from './fixture.js';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:orders';
const FIFO_TOPIC = 'arn:aws:sns:us-east-1:000000000000:SnsApp-Sequenced.fifo';

const logs: string[] = [];
let app: { cdkOut: string; recorderFile: string };
const local = restartableRuntime({
  assembly: () => {
    app = writeSnsApp();
    return app.cdkOut;
  },
  options: { log: (line) => logs.push(line) },
  clients: ({ url }) => ({ sns: new SNSClient(sdkConfig(url)), sqs: new SQSClient(sdkConfig(url)) }),
});

/** Every message the queue has now (received, so gone from view). */
async function drain(queue: string): Promise<Message[]> {
  const QueueUrl = `${local.runtime.url}/000000000000/${queue}`;
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
    // Taken for good: a message only received would come back after its visibility timeout
    // (30 s), into a later test's drain, on a machine slow enough to take that long.
    await local.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
    );
  }
}

const notification = (message: Message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>;

describe('SNS in the local runtime', () => {
  it('loads topics and subscriptions from the template and reports what it does not deliver', async () => {
    expect(logs.join('\n')).toContain('(email ops@example.com) is pending confirmation: follow the link of its confirmation mail');
    expect(local.runtime.warnings.join('\n')).not.toMatch(/TopicPolicy|AWS::SNS::Subscription\): resource type/);
    const { Topics = [] } = await local.sns.send(new ListTopicsCommand({}));
    expect(Topics.map((t) => t.TopicArn)).toEqual(expect.arrayContaining([TOPIC, FIFO_TOPIC]));
    const { Attributes } = await local.sns.send(new GetTopicAttributesCommand({ TopicArn: FIFO_TOPIC }));
    expect(Attributes).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'true', KmsMasterKeyId: 'alias/aws/sns' });
    expect((await local.sns.send(new GetTopicAttributesCommand({ TopicArn: TOPIC }))).Attributes?.DisplayName).toBe('Orders');
  });

  it('answers the SDK with its exception classes', async () => {
    await expect(local.sns.send(new PublishCommand({ TopicArn: `${TOPIC}-missing`, Message: 'x' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    const error = await local.sns.send(new PublishCommand({ TopicArn: TOPIC, Message: '' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error).toMatchObject({ message: 'Invalid parameter: Empty message', $metadata: { httpStatusCode: 400 } });
  });

  it('fans out to queues by attribute and body filter policies, raw or enveloped', async () => {
    const publish = (amount: string, color: string) =>
      local.sns.send(
        new PublishCommand({
          TopicArn: TOPIC,
          Subject: 'order',
          Message: JSON.stringify({ color }),
          MessageAttributes: { amount: { DataType: 'Number', StringValue: amount }, kind: { DataType: 'String', StringValue: 'order' } },
        }),
      );
    const big = await publish('250', 'blue');
    await publish('20', 'red');
    await local.runtime.sns.idle();
    const bigMessages = await drain('big-orders');
    expect(bigMessages.map((m) => notification(m).MessageId)).toEqual([big.MessageId]);
    expect(notification(bigMessages[0] as Message)).toMatchObject({
      Type: 'Notification',
      TopicArn: TOPIC,
      Subject: 'order',
      Message: '{"color":"blue"}',
      MessageAttributes: { amount: { Type: 'Number', Value: '250' }, kind: { Type: 'String', Value: 'order' } },
    });
    expect((await drain('red-orders')).map((m) => notification(m).Message)).toEqual(['{"color":"red"}']);
    // The email subscription waits for a confirmation and gets nothing: said once, at the first message it misses.
    const pendingLines = logs.filter((line) => line.includes('pending confirmation (protocol email, ops@example.com)'));
    expect(pendingLines).toHaveLength(1);
    expect(pendingLines[0]).toMatch(
      new RegExp(`^\\[sns\\] messages to ${TOPIC} are not delivered to ${TOPIC}:[\\w-]+: it is pending confirmation`),
    );
    expect(pendingLines[0]).toContain('its confirmation mail is in the local mailbox (switchyard mail): following its link confirms it');
    const raw = await drain('raw-orders');
    expect(raw.map((m) => m.Body)).toEqual(['{"color":"blue"}', '{"color":"red"}']);
    expect(raw[0]?.MessageAttributes).toEqual({
      amount: { DataType: 'Number', StringValue: '250' },
      kind: { DataType: 'String', StringValue: 'order' },
    });
  });

  it('keeps a FIFO topic order per group into a FIFO queue, without duplicates', async () => {
    for (const message of ['a1', 'a2', 'a1', 'a3']) {
      await local.sns.send(new PublishCommand({ TopicArn: FIFO_TOPIC, Message: message, MessageGroupId: 'a' }));
    }
    await local.runtime.sns.idle();
    const messages = await drain('SnsApp-FifoQueue.fifo');
    expect(messages.map((m) => notification(m).Message)).toEqual(['a1', 'a2', 'a3']);
    const sequence = (message: Message | undefined) => BigInt(String(notification(message as Message).SequenceNumber));
    expect(sequence(messages[2])).toBeGreaterThan(sequence(messages[1]));
  });

  it('sends what a gone queue or function cannot take to the subscription dead-letter queue', async () => {
    const { MessageId } = await local.sns.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts', Message: 'disk full' }),
    );
    await local.runtime.sns.idle();
    const dead = await drain('alerts-dlq');
    // AWS adds no attributes of its own, and a function's dead-letter queue gets the envelope too (recorded on AWS).
    expect(dead.map((m) => m.MessageAttributes)).toEqual([undefined, undefined]);
    const bodies = dead.map((m) => notification(m));
    expect(bodies).toEqual([
      expect.objectContaining({ Type: 'Notification', MessageId, Message: 'disk full' }),
      expect.objectContaining({ Type: 'Notification', MessageId, Message: 'disk full' }),
    ]);
    // One per subscription: the gone queue's and the gone function's.
    expect(new Set(bodies.map((b) => String(b.UnsubscribeURL))).size).toBe(2);
    expect(logs.join('\n')).toMatch(/moved to the dead-letter queue .*alerts-dlq: QueueDoesNotExist/);
    expect(logs.join('\n')).toMatch(/moved to the dead-letter queue .*alerts-dlq: ResourceNotFoundException/);
  });

  it('fails a PublishBatch whole when one entry is refused, as AWS does', async () => {
    const refused = local.sns.send(
      new PublishBatchCommand({
        TopicArn: TOPIC,
        PublishBatchRequestEntries: [
          { Id: 'good', Message: JSON.stringify({ color: 'red' }) },
          { Id: 'bad-subject', Message: 'x', Subject: 'line\nbreak' },
        ],
      }),
    );
    await expect(refused).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: Subject' });
    await local.runtime.sns.idle();
    expect(await drain('red-orders')).toEqual([]);
  });

  it('invokes a Lambda subscription with the SNS event', async () => {
    const { MessageId } = await local.sns.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:signals', Message: 'ping' }),
    );
    const event = await eventually(async () => {
      if (!existsSync(app.recorderFile)) return undefined;
      return readFileSync(app.recorderFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))[0];
    });
    expect(event.Records[0]).toMatchObject({ EventSource: 'aws:sns', Sns: { MessageId, Message: 'ping', Subject: null } });
  });

  it('publishes the events of a rule with an SNS target to the topic', async () => {
    const events = new EventBridgeClient({ endpoint: local.runtime.url, region, credentials });
    try {
      await events.send(new PutEventsCommand({ Entries: [{ Source: 'app.orders', DetailType: 'OrderPlaced', Detail: '{"id":"o-1"}' }] }));
    } finally {
      events.destroy();
    }
    const [message] = await eventually(async () => {
      await local.runtime.events.idle();
      await local.runtime.sns.idle();
      const found = await drain('from-events');
      return found.length > 0 ? found : undefined;
    });
    const event = JSON.parse(String(notification(message as Message).Message));
    expect(event).toMatchObject({ source: 'app.orders', 'detail-type': 'OrderPlaced', detail: { id: 'o-1' } });
  });

  it('creates topics and subscriptions over the API that deliver like the template ones', async () => {
    const { TopicArn } = await local.sns.send(new CreateTopicCommand({ Name: 'api-topic' }));
    await local.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:big-orders' }));
    await local.sns.send(new PublishCommand({ TopicArn, Message: 'via api' }));
    await local.runtime.sns.idle();
    expect((await drain('big-orders')).map((m) => notification(m).Message)).toEqual(['via api']);
  });

  it('round-trips every operation through the SDK, attribute maps, lists and binary values included', async () => {
    const { TopicArn } = await local.sns.send(
      new CreateTopicCommand({ Name: 'round-trip', Attributes: { DisplayName: 'RT' }, Tags: [{ Key: 'team', Value: 'a' }] }),
    );
    await local.sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DisplayName', AttributeValue: 'R & T <1>' }));
    expect((await local.sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.DisplayName).toBe('R & T <1>');
    await local.sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: 'env', Value: 'dev' }] }));
    await local.sns.send(new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ['team'] }));
    expect((await local.sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags).toEqual([{ Key: 'env', Value: 'dev' }]);

    const { SubscriptionArn } = await local.sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:raw-orders',
        Attributes: { RawMessageDelivery: 'true' },
        ReturnSubscriptionArn: true,
      }),
    );
    await local.sns.send(
      new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"kind":["keep"]}' }),
    );
    expect((await local.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes).toMatchObject({
      RawMessageDelivery: 'true',
      FilterPolicy: '{"kind":["keep"]}',
      FilterPolicyScope: 'MessageAttributes',
    });
    const byTopic = await local.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(byTopic.Subscriptions).toEqual([
      { SubscriptionArn, Owner: '000000000000', Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:raw-orders', TopicArn },
    ]);
    expect((await local.sns.send(new ListSubscriptionsCommand({}))).Subscriptions?.map((s) => s.SubscriptionArn)).toContain(
      SubscriptionArn,
    );

    await local.sns.send(
      new PublishCommand({
        TopicArn,
        Message: 'line one\r\nline two & <more>',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'keep' },
          bytes: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 255]) },
        },
      }),
    );
    await local.sns.send(
      new PublishCommand({ TopicArn, Message: 'dropped', MessageAttributes: { kind: { DataType: 'String', StringValue: 'drop' } } }),
    );
    await local.runtime.sns.idle();
    const [received, ...rest] = await drain('raw-orders');
    expect(rest).toEqual([]);
    expect(received?.Body).toBe('line one\r\nline two & <more>');
    expect(received?.MessageAttributes?.bytes?.BinaryValue).toEqual(new Uint8Array([0, 255]));

    await local.sns.send(new UnsubscribeCommand({ SubscriptionArn }));
    await local.sns.send(new DeleteTopicCommand({ TopicArn }));
    await expect(local.sns.send(new GetTopicAttributesCommand({ TopicArn }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it("tells SNS's AddPermission from SQS's by the signature's credential scope", async () => {
    await expect(
      local.sns.send(new AddPermissionCommand({ TopicArn: TOPIC, Label: 'l', AWSAccountId: ['111111111111'], ActionName: ['Publish'] })),
    ).rejects.toMatchObject({ name: 'InvalidAction', message: 'AddPermission is not supported by the local SNS service.' });
    const post = (service: string) =>
      fetch(local.runtime.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: 'Action=AddPermission&Label=l',
      }).then((response) => response.text());
    // SQS serves AddPermission: it answers for the missing queue in its own words.
    expect(await post('sqs')).toContain('<Code>MissingParameter</Code>');
    expect(await post('sns')).toContain('<Code>InvalidAction</Code>');
  });

  it('pages ListTopics by 100 with a NextToken', async () => {
    for (let i = 0; i < 101; i++) await local.sns.send(new CreateTopicCommand({ Name: `page-${String(i).padStart(3, '0')}` }));
    const first = await local.sns.send(new ListTopicsCommand({}));
    expect(first.Topics).toHaveLength(100);
    const second = await local.sns.send(new ListTopicsCommand({ NextToken: first.NextToken }));
    expect(second.NextToken).toBeUndefined();
    const all = [...(first.Topics ?? []), ...(second.Topics ?? [])].map((t) => t.TopicArn);
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((arn) => arn?.includes(':page-'))).toHaveLength(101);
  });

  it('unsubscribes through the UnsubscribeURL of a notification', async () => {
    const { TopicArn } = await local.sns.send(new CreateTopicCommand({ Name: 'unsubscribe-url' }));
    const { SubscriptionArn } = await local.sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:red-orders' }),
    );
    await local.sns.send(new PublishCommand({ TopicArn, Message: 'first' }));
    await local.runtime.sns.idle();
    const [message] = await drain('red-orders');
    const response = await fetch(String(notification(message as Message).UnsubscribeURL));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<UnsubscribeResponse');
    await expect(local.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it.skipIf(awsCliMissing)('answers the AWS CLI', async () => {
    const published = (await awsCli(local.runtime.url, ['sns', 'publish', '--topic-arn', TOPIC, '--message', '{"color":"red"}'])) as {
      MessageId: string;
    };
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const attributes = (await awsCli(local.runtime.url, ['sns', 'get-topic-attributes', '--topic-arn', TOPIC])) as {
      Attributes: Record<string, string>;
    };
    expect(attributes.Attributes.TopicArn).toBe(TOPIC);
    await local.runtime.sns.idle();
    expect((await drain('red-orders')).map((m) => notification(m).MessageId)).toEqual([published.MessageId]);
    await drain('raw-orders');

    const { TopicArn } = (await awsCli(local.runtime.url, ['sns', 'create-topic', '--name', 'cli-topic'])) as { TopicArn: string };
    await awsCli(local.runtime.url, [
      'sns',
      'subscribe',
      '--topic-arn',
      TopicArn,
      '--protocol',
      'sqs',
      '--notification-endpoint',
      'arn:aws:sqs:us-east-1:000000000000:big-orders',
      '--attributes',
      JSON.stringify({ RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ n: [{ numeric: ['>', 1] }] }) }),
    ]);
    const batch = (await awsCli(local.runtime.url, [
      'sns',
      'publish-batch',
      '--topic-arn',
      TopicArn,
      '--publish-batch-request-entries',
      JSON.stringify([
        { Id: 'one', Message: 'small', MessageAttributes: { n: { DataType: 'Number', StringValue: '1' } } },
        { Id: 'two', Message: 'big', MessageAttributes: { n: { DataType: 'Number', StringValue: '2' } } },
      ]),
    ])) as { Successful: { Id: string }[]; Failed: unknown[] };
    expect(batch.Successful.map((s) => s.Id)).toEqual(['one', 'two']);
    expect(batch.Failed).toEqual([]);
    await local.runtime.sns.idle();
    expect((await drain('big-orders')).map((m) => m.Body)).toEqual(['big']);
  });
  if (awsCliMissing) it.skip(AWS_CLI_SKIP_REASON, () => {});

  it('delivers after a restart what was published before it and not yet delivered', async () => {
    // Delivery held back, so the message is only in the outbox when the runtime stops.
    local.runtime.sns.stop();
    const { MessageId } = await local.sns.send(new PublishCommand({ TopicArn: TOPIC, Message: '{"color":"red"}' }));
    await local.restart();
    await local.runtime.sns.idle();
    expect((await drain('red-orders')).map((m) => notification(m).MessageId)).toEqual([MessageId]);
  });
});
