import { LambdaClient } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { drained, functionLog, only, onlyFunctionName, queueUrl, runApp } from './helpers.js';

// test/fixtures/s3-sns-sqs-lambda-app.ts: uploads under incoming/ notify a topic (through CDK's
// Custom::S3BucketNotifications), a queue subscribed to it buffers them, a function consumes the
// queue and logs each key.
let s3: S3Client;
let sqs: SQSClient;
let lambda: LambdaClient;

const app = runApp('s3-sns-sqs-lambda', async (running) => {
  s3 = new S3Client({ ...running.config, forcePathStyle: true });
  sqs = new SQSClient(running.config);
  lambda = new LambdaClient(running.config);
});

async function bucket(): Promise<string> {
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  return only(
    Buckets.map((b) => b.Name ?? ''),
    'uploads',
  );
}

async function logged(text: string): Promise<string> {
  const name = await onlyFunctionName(lambda, 'Consumer');
  return eventually(
    async () => {
      const log = functionLog(app().logs, name);
      return log.includes(text) ? log : undefined;
    },
    20_000,
    `the consumer to log ${text}`,
  );
}

describe('s3-sns-sqs-lambda (S3 -> SNS -> SQS -> Lambda)', () => {
  it("applies the bucket's topic notification from CDK's custom resource, with no start-up warning about it", () => {
    // SNS's own line about its notifications' stand-in signatures is not about the bucket.
    const aboutTheBucket = (w: string) => !w.startsWith('SNS:') && /S3BucketNotifications|AWS::S3::Bucket|notification/i.test(w);
    expect(app().runtime.warnings.filter(aboutTheBucket)).toEqual([]);
  });

  it('sends the s3:TestEvent S3 sends when the configuration is set, through the topic and queue to the function', async () => {
    await logged(`test event for bucket ${await bucket()}`);
  });

  it('brings an upload under incoming/ to the function, and nothing for a key outside the filter', async () => {
    const name = await bucket();
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'elsewhere/skipped.txt', Body: 'not notified' }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: 'incoming/photo 1.jpg', Body: 'a photo' }));
    const log = await logged(`ObjectCreated:Put ${name}/incoming/photo 1.jpg (7 bytes)`);
    await drained(sqs, await queueUrl(sqs, 'UploadQueue'));
    expect(log).not.toContain('skipped.txt');
  });
});
