import { type JsonWebKey, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JwksSource } from '../apigateway/authorizers/jwks.js';
import { type JwtClaims, JwtValidationError, verifyJwt } from '../apigateway/authorizers/jwt.js';
import type { LocalCognito } from '../cognito-idp/module.js';
import type { EndpointGuard } from '../endpoint/guard.js';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { AuthProvider, GraphqlApiDefinition } from './definitions.js';
import { AppSyncUnauthorizedError } from './errors.js';

/** The mode a request was let in by, its `$ctx.identity`, and what a Lambda authorizer denied or handed the resolvers. */
export interface Authorized {
  readonly mode: AuthProvider['type'];
  readonly identity: unknown;
  readonly deniedFields: readonly string[];
}

/** What `$util.authType()` answers for each mode. */
export const AUTH_TYPE_NAMES: Readonly<Record<AuthProvider['type'], string>> = {
  API_KEY: 'API Key Authorization',
  AWS_IAM: 'IAM Authorization',
  AMAZON_COGNITO_USER_POOLS: 'User Pool Authorization',
  OPENID_CONNECT: 'Open ID Connect Authorization',
  AWS_LAMBDA: 'Lambda Authorization',
};

export interface AuthServices {
  readonly cognito: () => LocalCognito;
  readonly lambda: () => Pick<LambdaService, 'invoke'>;
  readonly jwks: JwksSource;
  readonly guard: EndpointGuard;
  readonly now: () => number;
  readonly accountId: string;
}

export interface AuthRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, readonly string[] | string | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly operationName?: string;
  readonly variables?: unknown;
  readonly query: string;
}

/** What an API's authorizers read of it: its id, its modes (each with its configuration) and its keys. A GraphQL API, or an Event API's modes for one action. */
export type AuthorizedApi = Pick<GraphqlApiDefinition, 'id' | 'auth' | 'apiKeys'>;

const first = (value: readonly string[] | string | undefined) => (Array.isArray(value) ? value[0] : (value as string | undefined));

/**
 * Which of the API's modes lets a request in, as AppSync picks it: `x-api-key` for API_KEY, a
 * SigV4 `Authorization` for AWS_IAM, a JWT for Cognito user pools or OIDC, any other
 * `Authorization` for a Lambda authorizer. None: AppSyncUnauthorizedError (401).
 * (https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html)
 */
export async function authorize(api: AuthorizedApi, request: AuthRequest, services: AuthServices): Promise<Authorized> {
  const apiKey = first(request.headers['x-api-key']);
  const authorization = first(request.headers.authorization);
  const modes = (type: AuthProvider['type']) => api.auth.filter((p) => p.type === type);
  if (apiKey !== undefined && modes('API_KEY').length > 0) {
    const key = api.apiKeys.find((k) => k.id === apiKey);
    if (key === undefined) throw new AppSyncUnauthorizedError('You are not authorized to make this call.');
    if (key.expires !== undefined && key.expires * 1000 <= services.now()) throw new AppSyncUnauthorizedError('API key has expired.');
    return { mode: 'API_KEY', identity: null, deniedFields: [] };
  }
  if (authorization === undefined)
    throw new AppSyncUnauthorizedError(
      apiKey === undefined ? 'Valid authorization header not provided.' : 'You are not authorized to make this call.',
    );
  if (authorization.startsWith('AWS4-HMAC-SHA256 ') && modes('AWS_IAM').length > 0) return iamIdentity(request, authorization, services);
  const token = authorization.replace(/^Bearer /, '');
  if (token.split('.').length === 3) {
    for (const provider of modes('AMAZON_COGNITO_USER_POOLS')) {
      const claims = cognitoClaims(provider, token, services);
      if (claims) return { mode: 'AMAZON_COGNITO_USER_POOLS', identity: cognitoIdentity(claims, request.sourceIp, api), deniedFields: [] };
    }
    for (const provider of modes('OPENID_CONNECT')) {
      const claims = await oidcClaims(provider, token, services);
      if (claims) {
        const identity = { sub: claims.sub, issuer: claims.iss, claims, sourceIp: [request.sourceIp], defaultAuthStrategy: 'ALLOW' };
        return { mode: 'OPENID_CONNECT', identity, deniedFields: [] };
      }
    }
  }
  const lambda = modes('AWS_LAMBDA')[0];
  if (lambda) return lambdaAuthorizer(api, lambda, authorization, request, services);
  throw new AppSyncUnauthorizedError('You are not authorized to make this call.');
}

