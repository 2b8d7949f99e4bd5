import { REST_API_RESOURCE_TYPES, restApiDefinitions } from '../../../local/apigateway/rest-api-definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { loadApp } from '../../../local/template/load.js';
import { region } from '../helpers.js';
import { appFixture, type RunningApp } from './helpers.js';

/**
 * The app's REST API as a client reaches it: over HTTP at the running app's local URL
 * (`/_aws/execute-api/<api-id>/<stage>/<path>`). The API's id and stage, and what the
 * start-up report says of its methods, come from the same template the runtime loaded.
 */
export function restApiOf(name: string, app: RunningApp) {
  const loaded = loadApp({
    cdkOut: appFixture(name),
    baseUrl: app.runtime.url,
    accountId: '000000000000',
    region,
    types: { specs: TEMPLATE_TYPES.specs, supported: new Set(REST_API_RESOURCE_TYPES) },
  });
  const { apis, warnings } = restApiDefinitions(loaded);
  const api = apis[0];
  if (api === undefined) throw new Error(`${name} has no REST API`);
  const stage = api.stages[0]?.name ?? 'prod';
  const send = async (method: string, path: string, options: { body?: string; headers?: Record<string, string>; query?: string } = {}) => {
    const url = `${app.runtime.url}/_aws/execute-api/${api.id}/${stage}${path}${options.query ? `?${options.query}` : ''}`;
    const response = await fetch(url, {
      method,
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), text: await response.text() };
  };
  /** What the runtime logged for the API (`[apigateway] ...`): a failed template, an unmatched response. */
  const log = () => app.logs.filter((line) => line.startsWith('[apigateway]'));
  return { send, warnings, log };
}
