import { describe, expect, it } from 'vitest';
import { httpApiDefinitions } from '../../../local/apigateway/definitions.js';
import { HttpApiService, type LambdaInvoker } from '../../../local/apigateway/http-api-service.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { loadApp } from '../../../local/template/load.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { httpApi, httpIntegration, httpRoute, httpStage } from '../template-resources.js';

const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:f';

/** An HTTP API whose routes use a payload format 1.0 integration, on $default and prod stages; the function answers `answer`. */
function apiWith(answer: (event: Record<string, unknown>) => string) {
  const route = (key: string) => httpRoute(key, 'Integration');
  const cdkOut = assemblyOf(
    {
      Api: httpApi('a'),
      Integration: httpIntegration({ IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn, PayloadFormatVersion: '1.0' }),
      Pet: route('GET /pets/{id}'),
      Default: route('$default'),
      DefaultStage: httpStage('$default'),
      Prod: httpStage('prod', { StageVariables: { color: 'blue' } }),
    },
    'S',
  );
  const { apis, warnings } = httpApiDefinitions(loadApp({ cdkOut, baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES }));
  const events: Record<string, unknown>[] = [];
  const lambda: LambdaInvoker = {
    invoke: async (_, event) => {
      events.push(event as Record<string, unknown>);
      return { ok: true, payload: answer(event as Record<string, unknown>) };
    },
  };
  const service = new HttpApiService({ apis, lambda, clock: new ManualClock(), accountId: '000000000000', region: 'us-east-1' });
  const apiId = apis[0]?.id ?? '';
  const send = (method: string, url: string, headers: Record<string, string[]> = {}, body = '') =>
    service.handle({
      method,
      host: '127.0.0.1:4566',
      url: `/_aws/execute-api/${apiId}${url}`,
      headers,
      rawHeaders: Object.entries(headers).flatMap(([k, vs]) => vs.flatMap((v) => [k.toUpperCase(), v])),
      body: Buffer.from(body),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    });
  return { send, events, warnings, apiId };
}

const ok = () => JSON.stringify({ statusCode: 200, body: 'ok' });

describe('HTTP API with payload format 1.0', () => {
  it('builds the 1.0 event with version 1.0, the route as resource, lower-case header names and the path as sent', async () => {
    const { send, events, warnings, apiId } = apiWith(ok);
    expect(warnings).toEqual([]);
    await send('GET', '/prod/pets/7?a=1&a=2', { 'x-multi': ['one', 'two'], 'content-type': ['application/json'] });
    expect(events[0]).toMatchObject({
      version: '1.0',
      resource: '/pets/{id}',
      path: '/prod/pets/7',
      httpMethod: 'GET',
      headers: { 'x-multi': 'two', 'content-type': 'application/json' },
      multiValueHeaders: { 'x-multi': ['one', 'two'] },
      queryStringParameters: { a: '2' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
      pathParameters: { id: '7' },
      stageVariables: { color: 'blue' },
      body: null,
      isBase64Encoded: false,
      requestContext: {
        apiId,
        stage: 'prod',
        path: '/prod/pets/7',
        resourcePath: '/pets/{id}',
        resourceId: 'GET /pets/{id}',
        httpMethod: 'GET',
      },
    });
  });

  it('passes a non-text body base64-encoded, as HTTP APIs do in either format', async () => {
    const { send, events } = apiWith(ok);
    await send('POST', '/upload', { 'content-type': ['application/octet-stream'] }, 'abc');
    expect(events[0]).toMatchObject({ resource: '$default', body: Buffer.from('abc').toString('base64'), isBase64Encoded: true });
  });

  it('reads the 1.0 response: status, merged headers, base64 body decoded', async () => {
    const { send } = apiWith(() =>
      JSON.stringify({
        statusCode: 202,
        headers: { 'X-One': '1' },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        isBase64Encoded: true,
        body: Buffer.from([1, 2, 3]).toString('base64'),
      }),
    );
    const answer = await send('GET', '/pets/1');
    expect(answer.status).toBe(202);
    expect(answer.headers).toMatchObject({ 'x-one': '1', 'set-cookie': ['a=1', 'b=2'] });
    expect([...answer.body]).toEqual([1, 2, 3]);
  });

  it('fails with 500 Internal Server Error for a response without statusCode (1.0 infers nothing)', async () => {
    const { send } = apiWith(() => JSON.stringify({ hello: 'world' }));
    const answer = await send('GET', '/pets/1');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body.toString())).toEqual({ message: 'Internal Server Error' });
  });
});
