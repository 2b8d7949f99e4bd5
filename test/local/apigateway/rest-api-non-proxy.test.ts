import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaInvoker } from '../../../local/apigateway/lambda-invoker.js';
import { RestApiService } from '../../../local/apigateway/rest-api-service.js';
import { ManualClock } from '../../../local/time/clock.js';
import { lambdaUri, oneMethodRestApi, postToProd } from './rest-api-fixture.js';

/** An API with one resource `/{id}` whose POST has this integration, on stage prod (variable color=blue). */
function apiWith(integration: Record<string, unknown>) {
  return oneMethodRestApi({ Integration: integration }, { stageVariables: { color: 'blue' } });
}

type Answer = Awaited<ReturnType<LambdaInvoker['invoke']>>;

function serviceFor(integration: Record<string, unknown>, options: { answer?: (event: unknown) => Answer; endpoint?: string } = {}) {
  const { apis, warnings } = apiWith(integration);
  const events: unknown[] = [];
  const log: string[] = [];
  const lambda: LambdaInvoker = {
    invoke: async (_, event) => {
      events.push(event);
      return options.answer?.(event) ?? { ok: true, payload: JSON.stringify({ got: event }) };
    },
  };
  const service = new RestApiService({
    apis,
    lambda,
    clock: new ManualClock(),
    accountId: '000000000000',
    region: 'us-east-1',
    log: (line) => log.push(line),
    ...(options.endpoint === undefined
      ? {}
      : { awsEndpoint: { url: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } }),
  });
  const apiId = apis[0]?.id ?? '';
  const send = async (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, rawQueryString = '') => {
    const response = await service.handle(postToProd({ body, headers, query: rawQueryString }), apiId);
    return { ...response, text: response.body.toString('utf8') };
  };
  return { send, events, log, warnings };
}

/** An AWS (non-proxy) integration POSTing to `Uri`, answering 200 unless `extra` says otherwise. */
const awsIntegration = (Uri: string, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS',
  IntegrationHttpMethod: 'POST',
  Uri,
  IntegrationResponses: [{ StatusCode: '200' }],
  ...extra,
});

const lambdaIntegration = (extra: Record<string, unknown> = {}) => awsIntegration(lambdaUri, extra);

describe('RestApiService with a Lambda custom integration', () => {
  it("invokes the function with the request template's output and maps its answer with the response template", async () => {
    const { send, events, warnings } = serviceFor(
      lambdaIntegration({
        RequestTemplates: {
          'application/json':
            '{"id": "$input.params(\'id\')", "name": $input.json(\'$.name\'), "stage": "$context.stage", "color": "$stageVariables.color", "ip": "$context.identity.sourceIp"}',
        },
        IntegrationResponses: [
          { StatusCode: '201', ResponseTemplates: { 'application/json': '{"created": "$input.path(\'$.got.id\')"}' } },
        ],
      }),
    );
    expect(warnings).toEqual([]);
    const response = await send('{"name":"tea"}');
    expect(events).toEqual([{ id: '42', name: 'tea', stage: 'prod', color: 'blue', ip: '192.0.2.1' }]);
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.text)).toEqual({ created: '42' });
  });

  it("selects the integration response whose SelectionPattern matches the function's error message", async () => {
    const { send } = serviceFor(
      lambdaIntegration({
        IntegrationResponses: [
          { StatusCode: '200' },
          {
            StatusCode: '400',
            SelectionPattern: '.*Bad Request.*',
            ResponseTemplates: {
              'application/json': '{"error": "$input.path(\'$.errorMessage\')", "type": "$input.path(\'$.errorType\')"}',
            },
          },
        ],
      }),
      { answer: () => ({ ok: false, error: { errorType: 'Error', errorMessage: '[Bad Request] no name' } }) },
    );
    const response = await send('{}');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ error: '[Bad Request] no name', type: 'Error' });
  });

  it('answers a function error no pattern matches with the default response and the error as its body, as API Gateway does', async () => {
    const { send } = serviceFor(
      lambdaIntegration({ IntegrationResponses: [{ StatusCode: '200' }, { StatusCode: '400', SelectionPattern: 'Bad.*' }] }),
      {
        answer: () => ({ ok: false, error: { errorType: 'TypeError', errorMessage: 'x is undefined' } }),
      },
    );
    const response = await send('{}');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ errorMessage: 'x is undefined', errorType: 'TypeError', stackTrace: [] });
  });

  it('fails if no integration response matches and none is the default: 500 and a log line', async () => {
    const { send, log } = serviceFor(lambdaIntegration({ IntegrationResponses: [] }));
    const response = await send('{}');
    expect(response.status).toBe(500);
    expect(JSON.parse(response.text)).toEqual({ message: 'Internal server error' });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^API orders \(\w+\) POST \/\{id\}: no integration response matches the answer and none is the default/);
  });

  it('fails if the request template does not parse: 500, the function not invoked, and a log line naming the API, method, resource and error', async () => {
    const { send, events, log } = serviceFor(lambdaIntegration({ RequestTemplates: { 'application/json': '{"a": #if($input.body }' } }));
    const response = await send('{}');
    expect(response.status).toBe(500);
    expect(JSON.parse(response.text)).toEqual({ message: 'Internal server error' });
    expect(events).toEqual([]);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^API orders \(\w+\) POST \/\{id\}: the mapping template does not parse: Parse error on line 1/);
  });

  it('fails if the response template does not parse: 500 alone, nothing of the mapped answer', async () => {
    const { send } = serviceFor(
      lambdaIntegration({
        IntegrationResponses: [
          {
            StatusCode: '200',
            ResponseParameters: { 'method.response.header.X-A': "'a'" },
            ResponseTemplates: { 'application/json': '#foreach(' },
          },
        ],
      }),
    );
    const response = await send('{}');
    expect(response.status).toBe(500);
    expect(response.headers['x-a']).toBeUndefined();
    expect(JSON.parse(response.text)).toEqual({ message: 'Internal server error' });
  });
});

