import { isLoopbackUrl } from '../apigateway/http-forward.js';
import type { LoadedApp, LoadedResource } from '../template/load.js';

/** One of a connection's extra parameters (`InvocationHttpParameters`, `OAuthHttpParameters`). */
export interface ConnectionParameter {
  readonly key: string;
  readonly value: string;
}

/** A connection's header, query string and body parameters. */
export interface ConnectionParameters {
  readonly headers: readonly ConnectionParameter[];
  readonly query: readonly ConnectionParameter[];
  readonly body: readonly ConnectionParameter[];
}

/** How a connection authorizes each request (AWS::Events::Connection `AuthorizationType` and `AuthParameters`). */
export type ConnectionAuthorization =
  | { readonly type: 'API_KEY'; readonly name: string; readonly value: string }
  | { readonly type: 'BASIC'; readonly username: string; readonly password: string }
  | {
      readonly type: 'OAUTH_CLIENT_CREDENTIALS';
      readonly endpoint: string;
      readonly method: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly parameters: ConnectionParameters;
    };

export interface ConnectionDefinition {
  readonly arn: string;
  readonly name: string;
  readonly authorization: ConnectionAuthorization;
  /** Added to every request through the connection; on a clash they win over the caller's (EventBridge's precedence). */
  readonly invocation: ConnectionParameters;
}

/** An AWS::Events::ApiDestination: where requests go, and the connection that authorizes them. */
export interface ApiDestinationDefinition {
  readonly arn: string;
  readonly name: string;
  /** May hold `*` wildcards, filled from the caller's path parameter values in order. */
  readonly endpoint: string;
  readonly method: string;
  readonly connection: ConnectionDefinition;
}

type Props = Record<string, unknown>;

/**
 * The template's API destinations with their connections, by ARN, and what stops one from
 * being called locally: a connection whose authorization the template does not give whole
 * (a secret CloudFormation would read from Secrets Manager is not read locally), or an
 * endpoint (or OAuth authorization endpoint) that is not on this machine, since the local
 * runtime calls only loopback URLs (as API Gateway's HTTP integrations do).
 */
export function apiDestinations(app: LoadedApp): { destinations: Map<string, ApiDestinationDefinition>; problems: Map<string, string> } {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const connections = new Map<string, ConnectionDefinition | string>();
  for (const r of resources.filter((c) => c.type === 'AWS::Events::Connection')) connections.set(arnOf(r), connectionOf(r));
  const destinations = new Map<string, ApiDestinationDefinition>();
  const problems = new Map<string, string>();
  for (const r of resources.filter((d) => d.type === 'AWS::Events::ApiDestination')) {
    const p = r.properties as Props;
    const arn = arnOf(r);
    const connection = connections.get(String(p.ConnectionArn ?? ''));
    const endpoint = String(p.InvocationEndpoint ?? '');
    const problem =
      connection === undefined
        ? `its connection ${String(p.ConnectionArn)} is not an AWS::Events::Connection of the app`
        : typeof connection === 'string'
          ? connection
          : !isUrl(endpoint)
            ? `its InvocationEndpoint ${JSON.stringify(endpoint)} is not a URL (AWS takes only an HTTPS URL)`
            : !isLoopbackUrl(endpoint)
              ? `its InvocationEndpoint ${endpoint} is not on this machine (the local runtime calls only loopback URLs)`
              : connection.authorization.type === 'OAUTH_CLIENT_CREDENTIALS' && !isLoopbackUrl(connection.authorization.endpoint)
                ? `its connection's AuthorizationEndpoint ${connection.authorization.endpoint} is not on this machine (the local runtime calls only loopback URLs)`
                : undefined;
    if (problem !== undefined || typeof connection !== 'object') {
      problems.set(arn, `API destination ${r.physicalName}: ${problem}`);
      continue;
    }
    destinations.set(arn, { arn, name: r.physicalName, endpoint, method: String(p.HttpMethod ?? 'POST').toUpperCase(), connection });
  }
  return { destinations, problems };
}

