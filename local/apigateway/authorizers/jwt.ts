/**
 * JWT validation as an HTTP API's JWT authorizer does it: the signature with the issuer's key
 * named by `kid`, then `iss`, `aud` (or `client_id` when there is no `aud`), `exp`, `nbf` and
 * `iat` against the current time, and the route's scopes against `scope`/`scp`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';

/** The token is not valid for the authorizer: 401, with `error_description` in `www-authenticate`. */
export class JwtValidationError extends Error {
  override readonly name = 'JwtValidationError';
}

/** The token is valid but has none of the route's scopes: 403. */
export class JwtScopeError extends Error {
  override readonly name = 'JwtScopeError';
}

export interface JwtExpectations {
  readonly issuer: string;
  /** The `aud` (or `client_id`) values accepted; undefined: not checked (a REST API's Cognito authorizer checks none). */
  readonly audience?: readonly string[];
}

export type JwtClaims = Readonly<Record<string, unknown>>;

/** Signature algorithms by `alg`: the digest, and for ECDSA the signature's JOSE (r||s) encoding. */
const ALGORITHMS: Readonly<Record<string, { readonly digest: string; readonly ecdsa: boolean }>> = {
  RS256: { digest: 'sha256', ecdsa: false },
  RS384: { digest: 'sha384', ecdsa: false },
  RS512: { digest: 'sha512', ecdsa: false },
  ES256: { digest: 'sha256', ecdsa: true },
  ES384: { digest: 'sha384', ecdsa: true },
  ES512: { digest: 'sha512', ecdsa: true },
};

/** The token's header (`kid`, `alg`), read without checking anything, to pick the key. */
export function jwtHeader(token: string): { readonly kid?: string; readonly alg?: string } {
  const [header] = token.split('.');
  return decodePart(header ?? '', 'header') as { kid?: string; alg?: string };
}

/** The claims of a token whose signature, issuer, audience and times are valid; JwtValidationError otherwise. */
export function verifyJwt(token: string, keys: readonly JsonWebKey[], expected: JwtExpectations, nowMs: number): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtValidationError('the token is not a JWT (three parts separated by dots)');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodePart(headerPart, 'header') as { kid?: unknown; alg?: unknown };
  const claims = decodePart(payloadPart, 'payload') as Record<string, unknown>;
  const algorithm = ALGORITHMS[String(header.alg)];
  if (algorithm === undefined) throw new JwtValidationError(`the token's signing algorithm ${String(header.alg)} is not supported`);
  const key = header.kid === undefined && keys.length === 1 ? keys[0] : keys.find((k) => k.kid === header.kid);
  if (key === undefined) throw new JwtValidationError(`no key of the issuer has the token's kid ${String(header.kid)}`);
  let valid: boolean;
  try {
    const publicKey = createPublicKey({ key, format: 'jwk' });
    valid = verify(
      algorithm.digest,
      Buffer.from(`${headerPart}.${payloadPart}`),
      algorithm.ecdsa ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey,
      Buffer.from(signaturePart, 'base64url'),
    );
  } catch (error) {
    throw new JwtValidationError(`the token's signature could not be checked with key ${String(key.kid)}`, { cause: error });
  }
  if (!valid) throw new JwtValidationError('the token has an invalid signature');
  if (claims.iss !== expected.issuer) throw new JwtValidationError('the token does not have a valid issuer');
  const audience = claims.aud !== undefined ? [claims.aud].flat() : claims.client_id !== undefined ? [claims.client_id] : [];
  const accepted = expected.audience;
  if (accepted !== undefined && !audience.some((aud) => accepted.includes(String(aud)))) {
    throw new JwtValidationError('the token does not have a valid audience');
  }
  const now = nowMs / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new JwtValidationError('the token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now) throw new JwtValidationError('the token is not valid yet');
  if (typeof claims.iat === 'number' && claims.iat > now) throw new JwtValidationError('the token was issued in the future');
  return claims;
}

/** The token's scopes: `scope` (separated by spaces) or `scp` (a list or a string). */
export function scopesOf(claims: JwtClaims): string[] {
  const value = claims.scope ?? claims.scp;
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split(' ').filter((scope) => scope !== '') : [];
}

/** With route scopes, the token needs at least one of them (JwtScopeError otherwise). */
export function checkScopes(claims: JwtClaims, routeScopes: readonly string[]): void {
  if (routeScopes.length === 0) return;
  const scopes = scopesOf(claims);
  if (!routeScopes.some((scope) => scopes.includes(scope))) {
    throw new JwtScopeError(`the token has none of the route's scopes (${routeScopes.join(' ')})`);
  }
}

/**
 * Claims as API Gateway hands them to the integration (`requestContext.authorizer.jwt.claims`):
 * strings, a list as `[a b]` (unverified beyond AWS's examples, which show only strings).
 */
export function claimsForIntegration(claims: JwtClaims): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
    ]),
  );
}

function decodePart(part: string, what: string): unknown {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value === null || typeof value !== 'object') throw new Error(`the ${what} is not a JSON object`);
    return value;
  } catch (error) {
    throw new JwtValidationError(`the token's ${what} is not base64url-encoded JSON`, { cause: error });
  }
}
