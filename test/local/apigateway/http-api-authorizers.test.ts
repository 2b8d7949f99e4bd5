import { describe, expect, it } from 'vitest';
import { AuthorizerCache } from '../../../local/apigateway/authorizers/cache.js';
import { isLoopbackUrl } from '../../../local/apigateway/authorizers/jwks.js';
import { checkScopes, JwtScopeError, JwtValidationError, verifyJwt } from '../../../local/apigateway/authorizers/jwt.js';
import {
  AuthorizerResponseError,
  authorizerAnswerOf,
  isAllowed,
  routeArn,
} from '../../../local/apigateway/authorizers/lambda-authorizer.js';
import { RouteThrottles, TokenBucket } from '../../../local/apigateway/http-api-throttle.js';
import { otherKey, testIssuer } from './jwt-tokens.js';

describe('AuthorizerCache', () => {
  it('keeps an answer for its TTL, keyed by the authorizer and every identity value', () => {
    const cache = new AuthorizerCache<string>();
    cache.set('a1', ['token', 'q'], 'allowed', 1_000, 60);
    expect(cache.get('a1', ['token', 'q'], 60_999)).toBe('allowed');
    expect(cache.get('a1', ['token', 'other'], 2_000)).toBeUndefined();
    expect(cache.get('a2', ['token', 'q'], 2_000)).toBeUndefined();
    expect(cache.get('a1', ['token', 'q'], 61_000)).toBeUndefined();
  });

  it('keeps nothing when the TTL is 0', () => {
    const cache = new AuthorizerCache<string>();
    cache.set('a1', ['t'], 'allowed', 0, 0);
    expect(cache.get('a1', ['t'], 0)).toBeUndefined();
  });
});

