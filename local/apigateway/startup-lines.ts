import type { HttpApiUrl } from './http-api-service.js';

/** Each REST and HTTP API stage with its local URL, path and Host forms, and its routes. */
export function apiLines(apis: readonly HttpApiUrl[], url: string): string[] {
  return apis.map((api) => {
    const host = `http://${api.apiId}.execute-api.localhost:${new URL(url).port}${api.stage === '$default' ? '' : `/${api.stage}`}`;
    return `  ${api.kind === 'rest' ? 'rest' : 'http'} api ${api.name} (${api.apiId}, stage ${api.stage}): ${api.url} (or ${host}); routes: ${api.routes.join(', ')}`;
  });
}
