import type { GraphqlApiDefinition } from './definitions.js';

/** Each GraphQL API's local URL (path and Host forms), its auth modes and resolvers, and what differs from AppSync. */
export function appSyncLines(apis: readonly GraphqlApiDefinition[], url: string): string[] {
  const port = new URL(url).port;
  const lines = apis.map((api) => {
    const modes = api.auth.map((a) => a.type).join(', ');
    return `  graphql api ${api.name} (${api.id}): ${api.url} (or http://${api.id}.appsync-api.localhost:${port}/graphql); auth ${modes}; ${api.resolvers.length} resolvers`;
  });
  const js = apis.some(
    (api) => api.resolvers.some((r) => r.code !== undefined) || [...api.functions.values()].some((f) => f.code !== undefined),
  );
  return [
    ...lines,
    `  appsync differs: subscriptions are served at <GraphQLUrl>/realtime (subscription invalidation does not run); caching, logging, X-Ray and BatchInvoke do not run${js ? '; APPSYNC_JS code runs without the syntax checks AWS makes when it is created' : ''} (docs/local-runtime/appsync.md)`,
  ];
}
