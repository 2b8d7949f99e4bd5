import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLoopbackUrl } from '../../../local/apigateway/http-forward.js';
import { RestApiService } from '../../../local/apigateway/rest-api-service.js';
import { echoBackend, expectEchoed, proxyServiceOptions } from './echo-backend.js';
import { oneMethodRestApi, postToProd } from './rest-api-fixture.js';

/** The backend: 404 for a URL with `missing` in it, else 201. */
const backend = echoBackend((url) => (url.includes('missing') ? 404 : 201));

/** An API with one resource `/{id}` whose POST has this integration, on stage prod. */
function serviceFor(integration: Record<string, unknown>) {
  const { apis, warnings } = oneMethodRestApi({ Integration: integration });
  const log: string[] = [];
  const service = new RestApiService({ apis, ...proxyServiceOptions(log) });
  const send = async (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, rawQueryString = '') => {
    const response = await service.handle(postToProd({ body, headers, query: rawQueryString }), apis[0]?.id ?? '');
    return { ...response, text: response.body.toString('utf8') };
  };
  return { send, log, warnings };
}

describe('RestApiService with an HTTP_PROXY integration', () => {
  it('forwards the method, path parameter, query string, headers and body, and returns the answer as it is', async () => {
    const { send, warnings } = serviceFor({ Type: 'HTTP_PROXY', IntegrationHttpMethod: 'ANY', Uri: `${backend.base}/things/{id}` });
    expect(warnings).toEqual([]);
    const response = await send('{"name":"tea"}', { 'content-type': 'application/json', 'x-trace': 'abc' }, 'color=blue');
    expectEchoed(response, 201, { method: 'POST', url: '/things/42?color=blue', body: '{"name":"tea"}' });
  });

  it('fills the URL from the integration.request.path mappings', async () => {
    const { send } = serviceFor({
      Type: 'HTTP_PROXY',
      IntegrationHttpMethod: 'GET',
      Uri: `${backend.base}/by/{thing}`,
      RequestParameters: { 'integration.request.path.thing': 'method.request.path.id', 'integration.request.header.x-from': "'api'" },
    });
    const got = JSON.parse((await send('')).text);
    expect(got).toMatchObject({ method: 'GET', url: '/by/42' });
    expect(got.headers['x-from']).toBe('api');
  });

  it('fails if the URL is not on this machine: named at start-up, 500 and a runtime log line, nothing sent', async () => {
    const { send, log, warnings } = serviceFor({ Type: 'HTTP_PROXY', IntegrationHttpMethod: 'ANY', Uri: 'https://example.com/{id}' });
    expect(warnings).toEqual([expect.stringContaining('HTTP_PROXY integrations to https://example.com/{id}, not on this machine')]);
    const response = await send('{}');
    expect(response.status).toBe(500);
    expect(JSON.parse(response.text)).toEqual({ message: 'Internal server error' });
    expect(log).toEqual([expect.stringContaining('https://example.com/42 is not on this machine')]);
  });

  it('fails if the endpoint does not answer within TimeoutInMillis: 504', async () => {
    const { send } = serviceFor({ Type: 'HTTP_PROXY', IntegrationHttpMethod: 'ANY', Uri: `${backend.base}/slow`, TimeoutInMillis: 100 });
    const response = await send('{}');
    expect(response.status).toBe(504);
    expect(JSON.parse(response.text)).toEqual({ message: 'Endpoint request timed out' });
  });

  it('fails if nothing listens at the URL: 500 and a runtime log line', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { send, log } = serviceFor({ Type: 'HTTP_PROXY', IntegrationHttpMethod: 'ANY', Uri: `http://127.0.0.1:${port}/{id}` });
    const response = await send('{}');
    expect(response.status).toBe(500);
    expect(log).toEqual([expect.stringContaining('could not be reached')]);
  });
});

describe('RestApiService with an HTTP integration', () => {
  it('sends the request template output and maps the answer with the response template', async () => {
    const { send } = serviceFor({
      Type: 'HTTP',
      IntegrationHttpMethod: 'PUT',
      Uri: `${backend.base}/orders/{order}`,
      RequestParameters: { 'integration.request.path.order': 'method.request.path.id' },
      RequestTemplates: { 'application/json': '{"item": $input.json(\'$.name\'), "id": "$input.params(\'id\')"}' },
      IntegrationResponses: [
        {
          StatusCode: '200',
          ResponseTemplates: { 'application/json': '{"sent": $input.json(\'$.body\'), "via": "$input.path(\'$.method\')"}' },
        },
      ],
    });
    const response = await send('{"name":"tea"}');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ sent: '{"item": "tea", "id": "42"}', via: 'PUT' });
  });

  it("selects the integration response whose SelectionPattern matches the endpoint's status", async () => {
    const { send } = serviceFor({
      Type: 'HTTP',
      IntegrationHttpMethod: 'GET',
      Uri: `${backend.base}/missing`,
      IntegrationResponses: [
        { StatusCode: '200' },
        { StatusCode: '404', SelectionPattern: '4\\d{2}', ResponseTemplates: { 'application/json': '{"gone": true}' } },
      ],
    });
    const response = await send('');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toEqual({ gone: true });
  });

  it('fails if the URL is not on this machine: 500 and a runtime log line', async () => {
    const { send, log, warnings } = serviceFor({
      Type: 'HTTP',
      IntegrationHttpMethod: 'POST',
      Uri: 'http://10.0.0.1/x',
      IntegrationResponses: [{ StatusCode: '200' }],
    });
    expect(warnings).toEqual([expect.stringContaining('HTTP integrations to http://10.0.0.1/x, not on this machine')]);
    expect((await send('{}')).status).toBe(500);
    expect(log).toEqual([expect.stringContaining('is not on this machine')]);
  });
});

describe('isLoopbackUrl', () => {
  it('accepts localhost, 127.0.0.0/8 and ::1 and refuses every other host', () => {
    for (const url of ['http://localhost:1/a', 'http://127.9.9.9/', 'http://[::1]:8080/', 'http://api.localhost/']) {
      expect(isLoopbackUrl(url), url).toBe(true);
    }
    for (const url of ['https://example.com/', 'http://10.0.0.1/', 'http://128.0.0.1/', 'http://localhost.example.com/', 'not a url']) {
      expect(isLoopbackUrl(url), url).toBe(false);
    }
  });
});
