import { describe, expect, it } from 'vitest';
import { httpApiDefinitions } from '../../../local/apigateway/definitions.js';
import { HttpApiService, type LambdaInvoker } from '../../../local/apigateway/http-api-service.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { httpIntegration, httpRoute, httpStage } from '../template-resources.js';

const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const route = (key: string): TemplateResource => httpRoute(key, 'Integration');

/** An HTTP API with CORS and the given routes, whose function answers with CORS headers of its own; and the requests it got. */
function apiWith(cors: Record<string, unknown>, routes: string[]) {
  const resources: Record<string, TemplateResource> = {
    Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'a', ProtocolType: 'HTTP', CorsConfiguration: cors } },
    Integration: httpIntegration({ IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn, PayloadFormatVersion: '2.0' }),
    Stage: httpStage('$default'),
  };
  routes.forEach((key, i) => {
    resources[`Route${i}`] = route(key);
  });
  const cdkOut = assemblyOf(resources, 'S');
  const { apis } = httpApiDefinitions(loadApp({ cdkOut, baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES }));
  const calls: unknown[] = [];
  const lambda: LambdaInvoker = {
    invoke: async (_, event) => {
      calls.push(event);
      return {
        ok: true,
        payload: JSON.stringify({
          statusCode: 200,
          headers: { 'access-control-allow-origin': 'https://evil.example', 'x-own': '1' },
          body: 'ok',
        }),
      };
    },
  };
  const service = new HttpApiService({ apis, lambda, clock: new ManualClock(), accountId: '000000000000', region: 'us-east-1' });
  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    service.handle({
      method,
      host: '127.0.0.1:4566',
      url: `/_aws/execute-api/${apis[0]?.id}${path}`,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])),
      body: Buffer.alloc(0),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    });
  return { send, calls };
}

const CONFIG = {
  AllowOrigins: ['https://app.example', 'https://*.example.org'],
  AllowMethods: ['GET', 'POST'],
  AllowHeaders: ['content-type', 'x-custom'],
  ExposeHeaders: ['x-own'],
  MaxAge: 300,
  AllowCredentials: true,
};

describe('HTTP API CORS', () => {
  it('answers a preflight itself (204, the configured headers), even for a path only an ANY route takes, without the function', async () => {
    const { send, calls } = apiWith(CONFIG, ['ANY /{proxy+}']);
    const answer = await send('OPTIONS', '/items/1', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' });
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'content-type,x-custom',
      'access-control-max-age': '300',
      'access-control-allow-credentials': 'true',
    });
    expect(answer.body.length).toBe(0);
    expect(calls).toEqual([]);
  });

  it('answers a preflight for a path no route has', async () => {
    const { send } = apiWith(CONFIG, ['GET /items']);
    const answer = await send('OPTIONS', '/nowhere', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('matches wildcard origins such as https://*.example.org, and gives no CORS headers to another origin or method', async () => {
    const { send } = apiWith(CONFIG, ['ANY /{proxy+}']);
    const sub = await send('OPTIONS', '/x', { Origin: 'https://deep.sub.example.org', 'Access-Control-Request-Method': 'GET' });
    expect(sub.headers['access-control-allow-origin']).toBe('https://deep.sub.example.org');
    const other = await send('OPTIONS', '/x', { Origin: 'https://a.example.org.evil.com', 'Access-Control-Request-Method': 'GET' });
    expect(other.status).toBe(204);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const method = await send('OPTIONS', '/x', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'DELETE' });
    expect(method.headers['access-control-allow-origin']).toBeUndefined();
    const scheme = apiWith({ AllowOrigins: ['https://*'], AllowMethods: ['*'] }, ['ANY /{proxy+}']);
    const https = await scheme.send('OPTIONS', '/x', { Origin: 'https://anything.test', 'Access-Control-Request-Method': 'PATCH' });
    expect(https.headers['access-control-allow-origin']).toBe('https://anything.test');
    const http = await scheme.send('OPTIONS', '/x', { Origin: 'http://anything.test', 'Access-Control-Request-Method': 'PATCH' });
    expect(http.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('routes an OPTIONS without Access-Control-Request-Method as any request', async () => {
    const { send, calls } = apiWith(CONFIG, ['ANY /{proxy+}']);
    const answer = await send('OPTIONS', '/x', { Origin: 'https://app.example' });
    expect(answer.status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it('leaves a preflight to an OPTIONS route or the $default route', async () => {
    const options = apiWith(CONFIG, ['OPTIONS /x', 'ANY /{proxy+}']);
    expect((await options.send('OPTIONS', '/x', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' })).status).toBe(
      200,
    );
    expect(options.calls).toHaveLength(1);
    const fallback = apiWith(CONFIG, ['$default']);
    expect((await fallback.send('OPTIONS', '/x', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' })).status).toBe(
      200,
    );
    expect(fallback.calls).toHaveLength(1);
  });

  it("adds the configured headers to the integration's answer and drops the integration's own CORS headers", async () => {
    const { send } = apiWith(CONFIG, ['GET /items']);
    const allowed = await send('GET', '/items', { Origin: 'https://app.example' });
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-own',
      'x-own': '1',
    });
    const foreign = await send('GET', '/items', { Origin: 'https://other.example' });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const none = await send('GET', '/items');
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers * as the allowed origin when every origin is allowed without credentials', async () => {
    const { send } = apiWith({ AllowOrigins: ['*'], AllowMethods: ['*'] }, ['GET /items']);
    expect((await send('GET', '/items', { Origin: 'https://x.example' })).headers['access-control-allow-origin']).toBe('*');
  });
});
