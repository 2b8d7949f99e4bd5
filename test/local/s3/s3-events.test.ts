import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { eventually } from '../helpers.js';
import { useS3App } from './s3-app.js';

let runtime: LocalRuntime;
let s3: S3Client;
let sqs: SQSClient;
const received: Record<string, unknown>[] = [];

useS3App((app) => {
  ({ runtime, s3, sqs } = app);
});

/** The first `aws.s3` event the default bus's rule delivered that matches. */
async function s3Event(match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const queueUrl = `${runtime.url}/000000000000/s3-events`;
  return eventually(async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    received.push(...Messages.map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>));
    return received.find(match);
  });
}

const about = (type: string, key: string) => (event: Record<string, unknown>) =>
  event['detail-type'] === type && (event.detail as { object: { key: string } }).object.key === key;

describe('S3 EventBridge notifications on the local runtime', () => {
  it('puts Object Created on the default bus in the shape AWS documents', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'in/report.pdf', Body: 'pdf bytes' }));
    const event = await s3Event(about('Object Created', 'in/report.pdf'));
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::uploads'],
      detail: {
        version: '0',
        bucket: { name: 'uploads' },
        object: { key: 'in/report.pdf', size: 9, etag: put.ETag?.replace(/"/g, '') },
        requester: '000000000000',
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    });
    const detail = event.detail as { object: { sequencer: string }; 'request-id': string };
    expect(detail.object.sequencer).toMatch(/^[0-9a-f]{16}$/);
    expect(detail['request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('gives a later write of the same key a greater sequencer', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'seq.txt', Body: '1' }));
    const first = await s3Event(about('Object Created', 'seq.txt'));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'seq.txt', Body: '22' }));
    const second = await s3Event((e) => about('Object Created', 'seq.txt')(e) && e !== first);
    const sequencer = (e: Record<string, unknown>) => (e.detail as { object: { sequencer: string } }).object.sequencer;
    expect(sequencer(second) > sequencer(first)).toBe(true);
  });

  it('puts Object Deleted with deletion-type Permanently Deleted', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'delete-me.txt', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'delete-me.txt' }));
    const event = await s3Event(about('Object Deleted', 'delete-me.txt'));
    expect(event.detail).toMatchObject({ reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted', bucket: { name: 'uploads' } });
    expect(Object.keys((event.detail as { object: Record<string, unknown> }).object).sort()).toEqual(['key', 'sequencer']);
  });

  it('sends nothing for a bucket without EventBridge notifications', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'silent.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'after-silent.txt', Body: 'x' }));
    await s3Event(about('Object Created', 'after-silent.txt'));
    expect(received.some(about('Object Created', 'silent.txt'))).toBe(false);
  });

  it('turns EventBridge notifications on for a bucket created through the API with PutBucketNotificationConfiguration', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'made-later' }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({ Bucket: 'made-later', NotificationConfiguration: { EventBridgeConfiguration: {} } }),
    );
    const configuration = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'made-later' }));
    expect(configuration.EventBridgeConfiguration).toEqual({});
    await s3.send(new PutObjectCommand({ Bucket: 'made-later', Key: 'later.txt', Body: 'x' }));
    const event = await s3Event(about('Object Created', 'later.txt'));
    expect(event.resources).toEqual(['arn:aws:s3:::made-later']);
  });

  it('decodes a streamed upload sent aws-chunked with a checksum trailer', async () => {
    const text = 'streamed '.repeat(10_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'uploads',
        Key: 'streamed.txt',
        Body: Readable.from([Buffer.from(text)]),
        ContentLength: text.length,
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'streamed.txt', ChecksumMode: 'ENABLED' }));
    expect(await got.Body?.transformToString()).toBe(text);
    expect(got.ChecksumCRC32).toBeDefined();
    const event = await s3Event(about('Object Created', 'streamed.txt'));
    expect((event.detail as { object: { size: number } }).object.size).toBe(text.length);
  });
});
