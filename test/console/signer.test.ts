import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveCredentials } from '../../console/src/credentials.js';
import { presignedUrl, signedHeaders } from '../../console/src/signer.js';
import { verifySignature } from '../../local/endpoint/sigv4.js';

/** What the browser gives the page: its origin and a sessionStorage. */
const page = globalThis as unknown as { location?: unknown; sessionStorage?: unknown };
const secrets = new Map([['AKIDCONSOLE', 'console-secret']]);

beforeEach(() => {
  const items = new Map<string, string>();
  page.location = { protocol: 'http:', hostname: '127.0.0.1', port: '4566', host: '127.0.0.1:4566' };
  page.sessionStorage = {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => items.set(k, v),
    removeItem: (k: string) => items.delete(k),
  };
  saveCredentials({ accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'console-secret', region: 'us-east-1' });
});
afterEach(() => {
  delete page.location;
  delete page.sessionStorage;
});

describe("the console's signer", () => {
  it('signs a JSON-protocol POST as the endpoint verifies it', async () => {
    const body = JSON.stringify({ maxResults: 10 });
    const headers = await signedHeaders(
      'states',
      { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
      body,
    );
    const request = { method: 'POST', url: '/', headers: { ...headers, host: '127.0.0.1:4566' }, body: Buffer.from(body) };
    expect(await verifySignature(request, secrets)).toBeUndefined();
    // The body is covered: another body fails.
    expect((await verifySignature({ ...request, body: Buffer.from('{}') }, secrets))?.kind).toBe('mismatch');
  });

  it('presigns a read API URL (what an EventSource connects with) as the endpoint verifies it', async () => {
    const url = await presignedUrl('/_switchyard/v1/events', { bus: 'Switchyard-hub', detailType: 'Ticket Created & Co=1' }, 60);
    expect(url).toMatch(/^\/_switchyard\/v1\/events\?.*X-Amz-Signature=/);
    const request = { method: 'GET', url, headers: { host: '127.0.0.1:4566' }, body: Buffer.alloc(0) };
    expect(await verifySignature(request, secrets)).toBeUndefined();
    expect((await verifySignature({ ...request, url: url.replace('Switchyard-hub', 'other') }, secrets))?.kind).toBe('mismatch');
  });

  it('fails verification with a secret the endpoint does not know', async () => {
    saveCredentials({ accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'wrong', region: 'us-east-1' });
    const headers = await signedHeaders(
      'sqs',
      { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
      '{}',
    );
    const problem = await verifySignature(
      { method: 'POST', url: '/', headers: { ...headers, host: '127.0.0.1:4566' }, body: Buffer.from('{}') },
      secrets,
    );
    expect(problem?.kind).toBe('mismatch');
  });
});
