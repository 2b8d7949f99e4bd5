import { describe, expect, it } from 'vitest';
import type { LambdaInvoker } from '../../../local/apigateway/http-api-service.js';
import { HttpApiService } from '../../../local/apigateway/http-api-service.js';
import type { HttpApiRequest } from '../../../local/apigateway/payload.js';
import { restApiDefinitions } from '../../../local/apigateway/rest-api-definitions.js';
import { RestApiService } from '../../../local/apigateway/rest-api-service.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { restMethod, restResource, restRoot, restStage } from '../template-resources.js';
import { restApiWith } from './rest-api-fixture.js';

const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const lambdaUri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`;

function definitionsOf(resources: Record<string, TemplateResource>) {
  const cdkOut = assemblyOf(resources, 'S');
  return restApiDefinitions(loadApp({ cdkOut, baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES }));
}

const method = (resourceId: unknown, httpMethod: string, extra: Record<string, unknown> = {}): TemplateResource =>
  restMethod(resourceId, httpMethod, { Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri }, ...extra });

/** /pets GET, /pets/{id} GET, /pets/dog GET, /pets/{id}/toys ANY, /{proxy+} ANY, / OPTIONS (MOCK), on stage prod. */
const TEMPLATE: Record<string, TemplateResource> = {
  Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'pets', BinaryMediaTypes: ['image~1png'] } },
  Pets: restResource(restRoot, 'pets'),
  PetId: restResource({ Ref: 'Pets' }, '{id}'),
  Dog: restResource({ Ref: 'Pets' }, 'dog'),
  Toys: restResource({ Ref: 'PetId' }, 'toys'),
  Proxy: restResource(restRoot, '{proxy+}'),
  PetsGet: method({ Ref: 'Pets' }, 'GET'),
  PetIdGet: method({ Ref: 'PetId' }, 'GET'),
  DogGet: method({ Ref: 'Dog' }, 'GET'),
  ToysAny: method({ Ref: 'Toys' }, 'ANY'),
  ProxyAny: method({ Ref: 'Proxy' }, 'ANY'),
  RootOptions: method(restRoot, 'OPTIONS', {
    Integration: {
      Type: 'MOCK',
      RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
      IntegrationResponses: [
        { StatusCode: '500', SelectionPattern: '5\\d{2}' },
        {
          StatusCode: '204',
          ResponseParameters: {
            'method.response.header.Access-Control-Allow-Origin': "'*'",
            'method.response.header.Access-Control-Allow-Methods': "'OPTIONS,GET'",
          },
        },
      ],
    },
  }),
  Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' } } },
  Stage: restStage('prod', { Variables: { color: 'blue' } }),
};

function request(method: string, rawPath: string, options: Partial<HttpApiRequest> = {}): HttpApiRequest {
  return {
    method,
    rawPath,
    rawQueryString: '',
    headers: {},
    body: Buffer.alloc(0),
    sourceIp: '10.0.0.1',
    protocol: 'HTTP/1.1',
    ...options,
  };
}

/** A service over TEMPLATE whose function answers with `answer` (the event by default), and the events it got. */
function serviceWith(answer: (event: Record<string, unknown>) => ReturnType<LambdaInvoker['invoke']> | undefined = () => undefined) {
  const { apis } = definitionsOf(TEMPLATE);
  const events: Record<string, unknown>[] = [];
  const lambda: LambdaInvoker = {
    invoke: (_, event) => {
      events.push(event as Record<string, unknown>);
      return (
        answer(event as Record<string, unknown>) ??
        Promise.resolve({ ok: true, payload: JSON.stringify({ statusCode: 200, body: JSON.stringify(event) }) })
      );
    },
  };
  const service = new RestApiService({ apis, lambda, clock: new ManualClock(), accountId: '000000000000', region: 'us-east-1' });
  const apiId = apis[0]?.id ?? '';
  return { service, apiId, events, handle: (r: HttpApiRequest) => service.handle(r, apiId) };
}

describe('restApiDefinitions', () => {
  it('builds the resource paths from ParentId and PathPart, with {param} and {proxy+} parts', () => {
    const { apis, warnings } = definitionsOf(TEMPLATE);
    expect(warnings).toEqual([]);
    expect(apis[0]?.resources.map((r) => `${[...r.methods.keys()].join('|')} ${r.path}`).sort()).toEqual([
      'ANY /pets/{id}/toys',
      'ANY /{proxy+}',
      'GET /pets',
      'GET /pets/dog',
      'GET /pets/{id}',
      'OPTIONS /',
    ]);
    expect(apis[0]?.stages).toEqual([
      { name: 'prod', stageVariables: { color: 'blue' }, deploymentId: expect.stringMatching(/^[a-z0-9]{10}$/) },
    ]);
    expect(apis[0]?.binaryMediaTypes).toEqual(['image/png']);
  });

  it('takes the stage a Deployment names when there is no Stage resource', () => {
    const { apis } = definitionsOf({
      Api: TEMPLATE.Api as TemplateResource,
      Get: method(restRoot, 'GET'),
      Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'v1' } },
    });
    expect(apis[0]?.stages.map((s) => s.name)).toEqual(['v1']);
  });

  it('says what is not applied: authorizers, a validator it does not have, integrations to services that do not run here, throttling, X-Ray tracing', () => {
    const { warnings } = definitionsOf({
      Api: TEMPLATE.Api as TemplateResource,
      Iam: method(restRoot, 'GET', { AuthorizationType: 'AWS_IAM' }),
      Cognito: method(restRoot, 'POST', { AuthorizationType: 'COGNITO_USER_POOLS', ApiKeyRequired: true, RequestValidatorId: 'v' }),
      Http: method(restRoot, 'PUT', { Integration: { Type: 'HTTP_PROXY', Uri: 'https://example.com' } }),
      Get: method(restRoot, 'PATCH', { Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'GET', Uri: lambdaUri } }),
      Vtl: method(restRoot, 'DELETE', {
        Integration: {
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          Uri: 'arn:aws:apigateway:us-east-1:athena:action/StartQueryExecution',
          RequestTemplates: { 'application/json': '$input.body' },
          ContentHandling: 'CONVERT_TO_TEXT',
        },
      }),
      Plan: { Type: 'AWS::ApiGateway::UsagePlan', Properties: {} },
      Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' } } },
      Stage: restStage('prod', {
        TracingEnabled: true,
        MethodSettings: [{ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10 }],
      }),
    });
    expect([...warnings].sort()).toEqual(
      [
        'S/Stage (AWS::ApiGateway::Stage): throttling is not applied locally: requests over its rate or burst limit are served, not answered 429',
        "S/Stage (AWS::ApiGateway::Stage): X-Ray tracing is not run locally: no X-Ray trace or service map shows its requests; the runtime's own spans follow them instead (switchyard trace <id>)",
        'S/Api (AWS::ApiGateway::RestApi): HTTP_PROXY integrations to https://example.com, not on this machine, are not called locally; these methods answer 500 (PUT /)',
        'S/Api (AWS::ApiGateway::RestApi): AWS integrations to athena, which does not run locally, are not run; these methods answer 500 (DELETE /)',
        'S/Api (AWS::ApiGateway::RestApi): ContentHandling (conversion to or from binary) is not applied locally: bodies are mapped as UTF-8 text (DELETE /)',
        'S/Api (AWS::ApiGateway::RestApi): Lambda proxy integrations whose IntegrationHttpMethod is not POST fail; these methods answer 500, as API Gateway does (PATCH /)',
        'S/Api (AWS::ApiGateway::RestApi): AWS_IAM authorization is not checked locally: every request reaches the integration (GET /)',
        "S/Api (AWS::ApiGateway::RestApi): COGNITO_USER_POOLS authorization with an authorizer not among the API's is not checked locally: every request reaches the integration (POST /)",
        "S/Api (AWS::ApiGateway::RestApi): request validators that are not among the API's validators are not run (POST /)",
      ].sort(),
    );
  });
});

describe('RestApiService', () => {
  it('picks the resource as API Gateway does: a literal over a {param} over a {proxy+}', async () => {
    const { handle, events } = serviceWith();
    await handle(request('GET', '/prod/pets/dog'));
    await handle(request('GET', '/prod/pets/7'));
    await handle(request('POST', '/prod/pets/7/toys'));
    await handle(request('GET', '/prod/cats/7/whiskers'));
    expect(events.map((e) => [e.resource, e.pathParameters])).toEqual([
      ['/pets/dog', null],
      ['/pets/{id}', { id: '7' }],
      ['/pets/{id}/toys', { id: '7' }],
      ['/{proxy+}', { proxy: 'cats/7/whiskers' }],
    ]);
  });

  it('takes a trailing slash to the same resource, keeping it in path but not in a {proxy+} value', async () => {
    const { handle, events } = serviceWith();
    await handle(request('GET', '/prod/pets/'));
    await handle(request('GET', '/prod/cats/7/'));
    expect(events.map((e) => [e.resource, e.path, e.pathParameters])).toEqual([
      ['/pets', '/pets/', null],
      ['/{proxy+}', '/cats/7/', { proxy: 'cats/7' }],
    ]);
  });

  it('fails with 403 Missing Authentication Token for a method the matched resource does not have, or a stage that is not there', async () => {
    const { handle, events } = serviceWith();
    for (const [method, path] of [
      ['DELETE', '/prod/pets/7'],
      ['GET', '/dev/pets'],
      ['GET', '/prod'],
    ] as const) {
      const answer = await handle(request(method, path));
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(JSON.parse(answer.body.toString())).toEqual({ message: 'Missing Authentication Token' });
    }
    expect(events).toEqual([]);
  });

  it('passes query parameters and headers named like Object.prototype members through as any others', async () => {
    const { handle, events } = serviceWith();
    await handle(
      request('POST', '/prod/pets/7/toys', {
        rawQueryString: '__proto__=x&a=1',
        headers: {},
        rawHeaders: ['Host', 'abc.execute-api.localhost:4566', '__proto__', 'h'],
        body: Buffer.from(''),
      }),
    );
    const event = events[0] as { multiValueQueryStringParameters: object; multiValueHeaders: object };
    expect(Object.hasOwn(event.multiValueQueryStringParameters, '__proto__')).toBe(true);
    expect(event.multiValueQueryStringParameters).toEqual({ ['__proto__']: ['x'], a: ['1'] });
    expect(Object.hasOwn(event.multiValueHeaders, '__proto__')).toBe(true);
  });

  it('builds the 1.0 event: last and all values of headers and query parameters, stage variables, the stage in requestContext.path', async () => {
    const { handle, events } = serviceWith();
    await handle(
      request('POST', '/prod/pets/7/toys', {
        rawQueryString: 'a=1&a=2&b=%20x&flag',
        headers: { 'content-type': ['application/json'] },
        rawHeaders: [
          'Host',
          'abc.execute-api.localhost:4566',
          'Content-Type',
          'application/json',
          'X-Multi',
          'one',
          'X-Multi',
          'two',
          'User-Agent',
          'ua',
        ],
        body: Buffer.from('{"a":1}'),
      }),
    );
    const event = events[0] as Record<string, unknown> & { requestContext: Record<string, unknown> };
    expect(event).toMatchObject({
      resource: '/pets/{id}/toys',
      path: '/pets/7/toys',
      httpMethod: 'POST',
      headers: {
        Host: 'abc.execute-api.localhost:4566',
        'Content-Type': 'application/json',
        'X-Multi': 'two',
        'User-Agent': 'ua',
        'X-Forwarded-For': '10.0.0.1',
        'X-Forwarded-Port': '4566',
        'X-Forwarded-Proto': 'http',
      },
      multiValueHeaders: { 'X-Multi': ['one', 'two'] },
      queryStringParameters: { a: '2', b: ' x', flag: '' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: [' x'], flag: [''] },
      pathParameters: { id: '7' },
      stageVariables: { color: 'blue' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        resourcePath: '/pets/{id}/toys',
        deploymentId: expect.stringMatching(/^[a-z0-9]{10}$/),
        httpMethod: 'POST',
        path: '/prod/pets/7/toys',
        stage: 'prod',
        accountId: '000000000000',
        protocol: 'HTTP/1.1',
        identity: { sourceIp: '10.0.0.1', userAgent: 'ua', user: null },
        requestTimeEpoch: Date.UTC(2026, 0, 1),
        requestTime: '01/Jan/2026:00:00:00 +0000',
      },
    });
    expect(event).not.toHaveProperty('version');
  });

  it('passes a body base64-encoded only when its type is one of the binary media types', async () => {
    const { handle, events } = serviceWith();
    const bytes = Buffer.from([0xff, 0x00]);
    await handle(request('POST', '/prod/x', { headers: { 'content-type': ['image/png'] }, body: bytes }));
    await handle(request('POST', '/prod/x', { headers: { 'content-type': ['application/octet-stream'] }, body: Buffer.from('abc') }));
    expect(events.map((e) => [e.body, e.isBase64Encoded])).toEqual([
      [bytes.toString('base64'), true],
      ['abc', false],
    ]);
  });

  it("answers with the proxy response's status, merged headers and body, JSON by default", async () => {
    const { handle } = serviceWith(() =>
      Promise.resolve({
        ok: true,
        payload: JSON.stringify({
          statusCode: 201,
          headers: { 'X-One': '1', 'X-Both': 'h' },
          multiValueHeaders: { 'X-Both': ['m1', 'm2'] },
          body: 'made',
        }),
      }),
    );
    const answer = await handle(request('GET', '/prod/pets'));
    expect(answer.status).toBe(201);
    expect(answer.headers).toMatchObject({ 'x-one': '1', 'x-both': ['m1', 'm2'], 'content-type': 'application/json' });
    expect(answer.body.toString()).toBe('made');
  });

  it('decodes a base64 answer only for a client that accepts one of the binary media types, as API Gateway does', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const { handle } = serviceWith(() =>
      Promise.resolve({
        ok: true,
        payload: JSON.stringify({
          statusCode: 200,
          headers: { 'content-type': 'image/png' },
          isBase64Encoded: true,
          body: bytes.toString('base64'),
        }),
      }),
    );
    const accepting = await handle(request('GET', '/prod/pets', { headers: { accept: ['image/png'] } }));
    expect(accepting.body).toEqual(bytes);
    const other = await handle(request('GET', '/prod/pets', { headers: { accept: ['application/json'] } }));
    expect(other.body.toString()).toBe(bytes.toString('base64'));
  });

  it.each([
    ['not JSON', 'oops'],
    ['no statusCode, and members a proxy response does not have', JSON.stringify({ message: 'x' })],
    ['a body that is not a string', JSON.stringify({ statusCode: 200, body: { a: 1 } })],
    ['a bare string', JSON.stringify('hello')],
    ['headers that are not an object of values', JSON.stringify({ statusCode: 200, headers: { a: { b: 1 } } })],
  ])('fails with 502 Internal server error for a malformed proxy response: %s', async (_, payload) => {
    const { handle } = serviceWith(() => Promise.resolve({ ok: true, payload }));
    const answer = await handle(request('GET', '/prod/pets'));
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body.toString())).toEqual({ message: 'Internal server error' });
  });

  it('answers 200 with the body for a proxy response that leaves statusCode out (no member is required)', async () => {
    // serverless-patterns apigw-lambda-dynamodb-xray returns `{ body }`, and its README shows the body answered.
    const { handle } = serviceWith(() => Promise.resolve({ ok: true, payload: JSON.stringify({ body: '{"Items":[],"Count":0}' }) }));
    const answer = await handle(request('GET', '/prod/pets'));
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('{"Items":[],"Count":0}');
  });

  it('fails with 502 when the function fails, 500 when it cannot be invoked', async () => {
    const failing = serviceWith(() => Promise.resolve({ ok: false, error: { errorMessage: 'boom' } }));
    expect((await failing.handle(request('GET', '/prod/pets'))).status).toBe(502);
    const missing = serviceWith(() => Promise.reject(new Error('no such function')));
    expect((await missing.handle(request('GET', '/prod/pets'))).status).toBe(500);
  });

  it('fails with 504 Endpoint request timed out when the function outlasts the integration timeout', async () => {
    const { apis } = definitionsOf({
      Api: TEMPLATE.Api as TemplateResource,
      Get: method(restRoot, 'GET', { Integration: { Type: 'AWS_PROXY', Uri: lambdaUri, TimeoutInMillis: 50 } }),
      Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
    });
    const lambda: LambdaInvoker = { invoke: () => new Promise(() => undefined) };
    const service = new RestApiService({ apis, lambda, clock: new ManualClock(), accountId: '000000000000', region: 'us-east-1' });
    const answer = await service.handle(request('GET', '/prod/'), apis[0]?.id ?? '');
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body.toString())).toEqual({ message: 'Endpoint request timed out' });
  });

  it("answers a MOCK method from the integration response its request template's status selects, without the function", async () => {
    const { handle, events } = serviceWith();
    const answer = await handle(request('OPTIONS', '/prod/'));
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'OPTIONS,GET' });
    expect(answer.body.length).toBe(0);
    expect(events).toEqual([]);
  });

  it('is reached through the HTTP API URLs too: path style and Host style, the stage first', async () => {
    const { service, apiId, events } = serviceWith();
    const front = new HttpApiService({
      apis: [],
      restApis: service,
      lambda: { invoke: () => Promise.reject(new Error('not this one')) },
      clock: new ManualClock(),
      accountId: '000000000000',
      region: 'us-east-1',
    });
    const base = { headers: {}, body: Buffer.alloc(0), sourceIp: '127.0.0.1', protocol: 'HTTP/1.1' };
    const pathStyle = await front.handle({
      ...base,
      method: 'GET',
      host: '127.0.0.1:4566',
      url: `/_aws/execute-api/${apiId}/prod/pets?a=1`,
    });
    const hostStyle = await front.handle({ ...base, method: 'GET', host: `${apiId}.execute-api.localhost:4566`, url: '/prod/pets/dog' });
    expect([pathStyle.status, hostStyle.status]).toEqual([200, 200]);
    expect(events.map((e) => [e.resource, e.queryStringParameters])).toEqual([
      ['/pets', { a: '1' }],
      ['/pets/dog', null],
    ]);
    expect(front.urls('http://127.0.0.1:4566')).toEqual([
      expect.objectContaining({ kind: 'rest', stage: 'prod', url: `http://127.0.0.1:4566/_aws/execute-api/${apiId}/prod` }),
    ]);
  });

  it("echoes an allowed Origin from CDK's CORS preflight template for several origins, else keeps the first", async () => {
    const template =
      '#set($origin = $input.params().header.get("Origin"))\n#if($origin == "")\n  #set($origin = $input.params().header.get("origin"))\n#end\n#if($origin == "https://b.example")\n  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end';
    const { apis, warnings } = definitionsOf({
      Api: TEMPLATE.Api as TemplateResource,
      Options: method(restRoot, 'OPTIONS', {
        Integration: {
          Type: 'MOCK',
          RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
          IntegrationResponses: [
            {
              StatusCode: '204',
              ResponseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'https://a.example'" },
              ResponseTemplates: { 'application/json': template },
            },
          ],
        },
      }),
      Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
    });
    expect(warnings).toEqual([]);
    const service = new RestApiService({
      apis,
      lambda: { invoke: () => Promise.reject(new Error('no function')) },
      clock: new ManualClock(),
      accountId: '000000000000',
      region: 'us-east-1',
    });
    const originOf = async (origin: string) =>
      (await service.handle(request('OPTIONS', '/prod/', { headers: { origin: [origin] } }), apis[0]?.id ?? '')).headers[
        'access-control-allow-origin'
      ];
    expect(await originOf('https://b.example')).toBe('https://b.example');
    expect(await originOf('https://c.example')).toBe('https://a.example');
  });
});

describe('RestApiService answers', () => {
  it("carry the CloudFront distribution's headers for an edge-optimized API (the default), and none for a regional one", async () => {
    const edge = restApiWith({});
    const answered = await edge.send();
    expect(answered.headers).toMatchObject({
      via: expect.stringMatching(/^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/),
      'x-cache': 'Miss from cloudfront',
      'x-amz-cf-pop': expect.any(String),
      'x-amz-cf-id': expect.any(String),
    });
    expect((await edge.send({ path: '/42/nowhere' })).headers['x-cache']).toBe('Error from cloudfront');
    const regional = restApiWith(
      {},
      { Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'r', EndpointConfiguration: { Types: ['REGIONAL'] } } } },
    );
    expect(Object.keys((await regional.send()).headers)).not.toContain('x-cache');
  });

  it("of a Lambda integration carry the trace header the function was invoked with, as API Gateway's do", async () => {
    const { send, invocations } = restApiWith({});
    const answered = await send();
    const event = invocations[0]?.event as { headers: Record<string, string> };
    expect(answered.headers['x-amzn-trace-id']).toBe(event.headers['X-Amzn-Trace-Id']);
    expect(answered.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });
});
