import { ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileLanded, fileIdOf } from '../../../domain/index.js';
import { synthFileTriggerApp } from '../../fixtures/file-trigger-app.js';
import { synthesizedIn } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';

const landed: { 'detail-type': string; source: string; detail: Record<string, unknown> }[] = [];
const app = restartableRuntime({
  assembly: () => synthesizedIn(synthFileTriggerApp),
  ownsAssembly: true,
  timeoutMs: 120_000,
  clients: (runtime) => ({ s3: s3Client(runtime.url), sqs: new SQSClient(sdkConfig(runtime.url)) }),
});
let bucket: string;
beforeAll(async () => {
  const { Buckets = [] } = await app.s3.send(new ListBucketsCommand({}));
  bucket = Buckets.map((b) => b.Name as string).find((name) => name.includes('uploadsbucket')) as string;
});

async function fileLanded(key: string): Promise<(typeof landed)[number]> {
  return eventually(async () => {
    const { Messages = [] } = await app.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: `${app.runtime.url}/000000000000/landed-files`, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    landed.push(...Messages.map((m) => JSON.parse(m.Body ?? '{}')));
    return landed.find((event) => event.detail.key === key);
  }, 20_000);
}

describe('FileTrigger on the local runtime', () => {
  it('loads the bucket and its EventBridge notifications, naming only the access logs and lifecycle rules as not run', () => {
    expect(bucket).toBeDefined();
    expect(app.runtime.warnings.filter((w) => /S3|Bucket/.test(w)).sort()).toEqual([
      expect.stringMatching(/^Files\/UploadsAccessLogs\w+ \(AWS::S3::Bucket\): lifecycle rules are not run locally/),
      expect.stringMatching(/^Files\/UploadsBucket\w+ \(AWS::S3::Bucket\): server access logs are not written locally/),
    ]);
  });

  it('turns an object put under the prefix into FileLanded on the hub, which a rule delivers to a queue', async () => {
    const put = await app.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/invoice 7.pdf', Body: 'a pdf' }));
    const event = await fileLanded('incoming/invoice 7.pdf');
    expect(event.source).toBe(FileLanded.source);
    expect(event['detail-type']).toBe(FileLanded.detailType);
    expect(FileLanded.validate(event.detail).ok).toBe(true);
    expect(event.detail).toMatchObject({
      trigger: 'uploads',
      bucket,
      key: 'incoming/invoice 7.pdf',
      size: 5,
      etag: put.ETag?.replace(/"/g, ''),
      reason: 'PutObject',
    });
    expect(event.detail.fileId).toBe(fileIdOf({ bucket, key: 'incoming/invoice 7.pdf', sequencer: event.detail.sequencer as string }));
  });

  it('gives a second upload of the same key a new fileId', async () => {
    await app.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/again.txt', Body: '1' }));
    const first = await fileLanded('incoming/again.txt');
    await app.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/again.txt', Body: '2' }));
    const second = await eventually(async () => {
      await fileLanded('incoming/again.txt');
      const both = landed.filter((event) => event.detail.key === 'incoming/again.txt');
      return both.length >= 2 ? both[1] : undefined;
    }, 20_000);
    expect(second?.detail.fileId).not.toBe(first.detail.fileId);
  });

  it('publishes nothing for an object outside the prefix', async () => {
    await app.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere/skip.txt', Body: 'x' }));
    await app.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/marker.txt', Body: 'x' }));
    await fileLanded('incoming/marker.txt');
    expect(landed.some((event) => event.detail.key === 'elsewhere/skip.txt')).toBe(false);
  });
});
