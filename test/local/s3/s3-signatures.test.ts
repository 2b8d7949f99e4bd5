import { type BinaryLike, createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { region } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { s3Assembly } from './fixture.js';

/** The signer's hash interface over node:crypto (HMAC when given a key). */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: unknown) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as BinaryLike);
  }
  update(data: unknown): void {
    this.#hash.update(data as BinaryLike);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
}

const configured = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' };
const local = restartableRuntime({
  assembly: s3Assembly,
  ownsAssembly: true,
  options: { verifySignatures: { credentials: [configured] } },
});

function client(credentials = configured): S3Client {
  return new S3Client({ endpoint: local.runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
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

  it('serves a presigned GET URL, and refuses it once its signature is altered', async () => {
    const s3 = client();
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'shared file.txt', Body: 'presigned' }));
    s3.destroy();
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const signer = new SignatureV4({ service: 's3', region, credentials: configured, sha256: Sha256, uriEscapePath: false });
    const { host, port } = new URL(local.runtime.url);
    const signed = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: host.split(':')[0] as string,
        port: Number(port),
        path: '/uploads/shared%20file.txt',
        headers: { host },
        query: {},
      },
      { expiresIn: 60 },
    );
    const query = new URLSearchParams(signed.query as Record<string, string>).toString();
    const response = await fetch(`${local.runtime.url}${signed.path}?${query}`);
    expect(await response.text()).toBe('presigned');
    const tampered = await fetch(
      `${local.runtime.url}${signed.path}?${query.replace(/X-Amz-Signature=([0-9a-f])/, (_, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`)}`,
    );
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('fails if the secret is wrong (SignatureDoesNotMatch)', async () => {
    const s3 = client({ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'wrong' });
    const error = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'plain.txt' })).catch((e: S3ServiceException) => e);
    expect((error as S3ServiceException).name).toBe('SignatureDoesNotMatch');
    s3.destroy();
  });
});
