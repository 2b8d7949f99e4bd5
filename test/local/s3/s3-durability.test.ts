import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import type { S3EventPublisher, S3Service } from '../../../local/s3/s3-service.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { s3Assembly, s3ServiceIn } from './fixture.js';

const context = { requestId: 'REQUEST', sourceIp: '127.0.0.1' };

const service = (dir: string, events?: S3EventPublisher): S3Service => s3ServiceIn(dir, { events });

describe('S3Service durability', () => {
  it('keeps buckets and objects across a restart of the runtime', async () => {
    const cdkOut = s3Assembly();
    const dataDir = tempDataDir();
    const config = { endpoint: '', region, credentials, forcePathStyle: true, maxAttempts: 1 };
    let runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, log: () => {} });
    let s3 = new S3Client({ ...config, endpoint: runtime.url });
    await s3.send(new CreateBucketCommand({ Bucket: 'made-at-run-time' }));
    await s3.send(new PutObjectCommand({ Bucket: 'made-at-run-time', Key: 'kept.txt', Body: 'still here' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'kept.txt', Body: 'v1' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'kept.txt', Body: 'v2' }));
    // The replaced object's file is removed as soon as the new one is committed.
    expect(readdirSync(path.join(dataDir, 's3'))).toHaveLength(2);
    s3.destroy();
    await runtime.stop();

    runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, log: () => {} });
    s3 = new S3Client({ ...config, endpoint: runtime.url });
    try {
      const first = await s3.send(new GetObjectCommand({ Bucket: 'made-at-run-time', Key: 'kept.txt' }));
      expect(await first.Body?.transformToString()).toBe('still here');
      const second = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'kept.txt' }));
      expect(await second.Body?.transformToString()).toBe('v2');
      expect(readdirSync(path.join(dataDir, 's3'))).toHaveLength(2);
    } finally {
      s3.destroy();
      await runtime.stop();
    }
  });

  it('publishes a notification the bus refused once it can, after a restart', () => {
    const dir = tempDataDir();
    const down: S3EventPublisher = {
      putServiceEvent: () => {
        throw new Error('bus down');
      },
    };
    const first = service(dir, down);
    first.declare([{ name: 'uploads', eventBridge: true }]);
    first.PutObject({ Bucket: 'uploads', Key: 'a.txt', Body: Buffer.from('a') }, context);

    const published: { bus: string; event: { 'detail-type': string; detail: { object: { key: string } } } }[] = [];
    const second = service(dir, { putServiceEvent: (bus, event) => published.push({ bus, event: event as never }) });
    second.declare([{ name: 'uploads', eventBridge: true }]);
    expect(published.map((p) => [p.bus, p.event['detail-type'], p.event.detail.object.key])).toEqual([
      ['default', 'Object Created', 'a.txt'],
    ]);
    // Published once: a third start has nothing left to send.
    const third: unknown[] = [];
    service(dir, { putServiceEvent: (_, event) => third.push(event) }).declare([]);
    expect(third).toEqual([]);
  });

  it('keeps a multipart upload and its parts across a restart, and completes it after', () => {
    const dir = tempDataDir();
    const first = service(dir);
    first.declare([{ name: 'uploads', eventBridge: false }]);
    const { UploadId } = first.CreateMultipartUpload({ Bucket: 'uploads', Key: 'big.bin' });
    const { ETag } = first.UploadPart({ Bucket: 'uploads', Key: 'big.bin', UploadId, PartNumber: 1, Body: Buffer.from('only part') });
    const restarted = service(dir);
    restarted.CompleteMultipartUpload({ Bucket: 'uploads', Key: 'big.bin', UploadId, Parts: [{ PartNumber: 1, ETag }] }, context);
    expect(restarted.GetObject({ Bucket: 'uploads', Key: 'big.bin' }).body.toString()).toBe('only part');
    // The part's file went with the upload; only the object's remains.
    expect(readdirSync(path.join(dir, 'objects'))).toHaveLength(1);
  });

  it('removes, at start, object files that no committed object points at', () => {
    const dir = tempDataDir();
    const s3 = service(dir);
    s3.declare([{ name: 'uploads', eventBridge: false }]);
    s3.PutObject({ Bucket: 'uploads', Key: 'a.txt', Body: Buffer.from('a') }, context);
    // What a crash between writing the file and committing the row leaves behind.
    writeFileSync(path.join(dir, 'objects', 'orphan'), 'x');
    writeFileSync(path.join(dir, 'objects', 'half-written.tmp'), 'x');
    const restarted = service(dir);
    expect(existsSync(path.join(dir, 'objects', 'orphan'))).toBe(false);
    expect(existsSync(path.join(dir, 'objects', 'half-written.tmp'))).toBe(false);
    expect(restarted.GetObject({ Bucket: 'uploads', Key: 'a.txt' }).body.toString()).toBe('a');
  });
});
