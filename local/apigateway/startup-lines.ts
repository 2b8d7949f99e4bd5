import type { ServiceReport } from '../service-registry/service-module.js';
import type { HttpApiUrl } from './http-api-service.js';

/** Each REST and HTTP API stage with its local URL, path and Host forms, and its routes. */
export function apiLines(apis: readonly HttpApiUrl[], url: string): string[] {
  return apis.map((api) => {
    const host = `http://${api.apiId}.execute-api.localhost:${new URL(url).port}${api.stage === '$default' ? '' : `/${api.stage}`}`;
    return `  ${api.kind === 'rest' ? 'rest' : 'http'} api ${api.name} (${api.apiId}, stage ${api.stage}): ${api.url} (or ${host}); routes: ${api.routes.join(', ')}`;
  });
}

/**
 * A GET of the first API route that takes one without path parameters, as curl: suggested when
 * nothing ranks before it (functions 4: an app whose only function is its API's authorizer).
 */
export function apiTryIt(apis: readonly HttpApiUrl[]): Pick<ServiceReport, 'tryIt'> {
  for (const api of apis) {
    for (const route of api.routes) {
      const path = /^(?:GET|ANY) (\/[^{}\s]*)$/.exec(route)?.[1];
      if (path !== undefined) return { tryIt: { rank: 4.5, shell: `curl -i ${api.url}${path === '/' ? '/' : path}` } };
    }
  }
  return {};
}
