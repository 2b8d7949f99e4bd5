import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { credentials, region } from '../helpers.js';
import { errorOf } from './fixture.js';
import { useS3App } from './s3-app.js';

let runtime: LocalRuntime;
let s3: S3Client;

useS3App((app) => {
  ({ runtime, s3 } = app);
});

describe('the local S3 through @aws-sdk/client-s3', () => {
  it('lists the template buckets, a generated name among them', async () => {
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    const names = Buckets.map((b) => b.Name);
    expect(names).toContain('uploads');
    expect(names).toContain('quiet-bucket');
    expect(names).toContain('files-unnamed');
    await s3.send(new HeadBucketCommand({ Bucket: 'uploads' }));
  });

  it('puts and gets an object with its ETag, metadata and content type, checksums as the SDK sends them by default', async () => {
    const body = 'hello, bucket';
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'quiet-bucket',
        Key: 'docs/hello.txt',
        Body: body,
        ContentType: 'text/plain',
        Metadata: { owner: 'sam' },
      }),
    );
    const md5 = createHash('md5').update(body).digest('hex');
    expect(put.ETag).toBe(`"${md5}"`);
    // S3 encrypts every new object with SSE-S3 and says so.
    expect(put.ServerSideEncryption).toBe('AES256');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'quiet-bucket', Key: 'docs/hello.txt', ChecksumMode: 'ENABLED' }));
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ETag).toBe(`"${md5}"`);
    expect(got.ContentType).toBe('text/plain');
    expect(got.ContentLength).toBe(body.length);
    expect(got.Metadata).toEqual({ owner: 'sam' });
    expect(got.ServerSideEncryption).toBe('AES256');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'quiet-bucket', Key: 'docs/hello.txt' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(`"${md5}"`);
    expect(head.ServerSideEncryption).toBe('AES256');
  });

  it('gives an object sent without a checksum a full-object CRC64NVME, which the SDK validates on GetObject', async () => {
    const plain = new S3Client({
      endpoint: runtime.url,
      region,
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    await plain.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'no-checksum.txt', Body: 'no checksum sent' }));
    const got = await plain.send(new GetObjectCommand({ Bucket: 'quiet-bucket', Key: 'no-checksum.txt', ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC64NVME).toMatch(/^[A-Za-z0-9+/]{11}=$/);
    expect(got.ChecksumType).toBe('FULL_OBJECT');
    expect(await got.Body?.transformToString()).toBe('no checksum sent');
    plain.destroy();
  });

  it('serves a byte range', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'range.txt', Body: '0123456789' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'quiet-bucket', Key: 'range.txt', Range: 'bytes=2-4' }));
    expect(await got.Body?.transformToString()).toBe('234');
    expect(got.ContentRange).toBe('bytes 2-4/10');
  });

  it('keeps keys with spaces, plus signs, unicode and slashes exactly', async () => {
    const keys = ['a b+c.txt', 'ü/ñ €.bin', 'deep/er/key', '100%.txt'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key, Body: Key }));
    for (const Key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'quiet-bucket', Key }));
      expect(await got.Body?.transformToString()).toBe(Key);
    }
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'quiet-bucket' }));
    for (const key of keys) expect(Contents.map((c) => c.Key)).toContain(key);
  });

  it('lists with a prefix, a delimiter, max-keys, continuation tokens and start-after', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a/1', 'a/2', 'b/1', 'c', 'd', 'e/f/g'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key, Body: 'x' }));

    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['c', 'd']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/', 'e/']);
    expect(top.KeyCount).toBe(5);

    const under = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/' }));
    expect(under.Contents?.map((c) => c.Key)).toEqual(['a/1', 'a/2']);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key as string), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string));
      expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(2);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(seen.sort()).toEqual(['a/', 'b/', 'c', 'd', 'e/']);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/1' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['c', 'd', 'e/f/g']);
  });

  it('pages ListObjects (version 1) by NextMarker, common prefixes included', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing-v1' }));
    for (const Key of ['a/1', 'a/2', 'b', 'c/1', 'd']) await s3.send(new PutObjectCommand({ Bucket: 'listing-v1', Key, Body: 'x' }));
    const seen: string[] = [];
    let Marker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectsCommand({ Bucket: 'listing-v1', Delimiter: '/', MaxKeys: 2, Marker }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key as string), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix as string));
      if (!page.IsTruncated) break;
      Marker = page.NextMarker;
    }
    expect(seen.sort()).toEqual(['a/', 'b', 'c/', 'd']);
  });

  it('deletes several objects with DeleteObjects', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'bulk-delete' }));
    for (const Key of ['x/1', 'x/2', 'y']) await s3.send(new PutObjectCommand({ Bucket: 'bulk-delete', Key, Body: 'x' }));
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'bulk-delete', Delete: { Objects: [{ Key: 'x/1' }, { Key: 'x/2' }, { Key: 'never' }] } }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['x/1', 'x/2', 'never']);
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'bulk-delete' }));
    expect(Contents.map((c) => c.Key)).toEqual(['y']);
  });

  it('copies an object with its metadata', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'source.txt', Body: 'copy me', Metadata: { a: '1' } }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'listing', Key: 'copied.txt', CopySource: 'quiet-bucket/source.txt' }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${createHash('md5').update('copy me').digest('hex')}"`);
    expect(copy.ServerSideEncryption).toBe('AES256');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'listing', Key: 'copied.txt' }));
    expect(await got.Body?.transformToString()).toBe('copy me');
    expect(got.Metadata).toEqual({ a: '1' });
  });

  it('deletes an object, and a delete of a missing key succeeds as on S3', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'gone.txt', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'quiet-bucket', Key: 'gone.txt' }));
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: 'quiet-bucket', Key: 'gone.txt' })))).name).toBe('NoSuchKey');
    await s3.send(new DeleteObjectCommand({ Bucket: 'quiet-bucket', Key: 'never-was.txt' }));
  });

  it('fails with NoSuchBucket, NoSuchKey and NotFound (HEAD) in the shapes the SDK reads', async () => {
    const bucket = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })));
    expect(bucket.name).toBe('NoSuchBucket');
    expect(bucket.$metadata.httpStatusCode).toBe(404);
    const key = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'missing' })));
    expect(key.name).toBe('NoSuchKey');
    const head = await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'missing' })));
    expect(head.name).toBe('NotFound');
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it('fails if a bucket name breaks the naming rules (InvalidBucketName)', async () => {
    const error = await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'Not_Valid' })));
    expect(error.name).toBe('InvalidBucketName');
  });

  it('fails if Content-MD5 does not match the body (BadDigest)', async () => {
    const wrong = createHash('md5').update('something else').digest('base64');
    const error = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'md5.txt', Body: 'body', ContentMD5: wrong })));
    expect(error.name).toBe('BadDigest');
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'quiet-bucket', Key: 'md5.txt' })))).name).toBe('NotFound');
  });

  it('fails if an additional checksum does not match the body (BadDigest), and stores nothing', async () => {
    const error = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'crc.txt', Body: 'body', ChecksumCRC32: 'AAAAAA==' })),
    );
    expect(error.name).toBe('BadDigest');
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'quiet-bucket', Key: 'crc.txt' })))).name).toBe('NotFound');
  });

  it('fails if one PutObject is over the endpoint body limit of 20 MiB (EntityTooLarge, in S3 XML)', async () => {
    const error = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'huge.bin', Body: Buffer.alloc(21 * 1024 * 1024) })),
    );
    expect(error.name).toBe('EntityTooLarge');
  });

  it('accepts a conditional create once (If-None-Match: *) and refuses the second with PreconditionFailed', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'once.txt', Body: '1', IfNoneMatch: '*' }));
    const error = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'quiet-bucket', Key: 'once.txt', Body: '2', IfNoneMatch: '*' })));
    expect(error.name).toBe('PreconditionFailed');
  });

  it('fails with NotImplemented, naming it, for an operation the local S3 does not serve', async () => {
    const response = await fetch(`${runtime.url}/uploads?versioning`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x' },
    });
    expect(response.status).toBe(501);
    // Named as the API names it, from S3's model: the route `GET /{Bucket}?versioning` is GetBucketVersioning.
    expect(await response.text()).toMatch(
      /<Code>NotImplemented<\/Code><Message>GetBucketVersioning is not served by the local S3.<\/Message>/,
    );
  });
});