/** AWS_IAM: the endpoint's SigV4 verifier checks the signature when the runtime verifies signatures (else any signed request is let in, as by every local service). */
async function iamIdentity(request: AuthRequest, authorization: string, services: AuthServices): Promise<Authorized> {
  if (services.guard.verifiesSignatures) {
    // The verifier reads a Node request's headers: one string each (the endpoint hands a front door lists).
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]),
    );
    const asSent = { method: request.method, url: request.url, headers } as unknown as IncomingMessage;
    const refused = await services.guard.checkSignature(asSent, request.body);
    if (refused) throw new AppSyncUnauthorizedError('The request signature we calculated does not match the signature you provided.');
  }
  const accessKeyId = /Credential=([^/]+)\//.exec(authorization)?.[1] ?? '';
  const identity = {
    accountId: services.accountId,
    accessKey: accessKeyId,
    sourceIp: [request.sourceIp],
    username: accessKeyId,
    userArn: `arn:aws:iam::${services.accountId}:user/${accessKeyId}`,
    cognitoIdentityPoolId: null,
    cognitoIdentityId: null,
    cognitoIdentityAuthType: null,
    cognitoIdentityAuthProvider: null,
  };
  return { mode: 'AWS_IAM', identity, deniedFields: [] };
}

/** A token the pool's key signed, from its issuer, for one of its clients (AppIdClientRegex's when set), not expired; undefined otherwise. */
function cognitoClaims(provider: AuthProvider, token: string, services: AuthServices): JwtClaims | undefined {
  const poolId = provider.userPoolId;
  if (poolId === undefined) return undefined;
  const { context } = services.cognito();
  if (context.store.pools.get(poolId) === undefined) return undefined;
  const clients = context.store.clients
    .all()
    .filter((c) => c.UserPoolId === poolId)
    .map((c) => c.ClientId)
    .filter((id) => provider.appIdClientRegex === undefined || new RegExp(`^(?:${provider.appIdClientRegex})$`).test(id));
  try {
    return verifyJwt(
      token,
      context.keys.jwks(poolId).keys as JsonWebKey[],
      { issuer: context.issuer(poolId), audience: clients },
      services.now(),
    );
  } catch (error) {
    if (error instanceof JwtValidationError) return undefined;
    throw error;
  }
}

/** `$ctx.identity` for a Cognito user pools request (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference.html#aws-appsync-resolver-context-reference-identity). */
function cognitoIdentity(claims: JwtClaims, sourceIp: string, api: AuthorizedApi) {
  const groups = claims['cognito:groups'];
  return {
    sub: claims.sub,
    issuer: claims.iss,
    username: claims['cognito:username'] ?? claims.username,
    claims,
    sourceIp: [sourceIp],
    defaultAuthStrategy: api.auth[0]?.type === 'AMAZON_COGNITO_USER_POOLS' ? 'ALLOW' : 'DENY',
    groups: Array.isArray(groups) ? groups : null,
  };
}

/** An OIDC token verified against the issuer's keys (found as API Gateway's JWT authorizers find them), for ClientId when set. */
async function oidcClaims(provider: AuthProvider, token: string, services: AuthServices): Promise<JwtClaims | undefined> {
  if (provider.issuer === undefined) return undefined;
  const keys = await services.jwks.keys({ id: `appsync-oidc:${provider.issuer}`, logicalId: 'AppSyncOidc', issuer: provider.issuer });
  const unverified = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}') as JwtClaims;
  // Without a ClientId AppSync checks no audience: the token's own is taken.
  const audience = provider.clientId !== undefined ? [provider.clientId] : [unverified.aud, unverified.client_id].flat().map(String);
  try {
    return verifyJwt(token, keys, { issuer: provider.issuer, audience }, services.now());
  } catch (error) {
    if (error instanceof JwtValidationError) return undefined;
    throw error;
  }
}

/** AWS_LAMBDA: the authorizer function's `isAuthorized`, `resolverContext` and `deniedFields` (https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html#aws-lambda-authorization). */
async function lambdaAuthorizer(
  api: AuthorizedApi,
  provider: AuthProvider,
  authorizationToken: string,
  request: AuthRequest,
  services: AuthServices,
): Promise<Authorized> {
  if (provider.authorizerUri === undefined) throw new AppSyncUnauthorizedError('You are not authorized to make this call.');
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, first(v) ?? '']));
  const event = {
    authorizationToken,
    requestContext: {
      apiId: api.id,
      accountId: services.accountId,
      requestId: randomUUID(),
      queryString: request.query,
      operationName: request.operationName ?? null,
      variables: request.variables ?? {},
    },
    requestHeaders: headers,
  };
  const outcome = await services.lambda().invoke(provider.authorizerUri, event);
  const answer = outcome.ok ? (JSON.parse(outcome.payload || '{}') as Record<string, unknown>) : {};
  if (answer.isAuthorized !== true) throw new AppSyncUnauthorizedError('You are not authorized to make this call.');
  const denied = Array.isArray(answer.deniedFields) ? answer.deniedFields.map(String) : [];
  return { mode: 'AWS_LAMBDA', identity: { resolverContext: answer.resolverContext ?? {} }, deniedFields: denied };
}