/**
 * A warning for each API destination the runtime runs otherwise than AWS: one it calls over
 * plain http (AWS takes only HTTPS endpoints, "The URL must use HTTPS", eb-api-destination-create,
 * so a loopback `http://` URL that runs here is not one a deploy takes), and one whose
 * InvocationRateLimitPerSecond it does not apply (AWS sends at most that many requests a second
 * and holds the rest within the target's retry window, up to 24 hours; locally each event is
 * sent when it comes, so a burst arrives at once).
 */
export function apiDestinationEndpointWarnings(app: LoadedApp): string[] {
  return app.stacks
    .flatMap((stack) => stack.resources)
    .filter((r) => r.type === 'AWS::Events::ApiDestination')
    .flatMap((r) => {
      const p = r.properties as Props;
      const endpoint = String(p.InvocationEndpoint ?? '');
      const where = `${r.stackName}/${r.logicalId} (AWS::Events::ApiDestination)`;
      const rate = p.InvocationRateLimitPerSecond;
      return [
        ...(isUrl(endpoint) && new URL(endpoint).protocol !== 'https:'
          ? [
              `${where}: its InvocationEndpoint ${endpoint} is not HTTPS, which AWS requires of an API destination; locally it is called as given`,
            ]
          : []),
        ...(rate === undefined
          ? []
          : [
              `${where}: its InvocationRateLimitPerSecond ${String(rate)} is not applied locally: each event is sent as it comes (AWS sends at most ${String(rate)} a second and holds the rest, for up to the target's 24-hour retry window)`,
            ]),
      ];
    });
}

function isUrl(text: string): boolean {
  return URL.canParse(text);
}

const arnOf = (r: LoadedResource): string => r.attributes.Arn ?? r.ref;

/** The connection as the template gives it, or why it cannot authorize a request locally. */
function connectionOf(r: LoadedResource): ConnectionDefinition | string {
  const p = r.properties as Props;
  const auth = (p.AuthParameters ?? {}) as Props;
  const where = `its connection ${r.physicalName}`;
  const missing = (what: string) =>
    `${where} has no ${what} locally (a value CloudFormation reads from Secrets Manager is not read locally)`;
  const base = { arn: arnOf(r), name: r.physicalName, invocation: parametersOf(auth.InvocationHttpParameters) };
  switch (p.AuthorizationType) {
    case 'API_KEY': {
      const key = (auth.ApiKeyAuthParameters ?? {}) as Props;
      if (typeof key.ApiKeyName !== 'string' || typeof key.ApiKeyValue !== 'string') return missing('ApiKeyName and ApiKeyValue');
      return { ...base, authorization: { type: 'API_KEY', name: key.ApiKeyName, value: key.ApiKeyValue } };
    }
    case 'BASIC': {
      const basic = (auth.BasicAuthParameters ?? {}) as Props;
      if (typeof basic.Username !== 'string' || typeof basic.Password !== 'string') return missing('Username and Password');
      return { ...base, authorization: { type: 'BASIC', username: basic.Username, password: basic.Password } };
    }
    case 'OAUTH_CLIENT_CREDENTIALS': {
      const oauth = (auth.OAuthParameters ?? {}) as Props;
      const client = (oauth.ClientParameters ?? {}) as Props;
      if (typeof oauth.AuthorizationEndpoint !== 'string' || typeof client.ClientID !== 'string' || typeof client.ClientSecret !== 'string')
        return missing('AuthorizationEndpoint, ClientID and ClientSecret');
      return {
        ...base,
        authorization: {
          type: 'OAUTH_CLIENT_CREDENTIALS',
          endpoint: oauth.AuthorizationEndpoint,
          method: String(oauth.HttpMethod ?? 'POST').toUpperCase(),
          clientId: client.ClientID,
          clientSecret: client.ClientSecret,
          parameters: parametersOf(oauth.OAuthHttpParameters),
        },
      };
    }
    default:
      return `${where} has AuthorizationType ${JSON.stringify(p.AuthorizationType)}, not API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS`;
  }
}

function parametersOf(value: unknown): ConnectionParameters {
  const p = (value ?? {}) as Props;
  const list = (entries: unknown): ConnectionParameter[] =>
    ((entries as Props[] | undefined) ?? []).map((e) => ({ key: String(e.Key ?? ''), value: String(e.Value ?? '') }));
  return { headers: list(p.HeaderParameters), query: list(p.QueryStringParameters), body: list(p.BodyParameters) };
}
