import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import type { S3Service } from '../../../local/s3/s3-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { tempDataDir } from '../helpers.js';
import { errorOf, s3ServiceIn } from './fixture.js';
import { useS3App } from './s3-app.js';

let runtime: LocalRuntime;
let s3: S3Client;
const Bucket = 'quiet-bucket';

useS3App((app) => {
  ({ runtime, s3 } = app);
});

async function tagsOf(Key: string): Promise<Tag[]> {
  const { TagSet = [] } = await s3.send(new GetObjectTaggingCommand({ Bucket, Key }));
  return TagSet;
}

async function tagCounts(Key: string): Promise<[number | undefined, number | undefined]> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
  await got.Body?.transformToString();
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
  return [got.TagCount, head.TagCount];
}

describe('object tagging on the local S3 through @aws-sdk/client-s3', () => {
  it('keeps the tags PutObject sends (x-amz-tagging) and counts them on GetObject and HeadObject', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'tagged.txt', Body: 'x', Tagging: 'team=blue&note=a%20b%26c&empty=' }));
    expect(await tagsOf('tagged.txt')).toEqual([
      { Key: 'team', Value: 'blue' },
      { Key: 'note', Value: 'a b&c' },
      { Key: 'empty', Value: '' },
    ]);
    expect(await tagCounts('tagged.txt')).toEqual([3, 3]);
  });

  it('sends no tag count, and an empty tag set, for an object without tags', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'plain.txt', Body: 'x' }));
    expect(await tagsOf('plain.txt')).toEqual([]);
    expect(await tagCounts('plain.txt')).toEqual([undefined, undefined]);
  });

  it('replaces the tag set with PutObjectTagging and removes it with DeleteObjectTagging, leaving the object as it was', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'retag.txt', Body: 'body', Tagging: 'old=1' }));
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket,
        Key: 'retag.txt',
        Tagging: {
          TagSet: [
            { Key: 'stage', Value: 'done <&>' },
            { Key: 'ünïcødé', Value: '' },
          ],
        },
      }),
    );
    expect(await tagsOf('retag.txt')).toEqual([
      { Key: 'stage', Value: 'done <&>' },
      { Key: 'ünïcødé', Value: '' },
    ]);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'retag.txt' }));
    expect(await got.Body?.transformToString()).toBe('body');
    expect([got.ETag, got.TagCount]).toEqual([put.ETag, 2]);

    const deleted = await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'retag.txt' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf('retag.txt')).toEqual([]);
    expect(await tagCounts('retag.txt')).toEqual([undefined, undefined]);
  });

  it('answers GetObjectTagging in the S3 namespace, as the other XML answers', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'xml.txt', Body: 'x', Tagging: 'a=1' }));
    const response = await fetch(`${runtime.url}/${Bucket}/xml.txt?tagging`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x' },
    });
    expect(await response.text()).toContain(
      '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>',
    );
  });

  it("copies the source's tags by default (COPY) and takes x-amz-tagging instead with REPLACE", async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'source.txt', Body: 'x', Tagging: 'from=source' }));
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'copied.txt', CopySource: `${Bucket}/source.txt` }));
    expect(await tagsOf('copied.txt')).toEqual([{ Key: 'from', Value: 'source' }]);
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'copied-explicitly.txt', CopySource: `${Bucket}/source.txt`, TaggingDirective: 'COPY' }),
    );
    expect(await tagsOf('copied-explicitly.txt')).toEqual([{ Key: 'from', Value: 'source' }]);
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'replaced.txt',
        CopySource: `${Bucket}/source.txt`,
        TaggingDirective: 'REPLACE',
        Tagging: 'from=copy',
      }),
    );
    expect(await tagsOf('replaced.txt')).toEqual([{ Key: 'from', Value: 'copy' }]);
    await s3.send(new CopyObjectCommand({ Bucket, Key: 'untagged.txt', CopySource: `${Bucket}/source.txt`, TaggingDirective: 'REPLACE' }));
    expect(await tagsOf('untagged.txt')).toEqual([]);
  });

  it("gives a multipart upload's object the tags CreateMultipartUpload was sent", async () => {
    const Key = 'multipart.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, Tagging: 'kind=upload&parts=1' }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'only part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect(await tagsOf(Key)).toEqual([
      { Key: 'kind', Value: 'upload' },
      { Key: 'parts', Value: '1' },
    ]);
    expect(await tagCounts(Key)).toEqual([2, 2]);
  });

  it('fails if an object is given 11 tags (InvalidTag), on PutObject and PutObjectTagging, and stores nothing', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    const header = eleven.map((tag) => `${tag.Key}=${tag.Value}`).join('&');
    expect((await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'eleven.txt', Body: 'x', Tagging: header })))).name).toBe(
      'InvalidTag',
    );
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'eleven.txt' })))).name).toBe('NotFound');
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'ten.txt',
        Body: 'x',
        Tagging: eleven
          .slice(0, 10)
          .map((t) => `${t.Key}=v`)
          .join('&'),
      }),
    );
    const error = await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'ten.txt', Tagging: { TagSet: eleven } })));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidTag', 400]);
    expect(await tagsOf('ten.txt')).toHaveLength(10);
  });

  it('fails if a tag key is 129 characters long (InvalidTag); 128, and a 256-character value, are taken', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'long.txt', Body: 'x' }));
    const TagSet = [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }];
    await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'long.txt', Tagging: { TagSet } }));
    expect(await tagsOf('long.txt')).toEqual(TagSet);
    const tooLong = [{ Key: 'k'.repeat(129), Value: 'v' }];
    expect((await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'long.txt', Tagging: { TagSet: tooLong } })))).name).toBe(
      'InvalidTag',
    );
    const longValue = [{ Key: 'k', Value: 'v'.repeat(257) }];
    expect((await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'long.txt', Tagging: { TagSet: longValue } })))).name).toBe(
      'InvalidTag',
    );
    expect(await tagsOf('long.txt')).toEqual(TagSet);
  });

  it('fails if a tag key is given twice (InvalidTag), in the header and in the XML', async () => {
    expect((await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: 'twice.txt', Body: 'x', Tagging: 'a=1&a=2' })))).name).toBe(
      'InvalidTag',
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'twice.txt', Body: 'x' }));
    const TagSet = [
      { Key: 'a', Value: '1' },
      { Key: 'a', Value: '2' },
    ];
    expect((await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'twice.txt', Tagging: { TagSet } })))).name).toBe(
      'InvalidTag',
    );
    expect((await errorOf(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'twice.bin', Tagging: 'a=1&a=2' })))).name).toBe(
      'InvalidTag',
    );
  });

  it('fails if the key does not exist (NoSuchKey), for each tagging operation', async () => {
    const Key = 'never-written.txt';
    const errors = [
      await errorOf(s3.send(new GetObjectTaggingCommand({ Bucket, Key }))),
      await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket, Key, Tagging: { TagSet: [{ Key: 'a', Value: '1' }] } }))),
      await errorOf(s3.send(new DeleteObjectTaggingCommand({ Bucket, Key }))),
    ];
    expect(errors.map((error) => [error.name, error.$metadata.httpStatusCode])).toEqual([
      ['NoSuchKey', 404],
      ['NoSuchKey', 404],
      ['NoSuchKey', 404],
    ]);
  });

  it('fails if the tagging body is not a Tagging document (MalformedXML)', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'malformed.txt', Body: 'x' }));
    const response = await fetch(`${runtime.url}/${Bucket}/malformed.txt?tagging`, {
      method: 'PUT',
      body: '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x' },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>MalformedXML</Code>');
  });

  it('still answers NotImplemented for bucket tagging, which it does not serve', async () => {
    const response = await fetch(`${runtime.url}/${Bucket}?tagging`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x' },
    });
    expect(response.status).toBe(501);
  });
});

