import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointGuard } from '../../../local/endpoint/guard.js';
import { Endpoint } from '../../../local/endpoint/server.js';
import { raw, sdkConfig } from './clients.js';

const KEY = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'right-secret' };

let endpoint: Endpoint | undefined;

afterEach(async () => {
  await endpoint?.stop();
});

/** An endpoint whose DynamoDB passthrough records what reaches it, as dynalite would get it. */
async function withRecordingPassthrough(guard: EndpointGuard) {
  const reached: { body?: string }[] = [];
  endpoint = new Endpoint({ port: 0, guard });
  const url = await endpoint.start();
  endpoint.mount({
    jsonServices: [],
    passthrough: new Map([
      [
        'DynamoDB_20120810',
        (_req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
          reached.push({ body: body?.toString('utf8') });
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end('{"TableNames":[]}');
        },
      ],
    ]),
  });
  return { url, reached };
}

describe('Endpoint with a guard', () => {
  it('checks the signature before the DynamoDB passthrough: a wrong secret never reaches dynalite, a right one does with its body', async () => {
    const { url, reached } = await withRecordingPassthrough(new EndpointGuard({ credentials: [KEY] }));
    const wrong = new DynamoDBClient(sdkConfig(url, { ...KEY, secretAccessKey: 'wrong' }));
    await expect(wrong.send(new ListTablesCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    expect(reached).toEqual([]);
    const right = new DynamoDBClient(sdkConfig(url, KEY));
    expect((await right.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    expect(reached).toEqual([{ body: '{}' }]);
  });

  it('refuses a foreign Host or Origin before the passthrough', async () => {
    const { url, reached } = await withRecordingPassthrough(new EndpointGuard());
    const headers = { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' };
    expect((await raw(url, { headers: { ...headers, host: 'evil.example' }, body: '{}' })).status).toBe(403);
    expect((await raw(url, { headers: { ...headers, origin: 'https://evil.example' }, body: '{}' })).status).toBe(403);
    expect(reached).toEqual([]);
    expect((await raw(url, { headers, body: '{}' })).status).toBe(200);
    expect(reached).toHaveLength(1);
  });

  it('answers a non-loopback Host it was told to allow, and says so', async () => {
    const guard = new EndpointGuard({ allowHosts: ['devbox.example.com'] });
    const { url } = await withRecordingPassthrough(guard);
    const headers = { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' };
    expect((await raw(url, { headers: { ...headers, host: 'devbox.example.com:4566' }, body: '{}' })).status).toBe(200);
    expect(guard.describe(url).join('\n')).toContain('loopback Host names and devbox.example.com');
  });

  it('says at start-up when it is reachable from other machines, and that anyone there can use it unless signatures are verified', () => {
    const open = new EndpointGuard({ bindAddress: '0.0.0.0' }).describe('http://0.0.0.0:4566').join('\n');
    expect(open).toContain('listens on 0.0.0.0, reachable from other machines');
    expect(open).toContain('anyone who can reach it can use it');
    const signed = new EndpointGuard({ bindAddress: '0.0.0.0', credentials: [KEY] }).describe('http://0.0.0.0:4566').join('\n');
    expect(signed).not.toContain('anyone who can reach it');
    expect(signed).toContain(`signed (SigV4) with access key ${KEY.accessKeyId}`);
  });
});
