import type { LoadedApp } from '../../template/load.js';
import { whereOf } from '../../template/not-run.js';
import type { Json } from '../../template/resolve.js';
import type { ApiKeyDefinition, AuthProvider } from '../definitions.js';

/** An action on an Event API, each with its own auth modes (https://docs.aws.amazon.com/appsync/latest/eventapi/configure-event-api-auth.html). */
export type EventAction = 'connect' | 'publish' | 'subscribe';

/** A channel namespace: the first segment of its channels, with the publish and subscribe modes it sets for them. */
export interface ChannelNamespaceDefinition {
  readonly name: string;
  /** Its PublishAuthModes and SubscribeAuthModes; an action it sets none for takes the API's default. */
  readonly modes: Partial<Readonly<Record<Exclude<EventAction, 'connect'>, readonly AuthProvider['type'][]>>>;
}

/** An AppSync Event API (`AWS::AppSync::Api` with an EventConfig) and its namespaces and keys. */
export interface EventApiDefinition {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  /** Its Dns.Http (and Dns.Realtime): `<host>/_aws/appsync/<id>` locally. */
  readonly dns: string;
  /** Its AuthProviders: each mode's configuration (a pool, an authorizer, an issuer). */
  readonly auth: readonly AuthProvider[];
  /** ConnectionAuthModes, DefaultPublishAuthModes and DefaultSubscribeAuthModes. */
  readonly modes: Readonly<Record<EventAction, readonly AuthProvider['type'][]>>;
  readonly apiKeys: readonly ApiKeyDefinition[];
  readonly namespaces: ReadonlyMap<string, ChannelNamespaceDefinition>;
  readonly where: string;
}

type Props = Record<string, Json>;
const str = (value: Json | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const obj = (value: Json | undefined): Props => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});
const list = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);

/** An EventConfig AuthProvider (`AuthType` and its CognitoConfig, OpenIDConnectConfig or LambdaAuthorizerConfig). */
function eventAuthProvider(p: Props): AuthProvider {
  const pool = obj(p.CognitoConfig);
  const oidc = obj(p.OpenIDConnectConfig);
  const lambda = obj(p.LambdaAuthorizerConfig);
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: value });
  return {
    type: str(p.AuthType) as AuthProvider['type'],
    ...optional('userPoolId', str(pool.UserPoolId)),
    ...optional('appIdClientRegex', str(pool.AppIdClientRegex)),
    ...optional('issuer', str(oidc.Issuer)),
    ...optional('clientId', str(oidc.ClientId)),
    ...optional('authorizerUri', str(lambda.AuthorizerUri)),
  };
}

/** A list of `{ AuthType }` (ConnectionAuthModes, PublishAuthModes, ...): the types it names. */
const authModes = (value: Json | undefined): AuthProvider['type'][] =>
  list(value).flatMap((mode) => (str(obj(mode).AuthType) ? [str(obj(mode).AuthType) as AuthProvider['type']] : []));

/**
 * The template's Event APIs with their namespaces and API keys, joined by ApiId. A namespace's
 * handlers (CodeHandlers, HandlerConfigs) are not run locally: warned of, its events pass as
 * published.
 */
export function eventApiDefinitions(app: LoadedApp, warnings: string[]): EventApiDefinition[] {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const keys = resources.filter((r) => r.type === 'AWS::AppSync::ApiKey');
  const namespaces = resources.filter((r) => r.type === 'AWS::AppSync::ChannelNamespace');
  const apis = resources.filter((r) => r.type === 'AWS::AppSync::Api');
  const ids = new Set(apis.map((r) => r.attributes.ApiId));
  for (const namespace of namespaces) {
    if (!ids.has(String(namespace.properties.ApiId)))
      warnings.push(
        `${whereOf(namespace)}: its ApiId ${JSON.stringify(namespace.properties.ApiId)} is none of the app's Event APIs; it is left out`,
      );
    const p = namespace.properties;
    if (p.CodeHandlers !== undefined || p.CodeS3Location !== undefined || p.HandlerConfigs !== undefined)
      warnings.push(
        `${whereOf(namespace)}: its handlers (onPublish, onSubscribe) are not run locally; its events are delivered as published`,
      );
  }
  return apis.map((r) => {
    const id = r.attributes.ApiId as string;
    const config = obj(r.properties.EventConfig);
    if (r.properties.EventConfig === undefined) warnings.push(`${whereOf(r)}: no EventConfig; every request to it is refused`);
    return {
      id,
      name: r.physicalName,
      arn: r.attributes.ApiArn as string,
      dns: r.attributes['Dns.Http'] as string,
      auth: list(config.AuthProviders).map((p) => eventAuthProvider(obj(p))),
      modes: {
        connect: authModes(config.ConnectionAuthModes),
        publish: authModes(config.DefaultPublishAuthModes),
        subscribe: authModes(config.DefaultSubscribeAuthModes),
      },
      apiKeys: keys
        .filter((k) => k.properties.ApiId === id)
        .map((k) => ({
          id: k.attributes.ApiKey as string,
          ...(typeof k.properties.Expires === 'number' ? { expires: k.properties.Expires } : {}),
        })),
      namespaces: new Map(
        namespaces
          .filter((n) => n.properties.ApiId === id)
          .map((n) => {
            const publish = authModes(n.properties.PublishAuthModes);
            const subscribe = authModes(n.properties.SubscribeAuthModes);
            const modes = { ...(publish.length > 0 ? { publish } : {}), ...(subscribe.length > 0 ? { subscribe } : {}) };
            return [n.physicalName, { name: n.physicalName, modes }];
          }),
      ),
      where: whereOf(r),
    };
  });
}
