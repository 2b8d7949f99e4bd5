import { AwsError } from '../endpoint/aws-error.js';
import type { GraphqlApiDefinition } from './definitions.js';

/** An API as AppSync's control plane describes it (`GraphqlApi`), with its local `uris`. */
function described(api: GraphqlApiDefinition) {
  const [primary, ...additional] = api.auth;
  const config = (p: (typeof api.auth)[number]) => ({
    ...(p.userPoolId === undefined
      ? {}
      : { userPoolConfig: { userPoolId: p.userPoolId, ...(p.appIdClientRegex ? { appIdClientRegex: p.appIdClientRegex } : {}) } }),
    ...(p.issuer === undefined ? {} : { openIDConnectConfig: { issuer: p.issuer, ...(p.clientId ? { clientId: p.clientId } : {}) } }),
    ...(p.authorizerUri === undefined ? {} : { lambdaAuthorizerConfig: { authorizerUri: p.authorizerUri } }),
  });
  return {
    name: api.name,
    apiId: api.id,
    arn: api.arn,
    authenticationType: primary?.type,
    ...(primary ? config(primary) : {}),
    additionalAuthenticationProviders: additional.map((p) => ({ authenticationType: p.type, ...config(p) })),
    uris: { GRAPHQL: api.url, REALTIME: api.realtimeUrl },
    dns: { GRAPHQL: new URL(api.url).host, REALTIME: new URL(api.realtimeUrl).host },
    apiType: 'GRAPHQL',
    visibility: 'GLOBAL',
    xrayEnabled: false,
    introspectionConfig: 'ENABLED',
    tags: {},
  };
}

/** AppSync's control plane, reads only: the template's GraphQL APIs (https://docs.aws.amazon.com/appsync/latest/APIReference/API_GetGraphqlApi.html). */
export class AppSyncControl {
  constructor(private readonly apis: () => readonly GraphqlApiDefinition[]) {}

  async ListGraphqlApis(_input: { apiType?: string; maxResults?: number; nextToken?: string }) {
    return { graphqlApis: this.apis().map(described) };
  }

  async GetGraphqlApi({ apiId }: { apiId: string }) {
    const api = this.apis().find((a) => a.id === apiId);
    if (api === undefined) throw new AwsError('NotFoundException', `GraphQL API ${apiId} not found.`, 404);
    return { graphqlApi: described(api) };
  }
}
