import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { assemblyOf } from '../assembly.js';
import { disposableData, eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { httpApi, httpIntegration, httpLambdaIntegration, httpRoute, httpStage, inlineFunction } from '../template-resources.js';

/**
 * A function that answers with the event it got (so the test sees the payload), or, for
 * paths under /answer/, with what the query asks for: a structured response, a bare
 * object, a string, or a failure.
 */
const ECHO = `
exports.handler = async (event) => {
  const q = event.queryStringParameters || {};
  if (!event.rawPath.includes('/answer/')) return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
  if (q.kind === 'structured') return { statusCode: 201, headers: { 'x-one': 'a' }, cookies: ['a=1; Path=/', 'b=2'], body: 'made' };
  if (q.kind === 'binary') return { statusCode: 200, isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64') };
  if (q.kind === 'object') return { hello: 'world' };
  if (q.kind === 'string') return 'just text';
  if (q.kind === 'bad-status') return { statusCode: 'abc' };
  throw new Error('asked to fail');
};
// ${randomUUID()}
`;

const api = (id: string) => ({ 'Fn::GetAtt': [id, 'ApiId'] });
const route = (key: string) => httpRoute(key, 'Integration');

const app = restartableRuntime({
  assembly: () =>
    assemblyOf(
      {
        Fn: inlineFunction(ECHO, { Timeout: 5 }),
        Api: httpApi('web'),
        Integration: httpLambdaIntegration('Fn', { ApiId: api('Api') }),
        PetById: route('GET /pets/{id}'),
        PetDog: route('GET /pets/dog'),
        PetsAny: route('ANY /pets/{proxy+}'),
        Answer: route('GET /answer/{kind}'),
        Post: route('POST /items'),
        AnyItems: route('ANY /items'),
        Default: route('$default'),
        DefaultStage: httpStage('$default', {
          AutoDeploy: true,
          DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
          AccessLogSettings: {
            DestinationArn: { 'Fn::GetAtt': ['AccessLog', 'Arn'] },
            Format:
              '{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status","nope":"$context.unknownThing"}',
          },
        }),
        ProdStage: httpStage('prod', { StageVariables: { color: 'blue' } }),
        AccessLog: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: 'web-access' } },
      },
      'Web',
    ),
  ownsAssembly: true,
});
let port: number;
let apiId: string;
beforeAll(() => {
  port = Number(new URL(app.runtime.url).port);
  apiId = app.runtime.httpApiUrls[0]?.apiId ?? '';
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP request (fetch would normalise the path and merge headers). */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The parts of the event the tests read field by field (the rest is checked with toMatchObject). */
type Payload = Record<string, unknown> & {
  routeKey: string;
  headers: Record<string, string | undefined>;
  requestContext: { requestId: string; time: string; timeEpoch: number };
  body: string;
};

async function eventOf(path: string, options: Parameters<typeof send>[1] = {}): Promise<Payload> {
  const answer = await send(`/_aws/execute-api/${apiId}${path}`, options);
  expect(answer.status, answer.body.toString()).toBe(200);
  return JSON.parse(answer.body.toString());
}

describe('local HTTP API', () => {
  it('lists each stage with its local URL and routes, and says nothing of its throttling, which is applied', () => {
    expect(app.runtime.httpApiUrls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'web', stage: '$default', url: `${app.runtime.url}/_aws/execute-api/${apiId}` }),
        expect.objectContaining({ stage: 'prod', url: `${app.runtime.url}/_aws/execute-api/${apiId}/prod` }),
      ]),
    );
    expect(app.runtime.warnings.filter((w) => w.includes('throttling'))).toEqual([]);
  });

  it('passes query parameters and headers named like Object.prototype members through as any others', async () => {
    const event = await eventOf('/pets/dog?__proto__=x&constructor=y&a=1', { headers: { constructor: 'c' } });
    expect(event.queryStringParameters).toEqual({ ['__proto__']: 'x', constructor: 'y', a: '1' });
    expect(Object.hasOwn(event.queryStringParameters as object, '__proto__')).toBe(true);
    expect((event.headers as Record<string, string>).constructor).toBe('c');
  });

  it('sends a payload 2.0 event as API Gateway builds it', async () => {
    const event = await eventOf('/pets/dog?b=2&a=1&a=3&x=%20y', {
      headers: { 'user-agent': 'test-agent', 'x-multi': ['one', 'two'], cookie: 'c1=v1; c2=v2' },
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /pets/dog',
      rawPath: '/pets/dog',
      rawQueryString: 'b=2&a=1&a=3&x=%20y',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { a: '1,3', b: '2', x: ' y' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId,
        domainName: `${apiId}.execute-api.localhost`,
        domainPrefix: apiId,
        http: { method: 'GET', path: '/pets/dog', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent' },
        routeKey: 'GET /pets/dog',
        stage: '$default',
      },
    });
    expect(event.headers).toMatchObject({ 'x-multi': 'one,two', 'user-agent': 'test-agent', 'x-forwarded-for': '127.0.0.1' });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
    expect(event.pathParameters).toBeUndefined();
    expect(event.body).toBeUndefined();
  });

  it('passes a JSON body as text and a form or binary body base64-encoded', async () => {
    const json = await eventOf('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(json).toMatchObject({ routeKey: 'POST /items', body: '{"a":1}', isBase64Encoded: false });
    const form = await eventOf('/items', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form).toMatchObject({ body: Buffer.from('a=1').toString('base64'), isBase64Encoded: true });
    const bytes = Buffer.from([0xff, 0x00, 0x10]);
    const binary = await eventOf('/items', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(Buffer.from(binary.body, 'base64')).toEqual(bytes);
  });

  it('picks the most specific route: a literal over a path variable over a greedy one, and $default last', async () => {
    expect((await eventOf('/pets/dog')).routeKey).toBe('GET /pets/dog');
    const byId = await eventOf('/pets/caf%C3%A9');
    expect(byId).toMatchObject({ routeKey: 'GET /pets/{id}', pathParameters: { id: 'café' }, rawPath: '/pets/caf%C3%A9' });
    expect(await eventOf('/pets/a/b/c')).toMatchObject({ routeKey: 'ANY /pets/{proxy+}', pathParameters: { proxy: 'a/b/c' } });
    // GET /pets/{id} takes only GET: a DELETE of one pet goes to the ANY route.
    expect(await eventOf('/pets/7', { method: 'DELETE' })).toMatchObject({
      routeKey: 'ANY /pets/{proxy+}',
      pathParameters: { proxy: '7' },
    });
    expect((await eventOf('/somewhere/else')).routeKey).toBe('$default');
    // A POST to /pets/dog is not GET /pets/dog: the greedy ANY route takes it.
    expect((await eventOf('/pets/dog', { method: 'POST' })).routeKey).toBe('ANY /pets/{proxy+}');
    // On one path, the route with the request's method wins over ANY.
    expect((await eventOf('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).routeKey).toBe(
      'POST /items',
    );
    expect((await eventOf('/items', { method: 'PUT' })).routeKey).toBe('ANY /items');
  });

  it('serves a named stage under its name, with the stage in rawPath and its stage variables', async () => {
    const event = await eventOf('/prod/pets/dog');
    expect(event).toMatchObject({
      routeKey: 'GET /pets/dog',
      rawPath: '/prod/pets/dog',
      stageVariables: { color: 'blue' },
      requestContext: { stage: 'prod', http: { path: '/prod/pets/dog' } },
    });
  });

  it('serves the same API by Host (<api-id>.execute-api.localhost)', async () => {
    const answer = await send('/pets/dog', { headers: { host: `${apiId}.execute-api.localhost:${port}` } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString()).routeKey).toBe('GET /pets/dog');
  });

  it('answers an unknown API id 404 {"message":"Not Found"}', async () => {
    const answer = await send('/_aws/execute-api/zzzzzzzzzz/pets/dog');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString())).toEqual({ message: 'Not Found' });
  });

  it('maps a structured response: status, headers, cookies as set-cookie headers and a base64 body', async () => {
    const structured = await send(`/_aws/execute-api/${apiId}/answer/x?kind=structured`);
    expect(structured.status).toBe(201);
    expect(structured.headers['x-one']).toBe('a');
    expect(structured.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect(structured.headers['apigw-requestid']).toBeDefined();
    expect(structured.body.toString()).toBe('made');
    const binary = await send(`/_aws/execute-api/${apiId}/answer/x?kind=binary`);
    expect(binary.body).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answers a result without statusCode 200 as JSON (a string as it is)', async () => {
    const object = await send(`/_aws/execute-api/${apiId}/answer/x?kind=object`);
    expect(object.status).toBe(200);
    expect(object.headers['content-type']).toBe('application/json');
    expect(JSON.parse(object.body.toString())).toEqual({ hello: 'world' });
    const text = await send(`/_aws/execute-api/${apiId}/answer/x?kind=string`);
    expect(text.body.toString()).toBe('just text');
  });

  it('fails with 500 {"message":"Internal Server Error"} if the function fails or answers a malformed statusCode', async () => {
    for (const kind of ['fail', 'bad-status']) {
      const answer = await send(`/_aws/execute-api/${apiId}/answer/x?kind=${kind}`);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body.toString())).toEqual({ message: 'Internal Server Error' });
    }
  });

  it("writes an access log line in the stage's format to its log group", async () => {
    await send(`/_aws/execute-api/${apiId}/pets/dog`);
    const logs = new CloudWatchLogsClient(sdkConfig(app.runtime.url));
    const line = await eventually(async () => {
      const { events = [] } = await logs.send(new FilterLogEventsCommand({ logGroupName: 'web-access', filterPattern: '"GET /pets/dog"' }));
      return events[0]?.message;
    });
    expect(JSON.parse(line)).toMatchObject({ routeKey: 'GET /pets/dog', status: '200', nope: '-' });
    logs.destroy();
  });
});

