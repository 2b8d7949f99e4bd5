import { request } from 'node:http';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { credentials, region } from '../helpers.js';
import { useS3App } from './s3-app.js';

let runtime: LocalRuntime;
let s3: S3Client;
let port: number;

useS3App((app) => {
  ({ runtime, s3 } = app);
  port = Number(new URL(runtime.url).port);
});

/** An unsigned request to the endpoint with the given Host header. */
function send(method: string, host: string, path: string, body?: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `${host}:${port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('how the endpoint tells S3 requests from the others', () => {
  it('serves virtual-host style requests to <bucket>.s3.localhost', async () => {
    expect((await send('PUT', 'uploads.s3.localhost', '/virtual/host.txt', 'by host')).status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'virtual/host.txt' }));
    expect(await got.Body?.transformToString()).toBe('by host');
    expect((await send('GET', 'uploads.s3.localhost', '/virtual/host.txt')).text).toBe('by host');
  });

  it('lists buckets for an unsigned GET / to s3.localhost, but leaves an unsigned GET / to 127.0.0.1 alone', async () => {
    const listing = await send('GET', 's3.localhost', '/');
    expect(listing.text).toContain('<ListAllMyBucketsResult');
    const other = await send('GET', '127.0.0.1', '/');
    expect(other.text).not.toContain('<ListAllMyBucketsResult');
  });

  it("keeps Lambda's paths for Lambda, even with a bucket named like Lambda's API version", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: '2015-03-31' }));
    await s3.send(new PutObjectCommand({ Bucket: '2015-03-31', Key: 'functions/x', Body: 'not a function' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: '2015-03-31', Key: 'functions/x' }));
    expect(await got.Body?.transformToString()).toBe('not a function');
    const lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    const { Functions } = await lambda.send(new ListFunctionsCommand({}));
    expect(Functions).toEqual([]);
    lambda.destroy();
  });
});