describe('object tags in the data folder', () => {
  const context = { requestId: 'REQUEST', sourceIp: '127.0.0.1' };
  const service = (dir: string): S3Service => s3ServiceIn(dir);

  it('keeps tags, and an upload’s tags, across a restart', () => {
    const dir = tempDataDir();
    const first = service(dir);
    first.declare([{ name: 'uploads', eventBridge: false }]);
    first.PutObject({ Bucket: 'uploads', Key: 'a.txt', Body: Buffer.from('a'), Tags: [{ Key: 'k', Value: 'v' }] }, context);
    const { UploadId } = first.CreateMultipartUpload({ Bucket: 'uploads', Key: 'b.bin', Tags: [{ Key: 'up', Value: 'load' }] });
    const { ETag } = first.UploadPart({ Bucket: 'uploads', Key: 'b.bin', UploadId, PartNumber: 1, Body: Buffer.from('b') });
    const restarted = service(dir);
    expect(restarted.GetObjectTagging({ Bucket: 'uploads', Key: 'a.txt' }).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    restarted.CompleteMultipartUpload({ Bucket: 'uploads', Key: 'b.bin', UploadId, Parts: [{ PartNumber: 1, ETag }] }, context);
    expect(restarted.GetObjectTagging({ Bucket: 'uploads', Key: 'b.bin' }).Tags).toEqual([{ Key: 'up', Value: 'load' }]);
  });

  it('opens a data folder written before tagging, its objects and uploads without tags', () => {
    const dir = tempDataDir();
    mkdirSync(path.join(dir, 'objects'), { recursive: true });
    const db = openDatabase(path.join(dir, 's3.sqlite'));
    // The tables as the version before tagging made them.
    db.exec(`
      CREATE TABLE s3_bucket (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL, eventbridge INTEGER NOT NULL DEFAULT 0,
        notifications TEXT NOT NULL DEFAULT '[]') WITHOUT ROWID;
      CREATE TABLE s3_object (bucket TEXT NOT NULL, key TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
        last_modified INTEGER NOT NULL, content_type TEXT NOT NULL, headers TEXT NOT NULL, metadata TEXT NOT NULL,
        checksums TEXT NOT NULL, sequencer TEXT NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID;
      CREATE TABLE s3_upload (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, created_at INTEGER NOT NULL,
        content_type TEXT NOT NULL, headers TEXT NOT NULL, metadata TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO s3_bucket (name, created_at) VALUES ('uploads', 0);
      INSERT INTO s3_object VALUES ('uploads', 'old.txt', 'old-file', 3, 'etag', 0, 'text/plain', '{}', '{}', '{}', '0000000000000001');
      INSERT INTO s3_upload VALUES ('old-upload', 'uploads', 'old.bin', 0, 'binary/octet-stream', '{}', '{}');
    `);
    db.close();
    writeFileSync(path.join(dir, 'objects', 'old-file'), 'old');
    const s3 = service(dir);
    expect(s3.GetObject({ Bucket: 'uploads', Key: 'old.txt' }).body.toString()).toBe('old');
    expect(s3.GetObjectTagging({ Bucket: 'uploads', Key: 'old.txt' }).Tags).toEqual([]);
    const { ETag } = s3.UploadPart({ Bucket: 'uploads', Key: 'old.bin', UploadId: 'old-upload', PartNumber: 1, Body: Buffer.from('p') });
    s3.CompleteMultipartUpload({ Bucket: 'uploads', Key: 'old.bin', UploadId: 'old-upload', Parts: [{ PartNumber: 1, ETag }] }, context);
    expect(s3.GetObjectTagging({ Bucket: 'uploads', Key: 'old.bin' }).Tags).toEqual([]);
    s3.PutObjectTagging({ Bucket: 'uploads', Key: 'old.txt', Tags: [{ Key: 'now', Value: 'tagged' }] }, context);
    expect(s3.HeadObject({ Bucket: 'uploads', Key: 'old.txt' }).tags).toEqual([{ Key: 'now', Value: 'tagged' }]);
  });
});