describe('local HTTP API with signatures verified', () => {
  it('serves its callers unsigned (they are not AWS clients), and answers 500 for a function that is not there', async () => {
    const cdkOut = assemblyOf(
      {
        Fn: inlineFunction('exports.handler = async () => "hi";'),
        Api: httpApi('signed'),
        Good: httpIntegration({
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          PayloadFormatVersion: '2.0',
        }),
        Gone: httpIntegration({
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: 'arn:aws:lambda:us-east-1:000000000000:function:not-here',
          PayloadFormatVersion: '2.0',
        }),
        Hi: httpRoute('GET /hi', 'Good'),
        Missing: httpRoute('GET /gone', 'Gone'),
        Stage: httpStage('$default'),
      },
      'Signed',
    );
    const signed = await LocalRuntime.start({
      cdkOut,
      ...disposableData(),
      port: 0,
      log: () => undefined,
      verifySignatures: { credentials: [{ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' }] },
    });
    try {
      const base = signed.httpApiUrls[0]?.url;
      const hi = await fetch(`${base}/hi`);
      expect([hi.status, await hi.text()]).toEqual([200, 'hi']);
      const gone = await fetch(`${base}/gone`);
      expect([gone.status, await gone.json()]).toEqual([500, { message: 'Internal Server Error' }]);
      // Everything else on the endpoint still wants a signature.
      expect((await fetch(`${signed.url}/2015-03-31/functions`)).status).toBe(403);
    } finally {
      await signed.stop();
    }
  }, 60_000);
});
