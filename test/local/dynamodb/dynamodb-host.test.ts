import { Agent, request } from 'node:http';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DynamoDbHost } from '../../../local/dynamodb/dynamodb-host.js';
import { profilerFlags } from '../../../local/dynamodb/engine-thread.js';
import { Endpoint } from '../../../local/endpoint/server.js';
import { tableNames, tempDataDir } from '../helpers.js';

function post(url: string, body: string, agent?: Agent) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; reusedSocket: boolean }>((resolve, reject) => {
    const req = request(
      `${url}/`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          'x-amz-date': '20200101T000000Z',
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('DynamoDbHost', () => {
  it('answers as soon as start resolves', async () => {
    const host = await DynamoDbHost.start({ folder: tempDataDir() });
    try {
      expect(await tableNames(host.url)).toEqual([]);
    } finally {
      await host.stop();
    }
  });

  it('names each answer with a request id of its own, as DynamoDB does (x-amzn-RequestId: SDKs read it into $metadata.requestId)', async () => {
    const host = await DynamoDbHost.start();
    const endpoint = new Endpoint({ port: 0 });
    const url = await endpoint.start();
    endpoint.mount({ jsonServices: [], passthrough: new Map([['DynamoDB_20120810', host.handler]]) });
    try {
      const ids = [(await post(url, '{}')).headers['x-amzn-requestid'], (await post(url, '{"Limit":')).headers['x-amzn-requestid']];
      expect(ids).toEqual([expect.stringMatching(/^[A-Z0-9]{52}$/), expect.stringMatching(/^[A-Z0-9]{52}$/)]);
      expect(ids[0]).not.toBe(ids[1]);
    } finally {
      await endpoint.stop();
      await host.stop();
    }
  });

  it.each([
    ['not JSON', '{"Limit":'],
    ['empty', ''],
  ])('fails if the body is %s, with a SerializationException that has a message and a matching CRC32', async (_, body) => {
    const host = await DynamoDbHost.start();
    const endpoint = new Endpoint({ port: 0 });
    const url = await endpoint.start();
    endpoint.mount({ jsonServices: [], passthrough: new Map([['DynamoDB_20120810', host.handler]]) });
    try {
      const answer = await post(url, body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({
        __type: 'com.amazon.coral.service#SerializationException',
        Message: expect.stringContaining('not valid JSON'),
      });
      expect(answer.headers['x-amz-crc32']).toBe(String(crc32(answer.body)));
      expect(answer.headers['content-length']).toBe(String(answer.body.length));
    } finally {
      await endpoint.stop();
      await host.stop();
    }
  });

  it("asks IAM again for a PartiQL statement on another table, instead of reusing the first statement's allowance", async () => {
    const host = await DynamoDbHost.start({ iam: true });
    const asked: string[] = [];
    host.serve(async (request) => {
      const statement = String((JSON.parse(String((request as { body: string }).body)) as { Statement: string }).Statement);
      asked.push(statement);
      return statement.includes('secrets') ? { denied: 'not authorized to perform: dynamodb:PartiQLSelect' } : { allowed: true };
    });
    const send = (Statement: string) =>
      fetch(`${host.url}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ExecuteStatement',
          authorization:
            'AWS4-HMAC-SHA256 Credential=ASIAAAAAAAAAAAAAAAAA/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: JSON.stringify({ Statement }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { __type?: string } }));
    try {
      expect((await send('SELECT * FROM orders')).body.__type).toMatch(/ResourceNotFoundException$/);
      expect((await send('SELECT * FROM orders')).body.__type).toMatch(/ResourceNotFoundException$/);
      expect((await send('SELECT * FROM secrets')).body.__type).toMatch(/AccessDeniedException$/);
      expect(asked).toEqual(['SELECT * FROM orders', 'SELECT * FROM secrets']);
    } finally {
      await host.stop();
    }
  });

  it('fails if the body is over 16 MiB with 413 and a JSON error, and the keep-alive socket answers the next request', async () => {
    const host = await DynamoDbHost.start();
    const endpoint = new Endpoint({ port: 0 });
    const url = await endpoint.start();
    endpoint.mount({ jsonServices: [], passthrough: new Map([['DynamoDB_20120810', host.handler]]) });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answer = await post(url, `{"x":"${'a'.repeat(17 * 1024 * 1024)}"}`, agent);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({
        __type: 'com.amazon.coral.service#RequestEntityTooLarge',
        message: expect.stringContaining('16 MiB'),
      });
      expect(answer.headers['x-amz-crc32']).toBe(String(crc32(answer.body)));
      const next = await post(url, '{}', agent);
      expect(next.status).toBe(200);
      expect(next.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
      await endpoint.stop();
      await host.stop();
    }
  });
});

describe('profilerFlags', () => {
  it("hands the engine's thread the runtime's --cpu-prof flags and no other", () => {
    const flags = ['--import', 'tsx', '--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--max-old-space-size=512', '--cpu-prof-interval=500'];
    expect(profilerFlags(flags)).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--cpu-prof-interval=500']);
  });
});
