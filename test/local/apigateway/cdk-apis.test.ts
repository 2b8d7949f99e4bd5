import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizedIn } from '../assembly.js';
import { synthStack } from '../cdk-stack.js';
import { restartableRuntime } from '../restartable-runtime.js';

/** Answers with the event it got; `/fail` throws, `/malformed` answers a body that is not a string. */
const ECHO = `
exports.handler = async (event) => {
  const path = event.path || event.rawPath || '';
  if (path.endsWith('/fail')) throw new Error('asked to fail');
  if (path.endsWith('/malformed')) return { statusCode: 200, body: { not: 'a string' } };
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'access-control-allow-origin': 'https://from-the-function.example' },
    multiValueHeaders: { 'x-multi': ['a', 'b'] },
    body: JSON.stringify(event),
  };
};`;

/**
 * A CDK app as public apps write them: a LambdaRestApi (not proxying everything) with CORS
 * preflight on every resource, a path variable and a {proxy+} resource, one method behind IAM
 * authorization; and an HttpApi with a CORS configuration.
 */
function synthApp(outdir: string): void {
  synthStack(
    'Apis',
    (stack) => {
      const fn = new lambda.Function(stack, 'Echo', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline(ECHO),
      });
      const rest = new apigateway.LambdaRestApi(stack, 'Rest', {
        handler: fn,
        proxy: false,
        defaultCorsPreflightOptions: { allowOrigins: apigateway.Cors.ALL_ORIGINS, allowMethods: apigateway.Cors.ALL_METHODS },
      });
      const items = rest.root.addResource('items');
      items.addMethod('GET');
      items.addMethod('POST', undefined, { authorizationType: apigateway.AuthorizationType.IAM });
      items.addResource('{id}').addMethod('GET');
      rest.root.addResource('files').addProxy();

      const http = new apigatewayv2.HttpApi(stack, 'Http', {
        corsPreflight: {
          allowOrigins: ['https://app.example', 'http://*'],
          allowMethods: [apigatewayv2.CorsHttpMethod.GET, apigatewayv2.CorsHttpMethod.POST],
          allowHeaders: ['content-type', 'x-custom'],
          exposeHeaders: ['x-multi'],
          maxAge: undefined,
          allowCredentials: true,
        },
      });
      http.addRoutes({
        path: '/things/{id}',
        methods: [apigatewayv2.HttpMethod.GET],
        integration: new HttpLambdaIntegration('Things', fn),
      });
    },
    outdir,
  );
}

const app = restartableRuntime({ assembly: () => synthesizedIn(synthApp), ownsAssembly: true, timeoutMs: 120_000 });
let restUrl: string;
let httpUrl: string;
beforeAll(() => {
  restUrl = app.runtime.httpApiUrls.find((u) => u.kind === 'rest')?.url ?? '';
  httpUrl = app.runtime.httpApiUrls.find((u) => u.kind === undefined)?.url ?? '';
});

type ProxyEvent = Record<string, unknown> & {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  requestContext: Record<string, unknown> & { identity: Record<string, unknown> };
};

async function eventOf(url: string, init?: RequestInit): Promise<ProxyEvent> {
  const response = await fetch(url, init);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text);
}

