import { AwsError } from '../endpoint/aws-error.js';
import type { TagStore } from '../store/tag-store.js';
import type { ApiKeyDefinition, GraphqlApiDefinition } from './definitions.js';

/** AppSync's default life of a key created without `Expires`: 7 days, counted from the hour (API_CreateApiKey). */
const DEFAULT_KEY_LIFE_SECONDS = 7 * 24 * 3600;
/** A key is deleted 60 days after it expires (API_ApiKey's `deletes`). */
const DELETE_AFTER_SECONDS = 60 * 24 * 3600;

/** An API as AppSync's control plane describes it (`GraphqlApi`), with its local `uris` and its tags. */
function described(api: GraphqlApiDefinition, tags: Readonly<Record<string, string>>) {
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
    tags,
  };
}

/**
 * The template's APIs' tags in `tags` (this database holds AppSync's only): each API has its
 * template's Tags again, and an API the template no longer has loses its.
 */
export function templateTags(tags: TagStore, apis: readonly GraphqlApiDefinition[]): TagStore {
  const arns = new Set(apis.map((api) => api.arn));
  for (const arn of tags.arnsUnder('')) if (!arns.has(arn)) tags.forget(arn);
  for (const api of apis) tags.replace(api.arn, Object.entries(api.tags));
  return tags;
}

/**
 * AppSync's control plane: reads of the template's GraphQL APIs
 * (https://docs.aws.amazon.com/appsync/latest/APIReference/API_GetGraphqlApi.html) and their tags,
 * kept in the runtime's one tag store by the API's ARN
 * (https://docs.aws.amazon.com/appsync/latest/APIReference/API_TagResource.html).
 */
export class AppSyncControl {
  constructor(
    private readonly apis: () => readonly GraphqlApiDefinition[],
    private readonly tags: TagStore,
    /** The keys of the app's APIs of either kind (GraphQL and Event APIs), by API id. */
    private readonly keys: (apiId: string) => readonly ApiKeyDefinition[] | undefined = (apiId) =>
      this.apis().find((api) => api.id === apiId)?.apiKeys,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The template's keys of an API (https://docs.aws.amazon.com/appsync/latest/APIReference/API_ListApiKeys.html):
   * how a client finds the key to send locally, as the AppSync console shows it. A key the
   * template gives no `Expires` reads AppSync's default, 7 days from the hour, which locally
   * never passes.
   */
  async ListApiKeys({ apiId }: { apiId: string; maxResults?: number; nextToken?: string }) {
    const keys = this.keys(apiId);
    if (keys === undefined) throw new AwsError('NotFoundException', `API ${apiId} not found: the app's are its template's.`, 404);
    const hour = Math.floor(this.now() / 3_600_000) * 3600;
    return {
      apiKeys: keys.map((key) => {
        const expires = key.expires ?? hour + DEFAULT_KEY_LIFE_SECONDS;
        return { id: key.id, expires, deletes: expires + DELETE_AFTER_SECONDS };
      }),
    };
  }

  async ListGraphqlApis(_input: { apiType?: string; maxResults?: number; nextToken?: string }) {
    return { graphqlApis: this.apis().map((api) => described(api, this.tags.map(api.arn))) };
  }

  async GetGraphqlApi({ apiId }: { apiId: string }) {
    const api = this.apis().find((a) => a.id === apiId);
    if (api === undefined) throw new AwsError('NotFoundException', `GraphQL API ${apiId} not found.`, 404);
    return { graphqlApi: described(api, this.tags.map(api.arn)) };
  }

  /** Adds tags to a GraphQL API, a key given again taking its new value. */
  async TagResource({ resourceArn, tags }: { resourceArn: string; tags: Record<string, string> }) {
    this.tags.tag(this.#tagged(resourceArn).arn, Object.entries(tags));
    return {};
  }

  /** Removes the tags of these keys; a key the API does not have is no error. */
  async UntagResource({ resourceArn, tagKeys }: { resourceArn: string; tagKeys: string[] }) {
    this.tags.untag(this.#tagged(resourceArn).arn, tagKeys);
    return {};
  }

  async ListTagsForResource({ resourceArn }: { resourceArn: string }) {
    return { tags: this.tags.map(this.#tagged(resourceArn).arn) };
  }

  /**
   * The API a tag operation's ARN names (a GraphQL API is the resource AppSync's tags are of; the
   * model's pattern has refused any other ARN).
   * @throws AwsError NotFoundException for an API the app does not have
   */
  #tagged(arn: string): GraphqlApiDefinition {
    const api = this.apis().find((a) => a.arn === arn);
    if (api === undefined) throw new AwsError('NotFoundException', `GraphQL API ${arn} not found: the app's are its template's.`, 404);
    return api;
  }
}
