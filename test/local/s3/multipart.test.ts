import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { eventually } from '../helpers.js';
import { useS3App } from './s3-app.js';

let runtime: LocalRuntime;
let s3: S3Client;
let sqs: SQSClient;
const MiB = 1024 * 1024;

useS3App((app) => {
  ({ runtime, s3, sqs } = app);
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error.name;
    throw error;
  }
  return 'no error';
}

async function upload(Key: string, parts: Buffer[]): Promise<{ UploadId: string; etags: string[] }> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key, ContentType: 'text/plain' }));
  const etags: string[] = [];
  for (const [index, Body] of parts.entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: 'uploads', Key, UploadId, PartNumber: index + 1, Body }));
    etags.push(ETag as string);
  }
  return { UploadId: UploadId as string, etags };
}

/** Completes upload `UploadId` of `Key` with these parts (ETags by part number). */
const complete = (Key: string, UploadId: string, Parts: { ETag: string; PartNumber: number }[]) =>
  s3.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key, UploadId, MultipartUpload: { Parts } }));

describe('multipart uploads on the local S3', () => {
  it("assembles the parts into one object with S3's multipart ETag and notifies CompleteMultipartUpload", async () => {
    const parts = [Buffer.alloc(5 * MiB, 'a'), Buffer.from('the end')];
    const { UploadId, etags } = await upload('big/file.txt', parts);
    const done = await complete(
      'big/file.txt',
      UploadId,
      etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })),
    );
    const digests = Buffer.concat(parts.map((part) => createHash('md5').update(part).digest()));
    expect(done.ETag).toBe(`"${createHash('md5').update(digests).digest('hex')}-2"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'big/file.txt' }));
    const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(body.equals(Buffer.concat(parts))).toBe(true);
    expect(got.ContentType).toBe('text/plain');

    const event = await eventually(async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: `${runtime.url}/000000000000/s3-events`, MaxNumberOfMessages: 10 }),
      );
      return Messages.map((m) => JSON.parse(m.Body ?? '{}')).find((e) => e.detail.object.key === 'big/file.txt');
    });
    expect(event.detail).toMatchObject({
      reason: 'CompleteMultipartUpload',
      object: { size: 5 * MiB + 7, etag: done.ETag?.replace(/"/g, '') },
    });
  });

  it('fails if a part other than the last is under 5 MiB (EntityTooSmall)', async () => {
    const { UploadId, etags } = await upload('small-parts.txt', [Buffer.from('a'), Buffer.from('b')]);
    const parts = etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 }));
    expect(await errorName(complete('small-parts.txt', UploadId, parts))).toBe('EntityTooSmall');
  });

  it('fails if a listed part was not uploaded or has another ETag (InvalidPart)', async () => {
    const { UploadId } = await upload('wrong-part.txt', [Buffer.from('a')]);
    const parts = [{ ETag: '"00000000000000000000000000000000"', PartNumber: 1 }];
    expect(await errorName(complete('wrong-part.txt', UploadId, parts))).toBe('InvalidPart');
  });

  it('fails with NoSuchUpload once an upload is aborted', async () => {
    const { UploadId } = await upload('aborted.txt', [Buffer.from('a')]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'aborted.txt', UploadId }));
    expect(
      await errorName(s3.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'aborted.txt', UploadId, PartNumber: 2, Body: 'b' }))),
    ).toBe('NoSuchUpload');
  });
});
