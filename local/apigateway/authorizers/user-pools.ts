/**
 * The local Cognito user pools as API Gateway's authorizers reach them: a REST API's
 * `COGNITO_USER_POOLS` authorizer names its pools by ARN (`ProviderARNs`), an HTTP API's JWT
 * authorizer by issuer (`https://cognito-idp.<region>.amazonaws.com/<poolId>`, what CDK's
 * `userPoolProviderUrl` gives). Locally the pool's tokens are issued as `<endpoint>/<poolId>`
 * (docs/local-runtime/cognito-idp.md), so the authorizer checks them against that issuer and
 * the pool's keys in-process, not against AWS's host, which the runtime never reaches.
 */
import type { JsonWebKey } from 'node:crypto';
import { checkScopes, type JwtClaims, JwtValidationError, jwtHeader, verifyJwt } from './jwt.js';

/** A local pool's issuer (the tokens' `iss`) and its signing keys (its JWKS). */
export interface LocalUserPool {
  readonly id: string;
  readonly issuer: string;
  readonly keys: readonly JsonWebKey[];
}

/** Looks up a pool that runs here by id; undefined when none does. */
export type LocalUserPools = (poolId: string) => LocalUserPool | undefined;

/** No pool runs here (a runtime without the Cognito module, a test's service). */
export const NO_USER_POOLS: LocalUserPools = () => undefined;

const POOL_ID = '[\\w-]+_[A-Za-z0-9]+';
const COGNITO_ISSUER = new RegExp(`^https://cognito-idp\\.[a-z0-9-]+\\.amazonaws\\.com/(${POOL_ID})/?$`);
const POOL_ARN = new RegExp(`^arn:[\\w-]+:cognito-idp:[a-z0-9-]+:\\d{12}:userpool/(${POOL_ID})$`);

/** The pool id of a Cognito issuer URL as AWS writes it, or undefined for any other issuer. */
export function poolIdOfIssuer(issuer: string): string | undefined {
  return COGNITO_ISSUER.exec(issuer)?.[1];
}

/** The pool id of a user pool's ARN, or undefined for anything else. */
export function poolIdOfArn(arn: string): string | undefined {
  return POOL_ARN.exec(arn)?.[1];
}

/**
 * The claims of a token one of the pools signed, as a REST API's Cognito authorizer accepts it:
 * signature (the pool picked by the token's `kid`), `iss`, `exp`; an id token when the method
 * has no scopes, an access token holding one of them when it has.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
 * @throws JwtValidationError (401) for a token that is not valid here, JwtScopeError (403) for one of none of the scopes
 */
export function verifyUserPoolToken(token: string, pools: readonly LocalUserPool[], scopes: readonly string[], nowMs: number): JwtClaims {
  const { kid } = jwtHeader(token);
  const pool = pools.find((p) => p.keys.some((key) => key.kid === kid));
  if (pool === undefined) throw new JwtValidationError(`no key of the authorizer's user pools has the token's kid ${String(kid)}`);
  const claims = verifyJwt(token, pool.keys, { issuer: pool.issuer }, nowMs);
  const wanted = scopes.length === 0 ? 'id' : 'access';
  if (claims.token_use !== wanted) {
    throw new JwtValidationError(
      scopes.length === 0
        ? `the token is a${claims.token_use === 'access' ? 'n access' : ` ${String(claims.token_use)}`} token; a method without authorization scopes takes an id token`
        : `the token is no access token; a method with authorization scopes (${scopes.join(' ')}) takes an access token`,
    );
  }
  checkScopes(claims, scopes);
  return claims;
}
