import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cbor } from '@smithy/core/cbor';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeV2Client } from '../../../lambdas/kit/eventbridgev2-client.js';

const credentials = async () => ({ accessKeyId: 'test', secretAccessKey: 'test' });
const BUS = 'arn:aws:events:us-east-1:000000000000:event-busv2/orders/abcdefghijklmnopqrstuvwxy';

/** A stand-in endpoint answering each request with the next of `answers` (status and a CBOR body), recording what it was sent. */
function endpoint(answers: readonly (readonly [number, unknown])[]) {
  const requests: { path: string; headers: Record<string, unknown>; body: unknown }[] = [];
  let next = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ path: request.url ?? '', headers: request.headers, body: cbor.deserialize(Buffer.concat(chunks)) });
      const [status, body] = answers[Math.min(next++, answers.length - 1)] ?? [500, {}];
      response.writeHead(status, { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' });
      response.end(Buffer.from(cbor.serialize(body)));
    });
  });
  return new Promise<{ url: string; requests: typeof requests; server: Server }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server })),
  );
}

let open: Server | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

describe('EventBridgeV2Client', () => {
  it('sends PutEvents as Smithy RPC v2 CBOR, signed for the events signing name', async () => {
    const stub = await endpoint([[200, { FailedEntryCount: 0, Entries: [{ EventId: 'e-1', SuccessCode: 'PUBLISHED' }] }]]);
    open = stub.server;
    const client = new EventBridgeV2Client({ endpoint: stub.url, region: 'us-east-1', credentials, env: {} });
    const output = await client.putEvents({ EventBusArn: BUS, Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' }] });
    expect(output.Entries).toEqual([{ EventId: 'e-1', SuccessCode: 'PUBLISHED' }]);
    const [request] = stub.requests;
    expect(request?.path).toBe('/service/AWSEventsV2/operation/PutEvents');
    expect(request?.headers).toMatchObject({ 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' });
    expect(String(request?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/events\/aws4_request/);
    expect(request?.body).toEqual({ EventBusArn: BUS, Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' }] });
  });

  it('fails with the error named by the CBOR answer’s __type, without the suffix a server may add', async () => {
    const refusal = { __type: 'com.amazonaws.eventbridgev2#InvalidInputException:Sender', Message: 'Entries has more than 100 items' };
    const stub = await endpoint([[400, refusal]]);
    open = stub.server;
    const client = new EventBridgeV2Client({ endpoint: stub.url, region: 'us-east-1', credentials, env: {} });
    await expect(client.putEvents({ EventBusArn: BUS, Entries: [] })).rejects.toMatchObject({
      name: 'InvalidInputException',
      status: 400,
      message: 'PutEvents: InvalidInputException: Entries has more than 100 items',
    });
    expect(stub.requests).toHaveLength(1);
  });

  it('sends a throttled call again, and fails after its last attempt with ThrottlingException', async () => {
    const throttled = [429, { __type: 'com.amazonaws.eventbridgev2#ThrottlingException', Message: 'Rate exceeded' }] as const;
    const stub = await endpoint([throttled, [200, { Entries: [] }]]);
    open = stub.server;
    const client = new EventBridgeV2Client({ endpoint: stub.url, region: 'us-east-1', credentials, env: {} });
    await expect(client.putEvents({ EventBusArn: BUS, Entries: [] })).resolves.toEqual({ Entries: [] });
    const always = await endpoint([throttled]);
    open.close();
    open = always.server;
    const patient = new EventBridgeV2Client({ endpoint: always.url, region: 'us-east-1', credentials, env: {}, maxAttempts: 2 });
    await expect(patient.putEvents({ EventBusArn: BUS, Entries: [] })).rejects.toMatchObject({ name: 'ThrottlingException', status: 429 });
    expect(always.requests).toHaveLength(2);
  });

  it('finds its endpoint as the SDKs do: the service variable, then AWS_ENDPOINT_URL, then the regional endpoint', () => {
    const env = { AWS_REGION: 'eu-west-1' };
    expect(new EventBridgeV2Client({ credentials, env }).endpoint.href).toBe('https://eventsv2.eu-west-1.amazonaws.com/');
    expect(new EventBridgeV2Client({ credentials, env: { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' } }).endpoint.href).toBe(
      'http://127.0.0.1:4566/',
    );
    const both = { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_EVENTBRIDGEV2: 'http://127.0.0.1:9000' };
    expect(new EventBridgeV2Client({ credentials, env: both }).endpoint.href).toBe('http://127.0.0.1:9000/');
  });

  it('fails if no region is configured, saying what to set', () => {
    expect(() => new EventBridgeV2Client({ credentials, env: {} })).toThrow(
      'the Custom Event Bus client needs a region: set AWS_REGION (Lambda sets it) or pass `region`',
    );
  });
});
