import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Endpoint } from '../../../local/endpoint/server.js';
import { SnsQueryProtocol } from '../../../local/sns/query-protocol.js';
import { SqsQueryProtocol } from '../../../local/sqs/query-protocol.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  reusedSocket: boolean;
}

let endpoint: Endpoint;
let url: URL;
const received: unknown[] = [];

/** One request over a raw socket, so that the answer's exact shape (status, headers, body) is seen as sent. */
function send(options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: Agent }) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = (operation: string, body: string) => ({
  headers: { 'x-amz-target': `AWSEvents.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
  body,
});

const form = (fields: string, authorization?: string) => ({
  headers: {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    ...(authorization ? { authorization } : {}),
  },
  body: fields,
});

const snsSignature = 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00';

beforeAll(async () => {
  endpoint = new Endpoint({ port: 0 });
  url = new URL(await endpoint.start());
  endpoint.mount({
    jsonServices: [
      {
        targetPrefix: 'AWSEvents',
        jsonVersion: '1.1',
        operations: {
          PutEvents: async (input: unknown) => {
            received.push(input);
            return { FailedEntryCount: 0, Entries: [] };
          },
        },
      },
    ],
    // Neither service is reached: every request here fails before an action runs.
    queryServices: [
      new SqsQueryProtocol({} as never),
      new SnsQueryProtocol({} as never),
      // Answers the parameters it was given, in the order it read them.
      { handles: (action) => action === 'Echo', handle: async (form) => ({ status: 200, body: form.toString() }) },
    ],
  });
});

afterAll(async () => {
  await endpoint.stop();
});

describe('Endpoint', () => {
  it('fails if the body is over the limit with 413 in the JSON shape, and the keep-alive socket answers the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const tooLarge = await send({ ...json('PutEvents', `{"x":"${'a'.repeat(21 * 1024 * 1024)}"}`), agent });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(JSON.parse(tooLarge.body)).toMatchObject({ __type: 'RequestEntityTooLarge', message: expect.stringContaining('bytes') });

      const next = await send({ ...json('PutEvents', '{"Entries":[]}'), agent });
      expect(next.status).toBe(200);
      expect(next.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('fails if a query request is over the limit with 413 in the XML shape', async () => {
    const answer = await send(form(`Action=SendMessage&MessageBody=${'a'.repeat(21 * 1024 * 1024)}`));
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('<Code>RequestEntityTooLarge</Code>');
    expect(answer.body).toContain('<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">');
  });

  it.each(['/%E0%A4%A', '/%zz', '/2015-03-31/functions/%ff/invocations'])(
    'fails if the path %s has broken percent-encoding, with 400',
    async (path) => {
      const answer = await send({ path, ...json('PutEvents', '{}') });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ __type: 'InvalidURI' });

      const query = await send({ path, ...form('Action=ListQueues') });
      expect(query.status).toBe(400);
      expect(query.body).toMatch(/<Error><Type>Sender<\/Type><Code>InvalidURI<\/Code><Message>[^<]+<\/Message>/);
    },
  );

  it('fails if no local service answers the request with UnknownOperationException, naming the service its signature is for', async () => {
    const unserved = await send({
      path: '/PutVectors',
      headers: {
        'content-type': 'application/json',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3vectors/aws4_request, SignedHeaders=host, Signature=00',
      },
      body: '{}',
    });
    expect(unserved.status).toBe(400);
    expect(JSON.parse(unserved.body)).toMatchObject({
      __type: 'UnknownOperationException',
      message: 'no local service answers POST /PutVectors (a request signed for s3vectors, a service the local runtime does not run)',
    });
  });

  it('fails if a query request has no Action, with SQS MissingAction in XML and a request id', async () => {
    const answer = await send(form('Version=2012-11-05&QueueName=q'));
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('text/xml');
    expect(answer.body).toMatch(
      /^<\?xml version="1.0"\?><ErrorResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><Error><Type>Sender<\/Type><Code>MissingAction<\/Code><Message>[^<]+<\/Message><Detail\/><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    expect(answer.body).toContain(`<RequestId>${answer.headers['x-amzn-requestid']}</RequestId>`);
  });

  it('fails if a query request has an unknown Action, with InvalidAction in XML', async () => {
    const answer = await send(form('Action=SendMessages&Version=2012-11-05'));
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>InvalidAction</Code>');
    expect(answer.body).toContain('SendMessages');
    expect(answer.body).toContain('xmlns="http://queue.amazonaws.com/doc/2012-11-05/"');
  });

  it('fails if an SNS-signed query request has an unknown Action, with InvalidAction in SNS XML', async () => {
    const answer = await send(form('Action=Publishh&Version=2010-03-31', snsSignature));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(
      /<ErrorResponse xmlns="http:\/\/sns.amazonaws.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/,
    );
    expect(answer.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fails if a GET query request has an unknown Action, in XML', async () => {
    const answer = await send({ method: 'GET', path: '/?Action=Nope' });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>InvalidAction</Code>');
  });

  it("reads a POST's Action and parameters from its query string beside a form body's, the body's first, as an API Gateway action URI sends them", async () => {
    const merged = await send({ path: '/?Action=Echo&Topic=t&Message=from-query', ...form('Message=from-body&Other=1') });
    expect([merged.status, merged.body]).toEqual([200, 'Message=from-body&Other=1&Action=Echo&Topic=t']);
    // A JSON body is not a form: only the query string is read.
    const jsonBody = await send({ path: '/?Action=Echo&Topic=t', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect([jsonBody.status, jsonBody.body]).toEqual([200, 'Action=Echo&Topic=t']);
  });

  it("fails if a POST query request has an unknown Action in its query string, in the signing service's XML", async () => {
    const answer = await send({
      path: '/?Action=Publishh',
      headers: { 'content-type': 'application/json', authorization: snsSignature },
      body: '{}',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatch(
      /<ErrorResponse xmlns="http:\/\/sns.amazonaws.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/,
    );
  });

  it.each([
    ['5', 'a number'],
    ['[]', 'an array'],
    ['"x"', 'a string'],
    ['true', 'a boolean'],
  ])('fails if a JSON request body is %s, with SerializationException before the operation runs', async (body, got) => {
    received.length = 0;
    const answer = await send(json('PutEvents', body));
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(answer.body)).toStrictEqual({
      __type: 'SerializationException',
      message: `request body must be a JSON object (the PutEvents request), not ${got}`,
      Message: `request body must be a JSON object (the PutEvents request), not ${got}`,
    });
    expect(received).toStrictEqual([]);
  });

  it.each(['', 'null'])('passes a body of %j to the operation as an empty structure', async (body) => {
    received.length = 0;
    const answer = await send(json('PutEvents', body));
    expect(answer.status).toBe(200);
    expect(received).toStrictEqual([{}]);
  });
});