describe('Lambda authorizer answers', () => {
  const arn = routeArn({ region: 'us-east-1', accountId: '1', apiId: 'abc', stage: '$default', method: 'GET', path: '/pets/1' });

  it('reads a simple response', () => {
    const answer = authorizerAnswerOf(JSON.stringify({ isAuthorized: true, context: { a: 1 } }), true);
    expect(answer).toEqual({ kind: 'simple', isAuthorized: true, context: { a: 1 } });
    expect(isAllowed(authorizerAnswerOf('{"isAuthorized":false}', true), arn)).toBe(false);
  });

  it('evaluates a policy: a matching Allow lets through, an explicit Deny wins, nothing matching denies', () => {
    const policy = (statements: unknown[]) =>
      authorizerAnswerOf(JSON.stringify({ principalId: 'p', policyDocument: { Statement: statements } }), false);
    const allowGet = { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:us-east-1:1:abc/*/GET/*' };
    expect(isAllowed(policy([allowGet]), arn)).toBe(true);
    expect(isAllowed(policy([allowGet, { Effect: 'Deny', Action: '*', Resource: ['*'] }]), arn)).toBe(false);
    expect(isAllowed(policy([{ ...allowGet, Resource: 'arn:aws:execute-api:us-east-1:1:abc/*/POST/*' }]), arn)).toBe(false);
  });

  it('fails with AuthorizerResponseError if the answer is neither shape', () => {
    expect(() => authorizerAnswerOf('{"isAuthorized":"yes"}', true)).toThrow(AuthorizerResponseError);
    expect(() => authorizerAnswerOf('{"isAuthorized":true}', false)).toThrow(AuthorizerResponseError);
    expect(() => authorizerAnswerOf('not json', true)).toThrow(AuthorizerResponseError);
  });
});

describe('verifyJwt', () => {
  const issuer = testIssuer();
  const expected = { issuer: 'https://id.local', audience: ['shop'] };
  const now = 1_700_000_000_000;
  const seconds = now / 1000;
  const claims = { iss: 'https://id.local', aud: 'shop', sub: 'u', exp: seconds + 60, iat: seconds - 10 };

  it('accepts a token signed by the issuer, for the audience, in its time', () => {
    expect(verifyJwt(issuer.token(claims), issuer.keys, expected, now)).toMatchObject({ sub: 'u' });
  });

  it('takes client_id as the audience when there is no aud', () => {
    const { aud: _, ...rest } = claims;
    expect(verifyJwt(issuer.token({ ...rest, client_id: 'shop' }), issuer.keys, expected, now)).toMatchObject({ sub: 'u' });
  });

  it('fails if the token has expired', () => {
    expect(() => verifyJwt(issuer.token({ ...claims, exp: seconds - 1 }), issuer.keys, expected, now)).toThrow(/expired/);
  });

  it('fails if the token is not valid yet (nbf)', () => {
    expect(() => verifyJwt(issuer.token({ ...claims, nbf: seconds + 30 }), issuer.keys, expected, now)).toThrow(JwtValidationError);
  });

  it('fails if the audience is another', () => {
    expect(() => verifyJwt(issuer.token({ ...claims, aud: ['other'] }), issuer.keys, expected, now)).toThrow(/audience/);
  });

  it('fails if the issuer is another', () => {
    expect(() => verifyJwt(issuer.token({ ...claims, iss: 'https://evil' }), issuer.keys, expected, now)).toThrow(/issuer/);
  });

  it('fails if the signature is bad', () => {
    expect(() => verifyJwt(issuer.token(claims, { key: otherKey() }), issuer.keys, expected, now)).toThrow(/invalid signature/);
    const [h, , s] = issuer.token(claims).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${s}`;
    expect(() => verifyJwt(forged, issuer.keys, expected, now)).toThrow(/invalid signature/);
  });

  it('fails if no key has the token kid', () => {
    expect(() => verifyJwt(issuer.token(claims, { kid: 'other' }), issuer.keys, expected, now)).toThrow(/kid/);
  });

  it('fails if the token is not a JWT', () => {
    expect(() => verifyJwt('abc', issuer.keys, expected, now)).toThrow(JwtValidationError);
  });
});

describe('checkScopes', () => {
  it('passes a token with one of the route scopes (scope or scp)', () => {
    expect(() => checkScopes({ scope: 'a b' }, ['b', 'c'])).not.toThrow();
    expect(() => checkScopes({ scp: ['c'] }, ['b', 'c'])).not.toThrow();
    expect(() => checkScopes({}, [])).not.toThrow();
  });

  it('fails if the token has none of the route scopes', () => {
    expect(() => checkScopes({ scope: 'a' }, ['b'])).toThrow(JwtScopeError);
    expect(() => checkScopes({}, ['b'])).toThrow(JwtScopeError);
  });
});

describe('isLoopbackUrl', () => {
  it('takes localhost and 127.x as this machine, and nothing else', () => {
    expect(isLoopbackUrl('http://localhost:8080/realms/x')).toBe(true);
    expect(isLoopbackUrl('http://127.0.0.1:9000')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:9000')).toBe(true);
    expect(isLoopbackUrl('https://cognito-idp.us-east-1.amazonaws.com/pool')).toBe(false);
    expect(isLoopbackUrl('http://127.0.0.1.example.com')).toBe(false);
  });
});

describe('TokenBucket', () => {
  it('lets the burst through at once, then one request per refilled token', () => {
    const bucket = new TokenBucket({ rate: 2, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
    expect(bucket.take(10_000)).toBe(true);
  });
});

describe('RouteThrottles', () => {
  it("uses a route's own settings over the stage default, one bucket per route", () => {
    const throttles = new RouteThrottles();
    const throttling = { defaults: { rate: 0, burst: 1 }, routes: { 'GET /b': { rate: 0, burst: 2 } } };
    const allow = (route: string) => throttles.allow('api', '$default', throttling, route, 0);
    expect([allow('GET /a'), allow('GET /a')]).toEqual([true, false]);
    expect([allow('GET /b'), allow('GET /b'), allow('GET /b')]).toEqual([true, true, false]);
    expect(throttles.allow('api', '$default', undefined, 'GET /a', 0)).toBe(true);
  });
});
