import { describe, expect, it } from 'vitest';
import { httpApiDefinitions } from '../../../local/apigateway/definitions.js';
import { HttpApiService } from '../../../local/apigateway/http-api-service.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';
import { httpApi, httpIntegration, httpRoute, httpStage } from '../template-resources.js';
import { echoBackend, expectEchoed, proxyServiceOptions } from './echo-backend.js';

/** The backend: always 202. */
const backend = echoBackend(() => 202);

/** An HTTP API whose route `ANY /items/{proxy+}` has this HTTP_PROXY integration, on the $default stage. */
function serviceFor(properties: Record<string, unknown>) {
  const cdkOut = assemblyOf(
    {
      Api: httpApi('a'),
      Integration: httpIntegration({ IntegrationType: 'HTTP_PROXY', PayloadFormatVersion: '1.0', ...properties }),
      Items: httpRoute('ANY /items/{proxy+}', 'Integration'),
      Stage: httpStage('$default'),
    },
    'S',
  );
  const { apis, warnings } = httpApiDefinitions(loadApp({ cdkOut, baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES }));
  const log: string[] = [];
  const service = new HttpApiService({ apis, ...proxyServiceOptions(log) });
  const send = async (method: string, url: string, headers: Record<string, string> = {}, body = '') => {
    const response = await service.handle({
      method,
      host: '127.0.0.1:4566',
      url: `/_aws/execute-api/${apis[0]?.id}${url}`,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      body: Buffer.from(body),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    });
    return { ...response, text: response.body.toString('utf8') };
  };
  return { send, log, warnings };
}

describe('HttpApiService with an HTTP_PROXY integration', () => {
  it('forwards the method, greedy path, query string, headers and body, and returns the answer as it is', async () => {
    const { send, warnings } = serviceFor({ IntegrationMethod: 'ANY', IntegrationUri: `${backend.base}/backend/{proxy}` });
    expect(warnings).toEqual([]);
    const response = await send('PUT', '/items/a/b?x=1', { 'x-trace': 'abc', 'content-type': 'text/plain' }, 'hello');
    expectEchoed(response, 202, { method: 'PUT', url: '/backend/a/b?x=1', body: 'hello' });
  });

  it('applies the overwrite:path, append:header and querystring transformations of RequestParameters', async () => {
    const { send } = serviceFor({
      IntegrationMethod: 'ANY',
      IntegrationUri: `${backend.base}/ignored`,
      RequestParameters: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's own ${...} reference, not a template literal
        'overwrite:path': '/v2/${request.path.proxy}',
        'append:header.x-from': 'api',
        'remove:header.x-secret': "''",
        'overwrite:querystring.x': '$request.header.x-trace',
      },
    });
    const got = JSON.parse((await send('GET', '/items/z?x=1', { 'x-trace': 'abc', 'x-secret': 's' })).text);
    expect(got.url).toBe('/v2/z?x=abc');
    expect(got.headers['x-from']).toBe('api');
    expect(got.headers['x-secret']).toBeUndefined();
  });

  it('fails if the URL is not on this machine: named at start-up, 500 and a runtime log line, nothing sent', async () => {
    const { send, log, warnings } = serviceFor({ IntegrationMethod: 'ANY', IntegrationUri: 'https://example.com/{proxy}' });
    expect(warnings).toEqual([expect.stringContaining('HTTP_PROXY integrations to https://example.com/{proxy}, not on this machine')]);
    const response = await send('GET', '/items/a');
    expect(response.status).toBe(500);
    expect(JSON.parse(response.text)).toEqual({ message: 'Internal Server Error' });
    expect(log).toEqual([expect.stringContaining('https://example.com/a is not on this machine')]);
  });

  it('fails if the endpoint does not answer within TimeoutInMillis: 504', async () => {
    const { send } = serviceFor({ IntegrationMethod: 'ANY', IntegrationUri: `${backend.base}/slow`, TimeoutInMillis: 100 });
    const response = await send('GET', '/items/a');
    expect(response.status).toBe(504);
  });
});
