import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { type DestinationConfiguration, matches, validateConfigurations } from '../../../local/s3/notification-config.js';
import { S3RestProtocol } from '../../../local/s3/rest-protocol.js';
import type { S3NotificationTargets, S3Service } from '../../../local/s3/s3-service.js';
import type { TargetMessage } from '../../../local/targets/dispatcher.js';
import { ManualClock } from '../../../local/time/clock.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { s3ServiceIn } from './fixture.js';

const ACCOUNT = '000000000000';
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:uploads-queue`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:uploads-topic`;
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:on-upload`;
const context = { requestId: 'C3D13FE58DE4C810', sourceIp: '172.16.0.1' };

interface Sent {
  arn: string;
  message: TargetMessage;
}

/** A dispatcher that records what it is given (and answers as a queue, topic or function took it). */
function recording(): S3NotificationTargets & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    send: async (arn, message) => {
      sent.push({ arn, message });
      return { service: 'sqs', answer: {} };
    },
  };
}

function service(dir: string, targets?: S3NotificationTargets, clock = new ManualClock()): S3Service {
  return s3ServiceIn(dir, { clock, ...(targets ? { targets } : {}) });
}

function configuration(overrides: Partial<DestinationConfiguration>): DestinationConfiguration {
  return { id: 'c', kind: 'queue', arn: QUEUE, events: ['s3:ObjectCreated:*'], ...overrides };
}

/** An S3 client that calls the protocol directly: the SDK's own requests and parsing, no network. */
function sdkOn(s3: S3Service): S3Client {
  const protocol = new S3RestProtocol(s3);
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(request.query ?? {})) {
        for (const item of Array.isArray(value) ? value : [value ?? '']) query.append(name, item ?? '');
      }
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
      const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body as string);
      const answer = await protocol.handle({ method: request.method, path: request.path, query, headers, body });
      return {
        response: { statusCode: answer.status, headers: answer.headers ?? {}, body: Readable.from([Buffer.from(answer.body ?? '')]) },
      };
    },
  };
  return new S3Client({ endpoint: 'http://localhost:4566', region, credentials, forcePathStyle: true, maxAttempts: 1, requestHandler });
}

const records = (sent: Sent[]) => sent.map((s) => JSON.parse(s.message.body).Records?.[0]);

describe('S3 notification configurations', () => {
  it('match an event by its type or its wildcard, and the URL-encoded key by prefix and suffix', () => {
    const photos = configuration({ events: ['s3:ObjectCreated:*'], prefix: 'photos/my+', suffix: '.jpg' });
    expect(matches(photos, 'ObjectCreated:Put', 'photos/my+cat.jpg')).toBe(true);
    expect(matches(photos, 'ObjectCreated:CompleteMultipartUpload', 'photos/my+cat.jpg')).toBe(true);
    expect(matches(photos, 'ObjectRemoved:Delete', 'photos/my+cat.jpg')).toBe(false);
    expect(matches(photos, 'ObjectCreated:Put', 'photos/my+cat.png')).toBe(false);
    expect(matches(photos, 'ObjectCreated:Put', 'other/my+cat.jpg')).toBe(false);
    const copies = configuration({ events: ['s3:ObjectCreated:Copy'] });
    expect(matches(copies, 'ObjectCreated:Copy', 'a')).toBe(true);
    expect(matches(copies, 'ObjectCreated:Put', 'a')).toBe(false);
  });

  it('may share an event type when their prefixes, or their suffixes, cannot both match one key', () => {
    expect(() =>
      validateConfigurations([
        configuration({ id: 'a', prefix: 'images/' }),
        configuration({ id: 'b', prefix: 'logs/', arn: TOPIC, kind: 'topic' }),
        configuration({ id: 'c', prefix: 'images/', suffix: '.png' }),
        configuration({ id: 'd', events: ['s3:ObjectRemoved:*'] }),
      ]),
    ).toThrow(/overlap/);
    expect(() =>
      validateConfigurations([
        configuration({ id: 'a', prefix: 'images/', suffix: '.jpg' }),
        configuration({ id: 'b', prefix: 'images/', suffix: '.png' }),
        configuration({ id: 'c', prefix: 'logs/' }),
        configuration({ id: 'd', events: ['s3:ObjectRemoved:*'] }),
      ]),
    ).not.toThrow();
  });

  it('fails if two configurations share an event type (a wildcard shares its kind) and overlapping prefixes and suffixes', () => {
    const overlap = /^Configurations overlap\. Configurations on the same bucket cannot share a common event type\.$/;
    for (const pair of [
      [configuration({ id: 'a' }), configuration({ id: 'b', events: ['s3:ObjectCreated:Put'] })],
      [configuration({ id: 'a', prefix: 'images/' }), configuration({ id: 'b', prefix: 'images/2024/' })],
      [configuration({ id: 'a', suffix: '.jpg' }), configuration({ id: 'b', prefix: 'images/' })],
    ]) {
      expect(() => validateConfigurations(pair)).toThrow(
        expect.objectContaining({ code: 'InvalidArgument', message: expect.stringMatching(overlap) }),
      );
    }
  });

  it('fails if an event type is unknown, or a destination is not an ARN of its service or is FIFO', () => {
    expect(() => validateConfigurations([configuration({ events: ['s3:ObjectCreated:Get'] })])).toThrow(
      'The event is not supported for notifications: s3:ObjectCreated:Get',
    );
    expect(() => validateConfigurations([configuration({ kind: 'topic' })])).toThrow(/not a valid sns ARN/);
    // S3 sends to standard queues and topics only.
    expect(() => validateConfigurations([configuration({ arn: `${QUEUE}.fifo` })])).toThrow(
      /^Unable to validate the following destination configurations/,
    );
  });
});

describe('S3Service notifications to queues, topics and functions', () => {
  it('sends the event message S3 documents (Records[0], eventVersion 2.1, the key URL-encoded) to a matching queue', async () => {
    const targets = recording();
    const clock = new ManualClock(Date.parse('2026-01-02T03:04:05.678Z'));
    const s3 = service(tempDataDir(), targets, clock);
    s3.declare([{ name: 'uploads', eventBridge: false, configurations: [configuration({ id: 'testConfigRule', prefix: 'photos/' })] }]);
    await s3.flushNotifications();
    targets.sent.length = 0;
    s3.PutObject({ Bucket: 'uploads', Key: 'photos/Happy Face.jpg', Body: Buffer.from('x'.repeat(1024)) }, context);
    s3.PutObject({ Bucket: 'uploads', Key: 'elsewhere.jpg', Body: Buffer.from('not notified') }, context);
    await s3.flushNotifications();
    expect(targets.sent.map((s) => s.arn)).toEqual([QUEUE]);
    const stored = s3.HeadObject({ Bucket: 'uploads', Key: 'photos/Happy Face.jpg' });
    // AWS's example (Event message structure), with this request's values.
    expect(JSON.parse(targets.sent[0]?.message.body ?? '')).toEqual({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: '2026-01-02T03:04:05.678Z',
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: `AWS:${ACCOUNT}` },
          requestParameters: { sourceIPAddress: '172.16.0.1' },
          responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': Buffer.from('C3D13FE58DE4C810').toString('base64') },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'testConfigRule',
            bucket: { name: 'uploads', ownerIdentity: { principalId: ACCOUNT }, arn: 'arn:aws:s3:::uploads' },
            object: { key: 'photos/Happy+Face.jpg', size: 1024, eTag: stored.etag, sequencer: stored.sequencer },
          },
        },
      ],
    });
  });

  it('names each operation as S3 does, and gives a deletion neither size nor eTag', async () => {
    const targets = recording();
    const s3 = service(tempDataDir(), targets);
    s3.declare([
      {
        name: 'uploads',
        eventBridge: false,
        configurations: [
          configuration({ id: 'created', kind: 'function', arn: FUNCTION }),
          configuration({ id: 'removed', events: ['s3:ObjectRemoved:*'] }),
        ],
      },
    ]);
    await s3.flushNotifications();
    targets.sent.length = 0;
    s3.PutObject({ Bucket: 'uploads', Key: 'a', Body: Buffer.from('a') }, context);
    s3.CopyObject({ Bucket: 'uploads', Key: 'b', SourceBucket: 'uploads', SourceKey: 'a' }, context);
    const { UploadId } = s3.CreateMultipartUpload({ Bucket: 'uploads', Key: 'c' });
    const { ETag } = s3.UploadPart({ Bucket: 'uploads', Key: 'c', UploadId, PartNumber: 1, Body: Buffer.from('c') });
    s3.CompleteMultipartUpload({ Bucket: 'uploads', Key: 'c', UploadId, Parts: [{ PartNumber: 1, ETag }] }, context);
    s3.DeleteObject({ Bucket: 'uploads', Key: 'a' }, context);
    await s3.flushNotifications();
    expect(records(targets.sent).map((r) => [r.eventName, r.s3.configurationId, r.s3.object.key])).toEqual([
      ['ObjectCreated:Put', 'created', 'a'],
      ['ObjectCreated:Copy', 'created', 'b'],
      ['ObjectCreated:CompleteMultipartUpload', 'created', 'c'],
      ['ObjectRemoved:Delete', 'removed', 'a'],
    ]);
    expect(records(targets.sent)[3].s3.object).toEqual({ key: 'a', sequencer: expect.stringMatching(/^[0-9a-f]{16}$/) });
    // Lambda is invoked asynchronously with the message as its event.
    expect(targets.sent[0]?.message.lambda).toEqual({ invocationType: 'Event', event: JSON.parse(targets.sent[0]?.message.body ?? '') });
  });

  it("notifies tag changes (eventVersion 2.3, key and eTag only) and every key DeleteObjects names, as AWS's recorded answers show", async () => {
    const targets = recording();
    const s3 = service(tempDataDir(), targets);
    s3.declare([
      {
        name: 'uploads',
        eventBridge: false,
        configurations: [
          configuration({ id: 'tags', events: ['s3:ObjectTagging:*'] }),
          configuration({ id: 'removed', events: ['s3:ObjectRemoved:*'] }),
        ],
      },
    ]);
    s3.PutObject({ Bucket: 'uploads', Key: 'a', Body: Buffer.from('a') }, context);
    await s3.flushNotifications();
    targets.sent.length = 0;
    s3.PutObjectTagging({ Bucket: 'uploads', Key: 'a', Tags: [{ Key: 'k', Value: 'v' }] }, context);
    s3.DeleteObjectTagging({ Bucket: 'uploads', Key: 'a' }, context);
    s3.DeleteObject({ Bucket: 'uploads', Key: 'never-written' }, context);
    s3.DeleteObject({ Bucket: 'uploads', Key: 'never-written-either' }, context, { fromDeleteObjects: true });
    await s3.flushNotifications();
    const etag = s3.HeadObject({ Bucket: 'uploads', Key: 'a' }).etag;
    expect(records(targets.sent).map((r) => [r.eventVersion, r.eventName, r.s3.configurationId, r.s3.object])).toEqual([
      ['2.3', 'ObjectTagging:Put', 'tags', { key: 'a', eTag: etag }],
      ['2.3', 'ObjectTagging:Delete', 'tags', { key: 'a', eTag: etag }],
      ['2.1', 'ObjectRemoved:Delete', 'removed', { key: 'never-written-either', sequencer: expect.stringMatching(/^[0-9a-f]{16}$/) }],
    ]);
  });

  it('sends a test event to each queue and topic (not function) when a configuration is set, and again only when it changes', async () => {
    const targets = recording();
    const dir = tempDataDir();
    const bucket = {
      name: 'uploads',
      eventBridge: false,
      configurations: [
        configuration({ id: 'q' }),
        configuration({ id: 't', kind: 'topic', arn: TOPIC, events: ['s3:ObjectRemoved:*'] }),
        configuration({ id: 'f', kind: 'function', arn: FUNCTION, events: ['s3:ObjectRemoved:*'], prefix: 'x/' }),
      ],
    };
    const logs: string[] = [];
    s3ServiceIn(dir, { clock: new ManualClock(), targets, log: (line) => logs.push(line) }).declare([bucket]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(targets.sent.map((s) => s.arn)).toEqual([QUEUE, TOPIC]);
    // Said, since a consumer reading Records fails on it before anything is uploaded.
    expect(logs).toEqual([
      `uploads: sends s3:TestEvent (no Records) to ${QUEUE}, ${TOPIC}, as S3 does when a notification configuration is set`,
    ]);
    expect(JSON.parse(targets.sent[1]?.message.body ?? '')).toEqual({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: expect.any(String),
      Bucket: 'uploads',
      RequestId: expect.stringMatching(/^[0-9A-F]{16}$/),
      HostId: expect.any(String),
    });
    expect(targets.sent[1]?.message.sns).toEqual({ Subject: 'Amazon S3 Notification' });
    // The same template at the next start is not a new configuration.
    const again = recording();
    await service(dir, again).flushNotifications();
    logs.length = 0;
    s3ServiceIn(dir, { clock: new ManualClock(), targets: again, log: (line) => logs.push(line) }).declare([bucket]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(again.sent).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('delivers, after a restart, a notification accepted before a crash', async () => {
    const dir = tempDataDir();
    // The process dies with the send in flight: the destination never answers.
    const crashed: S3NotificationTargets = { send: () => new Promise(() => {}) };
    const first = service(dir, crashed);
    first.declare([{ name: 'uploads', eventBridge: false, configurations: [configuration({ id: 'q' })] }]);
    first.PutObject({ Bucket: 'uploads', Key: 'kept.txt', Body: Buffer.from('k') }, context);

    const targets = recording();
    const second = service(dir, targets);
    second.declare([{ name: 'uploads', eventBridge: false, configurations: [configuration({ id: 'q' })] }]);
    await second.flushNotifications();
    const sentRecords = records(targets.sent).filter((r) => r !== undefined);
    expect(sentRecords.map((r) => [r.eventName, r.s3.object.key])).toEqual([['ObjectCreated:Put', 'kept.txt']]);
    // Sent once: the next start has nothing left.
    const third = recording();
    await service(dir, third).flushNotifications();
    expect(third.sent).toEqual([]);
  });

  it('keeps a notification the destination refused, and sends it at the next flush', async () => {
    const logs: string[] = [];
    let down = true;
    const sent: string[] = [];
    const targets: S3NotificationTargets = {
      send: async (arn) => {
        if (down) throw new Error('queue unavailable');
        sent.push(arn);
        return { service: 'sqs', answer: {} };
      },
    };
    const s3 = s3ServiceIn(tempDataDir(), { targets, log: (line) => logs.push(line) });
    s3.declare([{ name: 'uploads', eventBridge: false, configurations: [configuration({ id: 'q' })] }]);
    await s3.flushNotifications();
    expect(logs.some((line) => line.includes('queue unavailable'))).toBe(true);
    down = false;
    await s3.flushNotifications();
    expect(sent).toEqual([QUEUE]);
  });
});

describe('S3 PutBucketNotificationConfiguration and GetBucketNotificationConfiguration', () => {
  it('keep the queue, topic and function configurations, which the SDK reads back as sent', async () => {
    const targets = recording();
    const client = sdkOn(service(tempDataDir(), targets));
    await client.send(new CreateBucketCommand({ Bucket: 'made-later' }));
    const NotificationConfiguration = {
      TopicConfigurations: [
        {
          Id: 'to-topic',
          TopicArn: TOPIC,
          Events: ['s3:ObjectRemoved:*' as const],
          Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'in/' }] } },
        },
      ],
      QueueConfigurations: [
        {
          Id: 'to-queue',
          QueueArn: QUEUE,
          Events: ['s3:ObjectCreated:Put' as const, 's3:ObjectCreated:Copy' as const],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix' as const, Value: 'in/' },
                { Name: 'suffix' as const, Value: '.csv' },
              ],
            },
          },
        },
      ],
      LambdaFunctionConfigurations: [{ Id: 'to-function', LambdaFunctionArn: FUNCTION, Events: ['s3:ObjectCreated:Post' as const] }],
      EventBridgeConfiguration: {},
    };
    await client.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'made-later', NotificationConfiguration }));
    const { $metadata, ...read } = await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'made-later' }));
    // S3 answers with the rule names capitalized.
    expect(read).toEqual(
      JSON.parse(
        JSON.stringify(NotificationConfiguration)
          .replace(/"prefix"/g, '"Prefix"')
          .replace(/"suffix"/g, '"Suffix"'),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(targets.sent.map((s) => [s.arn, JSON.parse(s.message.body).Event])).toEqual([
      [TOPIC, 's3:TestEvent'],
      [QUEUE, 's3:TestEvent'],
    ]);

    targets.sent.length = 0;
    await client.send(new PutObjectCommand({ Bucket: 'made-later', Key: 'in/rows.csv', Body: 'a,b' }));
    await client.send(new CopyObjectCommand({ Bucket: 'made-later', Key: 'out/rows.csv', CopySource: 'made-later/in/rows.csv' }));
    await client.send(new DeleteObjectCommand({ Bucket: 'made-later', Key: 'in/rows.csv' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(records(targets.sent).map((r) => [r.s3.configurationId, r.eventName, r.s3.object.key])).toEqual([
      ['to-queue', 'ObjectCreated:Put', 'in/rows.csv'],
      ['to-topic', 'ObjectRemoved:Delete', 'in/rows.csv'],
    ]);
    // Each record carries the request id the SDK saw.
    expect(records(targets.sent)[0].responseElements['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);

    await client.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'made-later', NotificationConfiguration: {} }));
    const { $metadata: _, ...cleared } = await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'made-later' }));
    expect(cleared).toEqual({});
  });

  it('fails if two configurations overlap, with InvalidArgument, keeping the configuration it had', async () => {
    const client = sdkOn(service(tempDataDir(), recording()));
    await client.send(new CreateBucketCommand({ Bucket: 'made-later' }));
    const put = client.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'made-later',
        NotificationConfiguration: {
          QueueConfigurations: [
            { QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] },
            { QueueArn: QUEUE, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }] } } },
          ],
        },
      }),
    );
    await expect(put).rejects.toMatchObject({
      name: 'InvalidArgument',
      message: 'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
      $metadata: { httpStatusCode: 400 },
    });
    const { $metadata, ...read } = await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'made-later' }));
    expect(read).toEqual({});
  });

  it("fails if a destination is no ARN, or (unless SkipDestinationValidation) does not exist, naming each as AWS's recorded answers do", async () => {
    const missing = `arn:aws:sqs:us-east-1:${ACCOUNT}:missing-queue`;
    const s3 = s3ServiceIn(tempDataDir(), {
      clock: new ManualClock(),
      targets: recording(),
      destinationProblem: async (c) => (c.arn === QUEUE ? undefined : 'The destination queue does not exist'),
    });
    const client = sdkOn(s3);
    await client.send(new CreateBucketCommand({ Bucket: 'made-later' }));
    const put = (arns: string[], SkipDestinationValidation?: boolean) =>
      client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'made-later',
          ...(SkipDestinationValidation === undefined ? {} : { SkipDestinationValidation }),
          NotificationConfiguration: {
            QueueConfigurations: arns.map((QueueArn, i) => ({
              Id: `c${i}`,
              QueueArn,
              Events: [i === 0 ? 's3:ObjectCreated:*' : 's3:ObjectRemoved:*'],
            })),
          },
        }),
      );
    await expect(put(['invalid-queue'], true)).rejects.toMatchObject({
      name: 'InvalidArgument',
      message: 'The ARN could not be parsed',
      ArgumentName: 'Queue',
      ArgumentValue: 'invalid-queue',
    });
    await expect(put([missing, QUEUE])).rejects.toMatchObject({
      name: 'InvalidArgument',
      message: 'Unable to validate the following destination configurations',
      ArgumentName1: missing,
      ArgumentValue1: 'The destination queue does not exist',
    });
    await put([missing], true);
    const read = await client.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'made-later' }));
    expect(read.QueueConfigurations?.map((c) => c.QueueArn)).toEqual([missing]);
  });

  it('fails if the runtime gave S3 no dispatcher, with NotImplemented, for queue, topic and function configurations', async () => {
    const client = sdkOn(service(tempDataDir()));
    await client.send(new CreateBucketCommand({ Bucket: 'made-later' }));
    const put = client.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'made-later',
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
    await expect(put).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
  });
});
