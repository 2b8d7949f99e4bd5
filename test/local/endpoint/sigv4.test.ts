import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../../local/endpoint/sigv4.js';
import { Sha256 } from '../sha256.js';

const KEY = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'right-secret' };
const SECRETS = new Map([[KEY.accessKeyId, KEY.secretAccessKey]]);
const SIGNED_AT = new Date('2026-11-22T12:00:00Z');
const minutes = (n: number) => new Date(SIGNED_AT.getTime() + n * 60_000);

/** The SDK's own signer, the one every v3 client uses. */
const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials: KEY, sha256: Sha256 });

function request(overrides: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Acaller/invocations',
    query: { Qualifier: '$LATEST', tag: ['b a', 'a/b'] },
    headers: { host: '127.0.0.1:4566', 'content-type': 'application/json', 'x-amz-user-agent': 'test' },
    body: '{"x":1}',
    ...overrides,
  } as HttpRequest;
}

/** The request as the endpoint receives it: lower-case headers, the URL as sent. */
function received(signed: HttpRequest, body = String(signed.body ?? '')) {
  const query = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(String(v))}`),
    )
    .join('&');
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: signed.method, url: query ? `${signed.path}?${query}` : signed.path, headers, body: Buffer.from(body) };
}

describe('verifySignature', () => {
  it("accepts what the SDK's signer signs: encoded path, repeated and spaced query values", async () => {
    const signed = await signer.sign(request(), { signingDate: SIGNED_AT });
    expect(await verifySignature(received(signed), SECRETS, minutes(1))).toBeUndefined();
  });

  it('fails if the body changed after signing', async () => {
    const signed = await signer.sign(request(), { signingDate: SIGNED_AT });
    expect(await verifySignature(received(signed, '{"x":2}'), SECRETS, minutes(1))).toMatchObject({ kind: 'mismatch' });
  });

  it('fails if a signed header or the query changed after signing', async () => {
    const signed = await signer.sign(request(), { signingDate: SIGNED_AT });
    const tampered = received(signed);
    expect(await verifySignature({ ...tampered, url: tampered.url.replace('LATEST', 'OTHER') }, SECRETS, minutes(1))).toMatchObject({
      kind: 'mismatch',
      message: expect.stringContaining('The request signature we calculated does not match'),
    });
    expect(
      await verifySignature({ ...tampered, headers: { ...tampered.headers, host: 'localhost:4566' } }, SECRETS, minutes(1)),
    ).toMatchObject({
      kind: 'mismatch',
    });
  });

  it('fails if the secret is another one, or the key is unknown', async () => {
    const signed = await signer.sign(request(), { signingDate: SIGNED_AT });
    expect(await verifySignature(received(signed), new Map([[KEY.accessKeyId, 'other']]), minutes(1))).toMatchObject({ kind: 'mismatch' });
    expect(await verifySignature(received(signed), new Map([['AKIDOTHER', KEY.secretAccessKey]]), minutes(1))).toEqual({
      kind: 'unknownKey',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('fails if the signature is more than 5 minutes old or ahead of the clock, with AWS message', async () => {
    const signed = received(await signer.sign(request(), { signingDate: SIGNED_AT }));
    expect(await verifySignature(signed, SECRETS, minutes(4.9))).toBeUndefined();
    expect(await verifySignature(signed, SECRETS, minutes(6))).toEqual({
      kind: 'expired',
      message: 'Signature expired: 20261122T120000Z is now earlier than 20261122T120100Z (20261122T120600Z - 5 min.)',
    });
    expect(await verifySignature(signed, SECRETS, minutes(-6))).toEqual({
      kind: 'expired',
      message: 'Signature not yet current: 20261122T120000Z is still later than 20261122T115900Z (20261122T115400Z + 5 min.)',
    });
  });

  it('accepts UNSIGNED-PAYLOAD as signed, and fails if x-amz-content-sha256 is not the body hash', async () => {
    const unsigned = await signer.sign(request({ headers: { ...request().headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }), {
      signingDate: SIGNED_AT,
    });
    expect(await verifySignature(received(unsigned, 'any body'), SECRETS, minutes(1))).toBeUndefined();
    const declared = await signer.sign(request({ headers: { ...request().headers, 'x-amz-content-sha256': 'a'.repeat(64) } }), {
      signingDate: SIGNED_AT,
    });
    expect(await verifySignature(received(declared), SECRETS, minutes(1))).toMatchObject({
      kind: 'mismatch',
      message: expect.stringContaining('x-amz-content-sha256'),
    });
  });

  it('accepts a presigned URL until X-Amz-Expires, and fails after', async () => {
    const presigned = await signer.presign(request({ method: 'GET', body: undefined }), { signingDate: SIGNED_AT, expiresIn: 600 });
    const asReceived = {
      ...received(presigned, ''),
      headers: { host: '127.0.0.1:4566', 'content-type': 'application/json', 'x-amz-user-agent': 'test' },
    };
    expect(await verifySignature(asReceived, SECRETS, minutes(9))).toBeUndefined();
    expect(await verifySignature(asReceived, SECRETS, minutes(11))).toMatchObject({ kind: 'expired' });
    expect(
      await verifySignature({ ...asReceived, url: asReceived.url.replace('Qualifier=', 'Qualifier=x') }, SECRETS, minutes(1)),
    ).toMatchObject({
      kind: 'mismatch',
    });
  });

  it('fails if there is no signature, or a malformed one', async () => {
    const base = { method: 'POST', url: '/', headers: { host: '127.0.0.1:4566' }, body: Buffer.alloc(0) };
    expect(await verifySignature(base, SECRETS)).toEqual({ kind: 'missing', message: 'Missing Authentication Token' });
    const noSignature = {
      ...base,
      headers: {
        ...base.headers,
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20261122/us-east-1/sqs/aws4_request, SignedHeaders=host',
      },
    };
    expect(await verifySignature(noSignature, SECRETS)).toMatchObject({
      kind: 'incomplete',
      message: expect.stringContaining("Authorization header requires 'Signature' parameter."),
    });
    const v2 = { ...base, headers: { ...base.headers, authorization: 'AWS AKIDLOCALTEST:abc' } };
    expect(await verifySignature(v2, SECRETS)).toMatchObject({ kind: 'incomplete' });
  });
});