describe('a CDK LambdaRestApi on the local runtime', () => {
  it('is served on its prod stage, and the start-up report lists its methods', () => {
    expect(restUrl).toMatch(/\/_aws\/execute-api\/[a-z0-9]{10}\/prod$/);
    const rest = app.runtime.httpApiUrls.find((u) => u.kind === 'rest');
    expect(rest?.routes).toEqual(expect.arrayContaining(['GET /items', 'GET /items/{id}', 'ANY /files/{proxy+}', 'OPTIONS /']));
  });

  it('says at start-up that IAM authorization is not checked, naming the method', () => {
    expect(app.runtime.warnings).toContainEqual(
      expect.stringMatching(/AWS::ApiGateway::RestApi\): AWS_IAM authorization is not checked locally.*POST \/items/),
    );
    expect(app.runtime.warnings.filter((w) => w.includes('AWS::ApiGateway::'))).toHaveLength(1);
  });

  it('sends the payload format 1.0 proxy event', async () => {
    const event = await eventOf(`${restUrl}/items/42?a=1&a=2&b=x%20y`, { headers: { 'X-Custom': 'one', 'User-Agent': 'test-agent' } });
    const apiId = new URL(restUrl).pathname.split('/')[3];
    expect(event).toMatchObject({
      resource: '/items/{id}',
      path: '/items/42',
      httpMethod: 'GET',
      queryStringParameters: { a: '2', b: 'x y' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: ['x y'] },
      pathParameters: { id: '42' },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        resourcePath: '/items/{id}',
        httpMethod: 'GET',
        path: '/prod/items/42',
        stage: 'prod',
        accountId: '000000000000',
        apiId,
        protocol: 'HTTP/1.1',
        identity: { sourceIp: '127.0.0.1', userAgent: 'test-agent' },
      },
    });
    expect(event.headers['X-Custom'] ?? event.headers['x-custom']).toBe('one');
    expect(event.multiValueHeaders['X-Forwarded-For']).toEqual(['127.0.0.1']);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes a {proxy+} resource for any method and any depth below it', async () => {
    const event = await eventOf(`${restUrl}/files/a/b/c.txt`, { method: 'PUT', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(event).toMatchObject({
      resource: '/files/{proxy+}',
      httpMethod: 'PUT',
      pathParameters: { proxy: 'a/b/c.txt' },
      body: 'hello',
      isBase64Encoded: false,
    });
  });

  it("answers with the function's status, headers and multi-value headers", async () => {
    const response = await fetch(`${restUrl}/items`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fails with 403 Missing Authentication Token for a path, method or stage the API does not have', async () => {
    for (const [url, method] of [
      [`${restUrl}/nowhere`, 'GET'],
      [`${restUrl}/items/42`, 'DELETE'],
      [`${restUrl}/files`, 'GET'],
      [restUrl.replace(/\/prod$/, '/dev/items'), 'GET'],
    ] as const) {
      const response = await fetch(url, { method });
      expect(response.status, `${method} ${url}`).toBe(403);
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
  });

  it('fails with 502 Internal server error when the function fails or answers a malformed proxy response', async () => {
    for (const url of [`${restUrl}/files/fail`, `${restUrl}/files/malformed`]) {
      const response = await fetch(url);
      expect(response.status, url).toBe(502);
      expect(await response.json()).toEqual({ message: 'Internal server error' });
    }
  });

  it("answers CORS preflight from CDK's MOCK OPTIONS method with 204 and its headers, without calling the function", async () => {
    const response = await fetch(`${restUrl}/files/x`, {
      method: 'OPTIONS',
      // The endpoint refuses browsers of other origins before any API sees them: its own origin passes.
      headers: { Origin: new URL(app.runtime.url).origin, 'Access-Control-Request-Method': 'PUT' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent',
    );
    expect(await response.text()).toBe('');
  });
});

describe('a CDK HttpApi with corsPreflight on the local runtime', () => {
  it('answers a preflight itself with the configured headers', async () => {
    const origin = new URL(app.runtime.url).origin;
    const response = await fetch(`${httpUrl}/things/1`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-custom' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type,x-custom');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it("adds the configured CORS headers to the function's answer and drops the function's own", async () => {
    const origin = new URL(app.runtime.url).origin;
    const response = await fetch(`${httpUrl}/things/1`, { headers: { Origin: origin } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-expose-headers')).toBe('x-multi');
    const plain = await fetch(`${httpUrl}/things/1`);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("serves a web page of another origin, as AWS does, leaving what it may read to the API's CORS settings", async () => {
    const browser = { Origin: 'https://app.example', 'Sec-Fetch-Site': 'cross-site' };
    const allowed = await fetch(`${httpUrl}/things/1`, { headers: browser });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const preflight = await fetch(`${httpUrl}/things/1`, {
      method: 'OPTIONS',
      headers: { ...browser, Origin: 'https://other.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    // The AWS APIs of the same endpoint still refuse that page.
    const aws = await fetch(`${app.runtime.url}/`, { method: 'POST', headers: { ...browser, 'X-Amz-Target': 'AmazonSQS.ListQueues' } });
    expect(aws.status).toBe(403);
    expect(await aws.text()).toContain('refuses requests from web pages of other origins');
  });
});
