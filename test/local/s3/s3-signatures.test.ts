import { GetObjectCommand, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { region, tempDataDir } from '../helpers.js';
import { s3Assembly } from './fixture.js';

const configured = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' };
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    cdkOut: s3Assembly(),
    dataDir: tempDataDir(),
    port: 0,
    log: () => {},
    verifySignatures: { credentials: [configured] },
  });
});
afterAll(async () => {
  await runtime?.stop();
});

function client(credentials = configured): S3Client {
  return new S3Client({ endpoint: runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
}

describe('the local S3 with signatures verified', () => {
  it('accepts S3 signatures, whose path is encoded once, for keys with spaces, plus signs and unicode', async () => {
    const s3 = client();
    for (const Key of ['plain.txt', 'a b+c/ü €.txt', 'semi;colon=equals&.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key, Body: Key }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key }));
      expect(await got.Body?.transformToString()).toBe(Key);
    }
    s3.destroy();
  });

  it('fails if the secret is wrong (SignatureDoesNotMatch)', async () => {
    const s3 = client({ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'wrong' });
    const error = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'plain.txt' })).catch((e: S3ServiceException) => e);
    expect((error as S3ServiceException).name).toBe('SignatureDoesNotMatch');
    s3.destroy();
  });
});
