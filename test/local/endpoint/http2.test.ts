import { connect } from 'node:http2';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { DEAD_LETTER_QUEUES, RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { raw } from './clients.js';

const runtimes = new RuntimesWithData();
let runtime: LocalRuntime;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A client of `Client` that speaks only HTTP/2 to the endpoint (prior knowledge, as the SDK's HTTP/2 handler does over http://). */
function http2Client<T>(Client: new (config: object) => T): T {
  return new Client({
    endpoint: runtime.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false }),
  });
}

beforeAll(async () => {
  runtime = await runtimes.start(
    assemblyOf({
      ...DEAD_LETTER_QUEUES,
      Orders: tableResource('orders', { key: { id: 'S' } }),
    }),
  );
}, 60_000);
afterAll(() => runtimes.stopAll());

describe('the endpoint over cleartext HTTP/2', () => {
  it('answers an SDK client that speaks only HTTP/2, on the port that answers HTTP/1.1', async () => {
    const sqs = http2Client(SQSClient);
    const QueueUrl = `${runtime.url}/000000000000/work`;
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'over h2' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[sent.MessageId, 'over h2']]);
    sqs.destroy();
    const h1 = await raw(runtime.url, { method: 'GET', path: '/000000000000/work?Action=GetQueueAttributes&AttributeNames.1=QueueArn' });
    expect(h1.status).toBe(200);
  });

  it('answers DynamoDB, whose answers are proxied with HTTP/1.1 connection headers HTTP/2 forbids', async () => {
    const dynamodb = http2Client(DynamoDBClient);
    expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(['orders']);
    dynamodb.destroy();
  });

  it('answers Bedrock Runtime clients, which speak HTTP/2 by default', async () => {
    const bedrock = new BedrockRuntimeClient({ endpoint: runtime.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    const answer = await bedrock.send(
      new ConverseCommand({ modelId: 'amazon.nova-micro-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    expect(answer.stopReason).toBe('end_turn');
    // And in the service's error shape.
    const call = bedrock.send(
      new ConverseCommand({ modelId: 'amazon.nova-micro', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    await expect(call).rejects.toMatchObject({ name: 'ValidationException', message: 'The provided model identifier is invalid.' });
    bedrock.destroy();
  });

  it('serves many streams of one connection at once', async () => {
    const session = connect(runtime.url);
    const answers = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<number>((resolve, reject) => {
            const stream = session.request({ ':method': 'GET', ':path': '/000000000000/work?Action=GetQueueUrl&QueueName=work' });
            stream.on('response', (headers) => resolve(Number(headers[':status'])));
            stream.on('error', reject);
            stream.resume();
            stream.end();
          }),
      ),
    );
    session.close();
    expect(new Set(answers)).toEqual(new Set([200]));
  });

  it('ends HTTP/2 connections when the runtime stops', async () => {
    const other = await runtimes.start(assemblyOf(DEAD_LETTER_QUEUES));
    const session = connect(other.url);
    await new Promise<void>((resolve) => session.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    await other.stop();
    await closed;
  });
});
