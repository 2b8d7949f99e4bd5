import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { LocalUrl, LocalUrlContext } from '../cloudformation/local-urls.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import type { LoadedResource } from '../template/load.js';
import type { CognitoContext } from './context.js';
import { validity } from './issue-tokens.js';
import type { ClientRecord } from './records.js';

/**
 * A user pool domain's token endpoint (`https://<domain>.auth.<region>.amazoncognito.com/oauth2/token`),
 * served at `<endpoint>/_aws/cognito-idp/<domain>/oauth2/token`: the client credentials grant
 * (machine-to-machine), as the developer guide's token endpoint page describes it
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html). A form-encoded
 * OAuth 2.0 protocol that no AWS API model describes, so it routes its one path itself.
 */
const TOKEN_PATH = /^\/_aws\/cognito-idp\/([a-z0-9-]+)\/oauth2\/token$/;

/** A domain of the template (`AWS::Cognito::UserPoolDomain`'s `Domain` prefix) and its pool. */
export interface PoolDomain {
  readonly domain: string;
  readonly poolId: string;
}

/** The template's prefix domains and their pools. */
export function poolDomains(resources: readonly LoadedResource[]): PoolDomain[] {
  return resources.flatMap((r) => {
    const { Domain: domain, UserPoolId: poolId } = r.properties;
    if (r.type !== 'AWS::Cognito::UserPoolDomain' || typeof domain !== 'string' || typeof poolId !== 'string') return [];
    return [{ domain, poolId }];
  });
}

/** `https://<domain>.auth.<region>.amazoncognito.com` (CDK's `UserPoolDomain.baseUrl()`) and where it is served here. */
export function domainLocalUrls(resources: readonly LoadedResource[], { url, region }: LocalUrlContext): LocalUrl[] {
  return poolDomains(resources).map(({ domain }) => ({
    aws: `https://${domain}.auth.${region}.amazoncognito.com`,
    local: `${url}/_aws/cognito-idp/${domain}`,
  }));
}

/** An OAuth 2.0 error answer, as Cognito's token endpoint gives it: 400 and `{"error": "<code>"}`. */
class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(readonly code: string) {
    super(code);
  }
}

const json = (status: number, body: unknown): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json;charset=UTF-8' },
  body: JSON.stringify(body),
});

/** The token endpoint of the domains `domains()` lists (read per request: a reload may add one). */
export function tokenEndpoint(context: CognitoContext, domains: () => readonly PoolDomain[]): RestProtocolService {
  return {
    handles: (request) => TOKEN_PATH.test(request.path),
    handle: async (request) => {
      const domain = TOKEN_PATH.exec(request.path)?.[1] ?? '';
      const poolId = domains().find((d) => d.domain === domain)?.poolId;
      if (poolId === undefined) return json(404, { error: 'not_found', error_description: `no user pool domain ${domain} in the app` });
      if (request.method !== 'POST') return json(405, { error: 'invalid_request', error_description: 'the token endpoint takes POST' });
      try {
        return json(200, clientCredentialsToken(context, poolId, request));
      } catch (error) {
        if (error instanceof OAuthError) return json(400, { error: error.code });
        throw error;
      }
    },
  };
}

/** The access token of a client credentials grant, after the checks Cognito makes of the client, the grant and the scopes. */
function clientCredentialsToken(context: CognitoContext, poolId: string, request: RawRequest) {
  const form = new URLSearchParams(request.body.toString('utf8'));
  const grantType = form.get('grant_type');
  if (grantType === null) throw new OAuthError('invalid_request');
  const client = authenticated(context, poolId, request, form);
  if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type');
  if (client.AllowedOAuthFlowsUserPoolClient !== true || !(client.AllowedOAuthFlows ?? []).includes('client_credentials')) {
    throw new OAuthError('unauthorized_client');
  }
  const allowed = client.AllowedOAuthScopes ?? [];
  const asked = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
  // No scope asked for: every scope the client is allowed.
  const scopes = asked.length === 0 ? allowed : asked;
  if (scopes.length === 0 || scopes.some((scope) => !allowed.includes(scope))) throw new OAuthError('invalid_scope');
  const now = Math.floor(context.clock.now() / 1000);
  const expiresIn = validity(client, 'AccessToken');
  const accessToken = context.keys.sign(poolId, {
    sub: client.ClientId,
    token_use: 'access',
    scope: scopes.join(' '),
    auth_time: now,
    iss: context.issuer(poolId),
    exp: now + expiresIn,
    iat: now,
    version: 2,
    jti: randomUUID(),
    client_id: client.ClientId,
  });
  return { access_token: accessToken, expires_in: expiresIn, token_type: 'Bearer' };
}

/**
 * The pool's client that the request authenticates as: its id and secret in a Basic
 * Authorization header (client_secret_basic) or the form (client_secret_post).
 * @throws OAuthError invalid_client for no credentials, an unknown client, another pool's, or a wrong secret
 */
function authenticated(context: CognitoContext, poolId: string, request: RawRequest, form: URLSearchParams): ClientRecord {
  const basic = /^Basic\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  const decoded = basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded?.indexOf(':') ?? -1;
  const [id, secret] =
    decoded !== undefined && colon > 0
      ? [decoded.slice(0, colon), decoded.slice(colon + 1)]
      : [form.get('client_id') ?? '', form.get('client_secret') ?? ''];
  const client = context.store.clients.get(id);
  if (client === undefined || client.UserPoolId !== poolId || client.ClientSecret === undefined) throw new OAuthError('invalid_client');
  const given = Buffer.from(secret);
  const expected = Buffer.from(client.ClientSecret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new OAuthError('invalid_client');
  return client;
}
