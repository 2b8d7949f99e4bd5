import { REST_API_RESOURCE_TYPES, restApiDefinitions } from '../../../local/apigateway/rest-api-definitions.js';
import { RestApiService } from '../../../local/apigateway/rest-api-service.js';
import { systemClock } from '../../../local/clock.js';
import { loadApp } from '../../../local/template/load.js';
import { credentials, region } from '../helpers.js';
import { appFixture, type RunningApp } from './helpers.js';

/**
 * The app's REST API served by a RestApiService of its own, over the running app's endpoint
 * and functions, with the endpoint access `AWS` integrations call through (`awsEndpoint`),
 * which the runtime does not pass it yet. Requests go to `handle` as the endpoint would send them.
 */
export function restApiOf(name: string, app: RunningApp) {
  const cdkOut = appFixture(name);
  const loaded = loadApp({
    cdkOut,
    baseUrl: app.runtime.url,
    accountId: '000000000000',
    region,
    supportedTypes: new Set(REST_API_RESOURCE_TYPES),
  });
  const { apis, warnings } = restApiDefinitions(loaded);
  const log: string[] = [];
  const service = new RestApiService({
    apis,
    lambda: app.runtime.lambda,
    clock: systemClock,
    accountId: '000000000000',
    region,
    awsEndpoint: { url: app.runtime.url, credentials },
    log: (line) => log.push(line),
  });
  const api = apis[0];
  if (api === undefined) throw new Error(`${name} has no REST API`);
  const stage = api.stages[0]?.name ?? 'prod';
  const send = async (method: string, path: string, options: { body?: string; headers?: Record<string, string>; query?: string } = {}) => {
    const response = await service.handle(
      {
        method,
        rawPath: `/${stage}${path}`,
        rawQueryString: options.query ?? '',
        headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), [v]])),
        body: Buffer.from(options.body ?? ''),
        sourceIp: '127.0.0.1',
        protocol: 'HTTP/1.1',
      },
      api.id,
    );
    return { status: response.status, headers: response.headers, text: response.body.toString('utf8') };
  };
  return { send, warnings, log };
}
