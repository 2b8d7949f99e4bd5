import { gunzipSync } from 'node:zlib';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';
import { arnOf, sqsQueue } from '../template-resources.js';

const GONE = 'arn:aws:firehose:us-east-1:000000000000:deliverystream/gone';

/** A DirectPut stream to the bucket under `prefix`, flushed every second so that a test waits for no long buffer. */
const deliveryStream = (name: string, prefix: string) => ({
  Type: 'AWS::KinesisFirehose::DeliveryStream',
  Properties: {
    DeliveryStreamName: name,
    DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: {
      BucketARN: arnOf('Landing'),
      Prefix: prefix,
      BufferingHints: { IntervalInSeconds: 1, SizeInMBs: 1 },
    },
  },
});

const app = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Landing: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'landing' } },
      Orders: deliveryStream('orders', 'orders/'),
      Logs: deliveryStream('logs', 'logs/'),
      Failed: sqsQueue('failed'),
      ToStream: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['app.orders'] },
          Targets: [{ Id: 'archive', Arn: arnOf('Orders') }],
        },
      },
      ToMissing: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['app.lost'] },
          Targets: [
            {
              Id: 'missing',
              Arn: GONE,
              RetryPolicy: { MaximumRetryAttempts: 0 },
              DeadLetterConfig: { Arn: arnOf('Failed') },
            },
          ],
        },
      },
      Notes: deliveryStream('notes', 'notes/'),
      RawNotes: deliveryStream('raw-notes', 'raw-notes/'),
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'notes' } },
      ToNotes: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'Topic' },
          Protocol: 'firehose',
          Endpoint: arnOf('Notes'),
          SubscriptionRoleArn: 'arn:aws:iam::000000000000:role/sns-firehose',
        },
      },
      ToRawNotes: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'Topic' },
          Protocol: 'firehose',
          Endpoint: arnOf('RawNotes'),
          SubscriptionRoleArn: 'arn:aws:iam::000000000000:role/sns-firehose',
          RawMessageDelivery: true,
        },
      },
      Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/app/orders' } },
      Subscription: {
        Type: 'AWS::Logs::SubscriptionFilter',
        Properties: { LogGroupName: '/app/orders', FilterPattern: 'ERROR', DestinationArn: arnOf('Logs') },
      },
    }),
  ownsAssembly: true,
  options: { iam: 'off' },
  clients: (runtime) => ({
    s3: s3Client(runtime.url),
    events: new EventBridgeClient(sdkConfig(runtime.url)),
    logs: new CloudWatchLogsClient(sdkConfig(runtime.url)),
    sqs: new SQSClient(sdkConfig(runtime.url)),
    sns: new SNSClient(sdkConfig(runtime.url)),
  }),
});

/** The objects under `prefix`, as bytes, once there is one. */
async function objects(prefix: string): Promise<Buffer[]> {
  return eventually(
    async () => {
      const { Contents = [] } = await app.s3.send(new ListObjectsV2Command({ Bucket: 'landing', Prefix: prefix }));
      if (Contents.length === 0) return undefined;
      return Promise.all(
        Contents.map(async ({ Key }) => {
          const got = await app.s3.send(new GetObjectCommand({ Bucket: 'landing', Key }));
          return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        }),
      );
    },
    20_000,
    `an object under ${prefix}`,
  );
}

describe('a Firehose delivery stream as a target', () => {
  it('takes an EventBridge rule’s events, each one record, and delivers them to S3 at its buffering hints', async () => {
    const entries = [1, 2].map((n) => ({ Source: 'app.orders', DetailType: 'OrderPlaced', Detail: JSON.stringify({ n }) }));
    const answer = await app.events.send(new PutEventsCommand({ Entries: entries }));
    expect(answer.FailedEntryCount).toBe(0);
    const [object, ...more] = await objects('orders/');
    expect(more).toEqual([]);
    // EventBridge puts the event itself as the record's data, and Firehose adds no delimiter between records.
    const text = object?.toString('utf8') ?? '';
    const events = text.replaceAll('}{"version"', '}\n{"version"').split('\n');
    expect(events.map((e) => (JSON.parse(e) as { detail: { n: number } }).detail.n).sort()).toEqual([1, 2]);
    expect(JSON.parse(events[0] ?? '{}')).toMatchObject({ source: 'app.orders', 'detail-type': 'OrderPlaced' });
  });

  it('takes a logs subscription filter’s matching events as CloudWatch Logs sends them, one gzipped DATA_MESSAGE a record', async () => {
    const now = Date.now();
    await app.logs.send(new CreateLogStreamCommand({ logGroupName: '/app/orders', logStreamName: 'worker-1' }));
    await app.logs.send(
      new PutLogEventsCommand({
        logGroupName: '/app/orders',
        logStreamName: 'worker-1',
        logEvents: [
          { timestamp: now, message: 'ERROR order 7 failed' },
          { timestamp: now + 1, message: 'INFO order 8 placed' },
        ],
      }),
    );
    const [object] = await objects('logs/');
    const message = JSON.parse(gunzipSync(object ?? Buffer.alloc(0)).toString('utf8'));
    expect(message).toMatchObject({
      messageType: 'DATA_MESSAGE',
      logGroup: '/app/orders',
      logStream: 'worker-1',
      logEvents: [{ timestamp: now, message: 'ERROR order 7 failed' }],
    });
    expect(message.logEvents).toHaveLength(1);
  });

  it('takes an SNS topic’s notifications, one a line: the envelope without its signature, or the message alone with raw delivery', async () => {
    const TopicArn = 'arn:aws:sns:us-east-1:000000000000:notes';
    await app.sns.send(new PublishCommand({ TopicArn, Message: 'note 1', Subject: 'first' }));
    const [envelopes] = await objects('notes/');
    const [line, ...rest] = (envelopes?.toString('utf8') ?? '').split('\n');
    expect(rest).toEqual(['']);
    const envelope = JSON.parse(line ?? '{}');
    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn, Subject: 'first', Message: 'note 1' });
    expect(Object.keys(envelope)).not.toContain('Signature');
    const [raw] = await objects('raw-notes/');
    expect(raw?.toString('utf8')).toBe('note 1\n');
  });

  it("fails if a rule's target names a delivery stream that does not exist: the event goes to the target's dead-letter queue", async () => {
    await app.events.send(new PutEventsCommand({ Entries: [{ Source: 'app.lost', DetailType: 'Lost', Detail: '{"n":9}' }] }));
    const QueueUrl = `${app.runtime.url}/000000000000/failed`;
    const [message] = await eventually(async () => {
      const { Messages } = await app.sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }));
      return Messages?.length ? Messages : undefined;
    });
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({ source: 'app.lost', detail: { n: 9 } });
    expect(message?.MessageAttributes?.TARGET_ARN?.StringValue).toBe(GONE);
    expect(message?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('ResourceNotFoundException');
    expect(message?.MessageAttributes?.ERROR_MESSAGE?.StringValue).toContain('Firehose gone under account 000000000000 not found.');
  });

  it('is named at start-up only when a rule names a delivery stream the app does not declare', () => {
    const warnings = app.runtime.warnings.join('\n');
    expect(warnings).not.toContain('deliverystream/orders');
    expect(warnings).not.toContain('deliverystream/logs');
    expect(warnings).toMatch(/target missing \(arn:aws:firehose:us-east-1:000000000000:deliverystream\/gone\) is not in the app/);
  });
});