describe('RestApiService passthrough behaviors', () => {
  const templates = { 'application/json': '{"mapped": true}' };

  it('passes a body of another content type through unmapped with WHEN_NO_MATCH (the default)', async () => {
    const { send, events } = serviceFor(lambdaIntegration({ RequestTemplates: templates }));
    await send('{"raw": 1}', { 'content-type': 'text/plain' });
    await send('{"raw": 2}', { 'content-type': 'application/json; charset=utf-8' });
    expect(events).toEqual([{ raw: 1 }, { mapped: true }]);
  });

  it('maps a request without a Content-Type with the application/json template', async () => {
    const { send, events } = serviceFor(lambdaIntegration({ RequestTemplates: templates }));
    await send('{"raw": 1}', {});
    expect(events).toEqual([{ mapped: true }]);
  });

  it('fails with 415 Unsupported Media Type for an unmapped content type with NEVER, or WHEN_NO_TEMPLATES when templates exist, and says why', async () => {
    for (const behavior of ['NEVER', 'WHEN_NO_TEMPLATES']) {
      const { send, events, log } = serviceFor(lambdaIntegration({ RequestTemplates: templates, PassthroughBehavior: behavior }));
      const response = await send('x', { 'content-type': 'text/plain' });
      expect(response.status).toBe(415);
      expect(JSON.parse(response.text)).toEqual({ message: 'Unsupported Media Type' });
      expect(response.headers['x-amzn-errortype']).toBe('UnsupportedMediaTypeException');
      expect(events).toEqual([]);
      expect(log).toEqual([
        `API orders (${log[0]?.match(/\((\w+)\)/)?.[1]}) POST /{id}: no request template for text/plain (it has ${Object.keys(templates).join(', ')}) and passthrough behavior ${behavior}: answered 415, as API Gateway does`,
      ]);
    }
  });

  it('passes through with WHEN_NO_TEMPLATES when the integration has no template', async () => {
    const { send, events } = serviceFor(lambdaIntegration({ PassthroughBehavior: 'WHEN_NO_TEMPLATES' }));
    await send('{"raw": 3}', { 'content-type': 'text/plain' });
    expect(events).toEqual([{ raw: 3 }]);
  });
});

describe('RestApiService with a MOCK integration', () => {
  it("selects the integration response by the status its request template names, and renders that response's template", async () => {
    const { send } = serviceFor({
      Type: 'MOCK',
      RequestTemplates: { 'application/json': '#if($input.params(\'id\') == "42"){"statusCode": 404}#else{"statusCode": 200}#end' },
      IntegrationResponses: [
        { StatusCode: '200', ResponseTemplates: { 'application/json': '{"found": true}' } },
        {
          StatusCode: '404',
          SelectionPattern: '404',
          ResponseParameters: { 'method.response.header.X-Stage': 'context.stage' },
          ResponseTemplates: { 'application/json': '{"missing": "$input.params(\'id\')", "color": "$stageVariables.color"}' },
        },
      ],
    });
    const response = await send('');
    expect(response.status).toBe(404);
    expect(response.headers['x-stage']).toBe('prod');
    expect(JSON.parse(response.text)).toEqual({ missing: '42', color: 'blue' });
  });
});

