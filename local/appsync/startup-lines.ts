import type { GraphqlApiDefinition } from './definitions.js';
import type { EventApiDefinition } from './event-api/definitions.js';

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
  // AppSync gives an IAM caller's principal (AIDA..., AROA...:session) as identity.username; locally there are no IAM users.
  const iam = apis.some((api) => api.auth.some((a) => a.type === 'AWS_IAM'));
  return [
    ...lines,
    `  appsync differs: subscriptions are served at <GraphQLUrl>/realtime (subscription invalidation does not run); caching, logging, X-Ray and BatchInvoke do not run${js ? '; APPSYNC_JS code runs without the syntax checks AWS makes when it is created' : ''}${iam ? "; an AWS_IAM caller's identity.username is its access key id, its userArn user/<access key id> (AWS gives the IAM principal's)" : ''} (docs/local-runtime/appsync.md)`,
  ];
}

/** Each Event API's publish URL and real-time endpoint, its namespaces, and what differs from AppSync Events. */
export function eventApiLines(apis: readonly EventApiDefinition[]): string[] {
  if (apis.length === 0) return [];
  const lines = apis.map((api) => {
    const namespaces = [...api.namespaces.keys()].join(', ') || 'none (every publish and subscription is refused)';
    return `  event api ${api.name} (${api.id}): POST http://${api.dns}/event, WebSocket ws://${api.dns}/event/realtime; namespaces ${namespaces}; connect ${api.modes.connect.join(', ') || 'refused'}`;
  });
  return [
    ...lines,
    "  appsync events differs: Dns.Http and Dns.Realtime are the endpoint's host and the API's path over http and ws (code writing https:// or wss:// before them reaches nothing); namespace handlers do not run (docs/local-runtime/appsync.md)",
  ];
}