/** A stand-in for the runtime's endpoint: records each request and answers what the test sets. */
describe('RestApiService with AWS service integrations', () => {
  let server: Server;
  let endpoint = '';
  const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let reply: { status: number; contentType: string; body: string } = { status: 200, contentType: 'application/json', body: '{}' };
  /** Forgets what the endpoint got so far; it answers `next` from now on. */
  const replyWith = (next: typeof reply) => {
    received.length = 0;
    reply = next;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(reply.status, { 'content-type': reply.contentType, 'x-amzn-requestid': 'r-1' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const statesIntegration = {
    Type: 'AWS',
    IntegrationHttpMethod: 'POST',
    Uri: 'arn:aws:apigateway:us-east-1:states:action/StartSyncExecution',
    RequestTemplates: {
      'application/json':
        '{"stateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:m", "input": "$util.escapeJavaScript($input.body)"}',
    },
    IntegrationResponses: [
      { StatusCode: '200', ResponseTemplates: { 'application/json': "$util.parseJson($input.path('$.output')).answer" } },
      {
        StatusCode: '400',
        SelectionPattern: '4\\d{2}',
        ResponseTemplates: { 'application/json': '{"failed": "$input.path(\'$.__type\')"}' },
      },
    ],
  };

  it("calls a JSON service's action with X-Amz-Target and the mapped body, signed with the runtime's credentials", async () => {
    replyWith({
      status: 200,
      contentType: 'application/x-amz-json-1.0',
      body: JSON.stringify({ status: 'SUCCEEDED', output: '{"answer":"yes"}' }),
    });
    const { send } = serviceFor(statesIntegration, { endpoint });
    const response = await send('{"q":"tea?"}');
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.method).toBe('POST');
    expect(call?.url).toBe('/');
    expect(call?.headers['x-amz-target']).toBe('AWSStepFunctions.StartSyncExecution');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(call?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/states\/aws4_request/);
    expect(JSON.parse(call?.body ?? '')).toEqual({
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m',
      input: '{"q":"tea?"}',
    });
    expect(response.status).toBe(200);
    expect(response.text).toBe('yes');
  });

  it("selects the integration response by the service's HTTP status", async () => {
    reply = {
      status: 400,
      contentType: 'application/x-amz-json-1.0',
      body: JSON.stringify({ __type: 'ValidationException', message: 'no' }),
    };
    const { send } = serviceFor(statesIntegration, { endpoint });
    const response = await send('{}');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ failed: 'ValidationException' });
  });

  it("posts a form to a query service's path with the mapped Content-Type, and reads its XML answer as JSON", async () => {
    replyWith({
      status: 200,
      contentType: 'text/xml',
      body: '<?xml version="1.0"?><SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageResult><MessageId>m-1</MessageId><MD5OfMessageBody>abc</MD5OfMessageBody></SendMessageResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></SendMessageResponse>',
    });
    const { send } = serviceFor(
      awsIntegration('arn:aws:apigateway:us-east-1:sqs:path/000000000000/inbox', {
        RequestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
          'integration.request.querystring.Trace': 'method.request.querystring.trace',
        },
        RequestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' },
        IntegrationResponses: [
          {
            StatusCode: '202',
            ResponseParameters: {
              'method.response.header.X-Request-Id': 'integration.response.header.x-amzn-requestid',
              'method.response.header.X-Kind': "'webhook'",
            },
            ResponseTemplates: {
              'application/json': '{"messageId": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}',
            },
          },
        ],
      }),
      { endpoint },
    );
    const response = await send('{"event":"paid & done"}', { 'content-type': 'application/json' }, 'trace=t1');
    const [call] = received;
    expect(call?.url).toBe('/000000000000/inbox?Trace=t1');
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call?.headers.authorization).toMatch(/\/us-east-1\/sqs\/aws4_request/);
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({ Action: 'SendMessage', MessageBody: '{"event":"paid & done"}' });
    expect(response.status).toBe(202);
    expect(response.headers['x-request-id']).toBe('r-1');
    expect(response.headers['x-kind']).toBe('webhook');
    expect(JSON.parse(response.text)).toEqual({ messageId: 'm-1' });
  });

  it("sends a query service's action form as API Gateway does: Action and the mapped parameters in the query string", async () => {
    replyWith({
      status: 200,
      contentType: 'text/xml',
      body: '<PublishResponse><PublishResult><MessageId>p-1</MessageId></PublishResult></PublishResponse>',
    });
    const { send } = serviceFor(
      awsIntegration('arn:aws:apigateway:us-east-1:sns:action/Publish', {
        RequestParameters: {
          'integration.request.querystring.TopicArn': "'arn:aws:sns:us-east-1:000000000000:t'",
          'integration.request.querystring.Message': 'method.request.body',
        },
        IntegrationResponses: [{ StatusCode: '200' }],
      }),
      { endpoint },
    );
    const response = await send('hello');
    expect(received[0]?.method).toBe('POST');
    expect(new URL(received[0]?.url ?? '', endpoint).pathname).toBe('/');
    expect(Object.fromEntries(new URL(received[0]?.url ?? '', endpoint).searchParams)).toEqual({
      Action: 'Publish',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      Message: 'hello',
    });
    expect(JSON.parse(response.text)).toEqual({ PublishResponse: { PublishResult: { MessageId: 'p-1' } } });
  });

  it("lets a request template override the integration request's query string with $context.requestOverride", async () => {
    replyWith({ status: 200, contentType: 'text/xml', body: '<PublishResponse/>' });
    const { send } = serviceFor(
      awsIntegration('arn:aws:apigateway:us-east-1:sns:action/Publish', {
        RequestParameters: { 'integration.request.querystring.Message': "'from the mapping'" },
        RequestTemplates: {
          'application/json':
            '#set($context.requestOverride.querystring.Message = $input.path(\'$.text\'))#set($context.requestOverride.querystring.TopicArn = "arn:aws:sns:us-east-1:000000000000:t")',
        },
        IntegrationResponses: [{ StatusCode: '200' }],
      }),
      { endpoint },
    );
    await send('{"text":"from the template"}');
    expect(Object.fromEntries(new URL(received[0]?.url ?? '', endpoint).searchParams)).toEqual({
      Action: 'Publish',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      Message: 'from the template',
    });
  });

  /** A path URI, whose integration request carries the mapped Content-Type as it is. */
  const pathIntegration = (extra: Record<string, unknown>) =>
    awsIntegration('arn:aws:apigateway:us-east-1:sqs:path/000000000000/inbox', extra);

  // https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html:
  // with no Content-Type "API Gateway defaults to application/json", and NEVER transforms it with that template.
  it('maps a request with no body and no Content-Type with the application/json template under NEVER: $input.body and $input.json are {}', async () => {
    replyWith({ status: 200, contentType: 'application/json', body: '{}' });
    const { send } = serviceFor(
      pathIntegration({
        PassthroughBehavior: 'NEVER',
        RequestTemplates: { 'application/json': '{"body": $input.body, "json": $input.json(\'$\')}' },
      }),
      { endpoint },
    );
    const response = await send('', {});
    expect(response.status).toBe(200);
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ body: {}, json: {} });
    expect(received[0]?.headers['content-type']).toBe('application/json');
  });

  it('passes an unmapped content type through with WHEN_NO_MATCH, its Content-Type and body as sent', async () => {
    received.length = 0;
    const { send } = serviceFor(pathIntegration({ RequestTemplates: { 'application/json': '{"mapped": true}' } }), { endpoint });
    await send('plain text', { 'content-type': 'text/plain; charset=utf-8' });
    expect([received[0]?.headers['content-type'], received[0]?.body]).toEqual(['text/plain; charset=utf-8', 'plain text']);
  });

  it('fails with 415 for an unmapped content type under NEVER, and never calls the service', async () => {
    received.length = 0;
    const { send } = serviceFor(pathIntegration({ PassthroughBehavior: 'NEVER', RequestTemplates: { 'application/json': '{}' } }), {
      endpoint,
    });
    const response = await send('<a/>', { 'content-type': 'application/xml' });
    expect([response.status, JSON.parse(response.text)]).toEqual([415, { message: 'Unsupported Media Type' }]);
    expect(received).toHaveLength(0);
  });

  it("picks the response template for the request's Accept", async () => {
    reply = { status: 200, contentType: 'application/x-amz-json-1.0', body: JSON.stringify({ output: '{"answer":"yes"}' }) };
    const { send } = serviceFor(
      {
        ...statesIntegration,
        IntegrationResponses: [{ StatusCode: '200', ResponseTemplates: { 'application/json': '{"a":1}', 'text/html': '<p>yes</p>' } }],
      },
      { endpoint },
    );
    const html = await send('{}', { 'content-type': 'application/json', accept: 'text/html,application/xhtml+xml' });
    expect([html.headers['content-type'], html.text]).toEqual(['text/html', '<p>yes</p>']);
    const other = await send('{}', { 'content-type': 'application/json', accept: 'image/png' });
    expect([other.headers['content-type'], other.text]).toEqual(['application/json', '{"a":1}']);
  });

  it('fails if the runtime gave no endpoint: 500 and a log line saying so', async () => {
    const { send, log } = serviceFor(statesIntegration);
    const response = await send('{}');
    expect(response.status).toBe(500);
    expect(log[0]).toMatch(/no AWS endpoint/);
  });
});
