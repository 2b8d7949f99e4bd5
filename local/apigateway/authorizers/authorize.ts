/**
 * A route's authorization before its integration runs: a Lambda authorizer (its result cached
 * for `AuthorizerResultTtlInSeconds` by identity) or a JWT authorizer, answering as API
 * Gateway does: 401 `{"message":"Unauthorized"}` for a missing identity or a token that is not
 * valid, 403 `{"message":"Forbidden"}` for a denial or missing scope, 500 for an authorizer
 * that fails or answers something unreadable.
 */
import type { AuthorizerDefinition, JwtAuthorizerDefinition, LambdaAuthorizerDefinition } from '../http-api-access-definitions.js';
import { type MappingSource, optionalMapping } from '../http-api-mapping.js';
import { authorizerSourceArn, type LambdaInvoker } from '../lambda-invoker.js';
import { type HttpResponse, jsonResponse } from '../payload.js';
import { AuthorizerCache } from './cache.js';
import { type JwksSource, JwksUnavailableError } from './jwks.js';
import { checkScopes, claimsForIntegration, JwtScopeError, JwtValidationError, jwtHeader, scopesOf, verifyJwt } from './jwt.js';
import { type AuthorizerAnswer, AuthorizerResponseError, authorizerAnswerOf, authorizerEvent, isAllowed } from './lambda-authorizer.js';
import { type LocalUserPools, NO_USER_POOLS, poolIdOfIssuer } from './user-pools.js';

export interface AuthorizationRequest {
  /** The route's authorizer; undefined when the route names one that does not run here. */
  readonly authorizer: AuthorizerDefinition | undefined;
  readonly scopes: readonly string[];
  readonly mapping: MappingSource;
  /** The route's ARN for the request (`.../<stage>/<METHOD><path>`). */
  readonly arn: string;
  /** The request as an integration of the given payload format gets it, for the authorizer's event. */
  readonly eventOf: (version: '1.0' | '2.0') => Record<string, unknown>;
  readonly now: number;
}

export type AuthorizationOutcome =
  | {
      readonly ok: true;
      /** `requestContext.authorizer` by the integration's payload format. */
      readonly forEvent: (version: string) => Record<string, unknown>;
      /** `$context.authorizer` for parameter mappings. */
      readonly forMapping: Record<string, unknown>;
    }
  | { readonly ok: false; readonly response: HttpResponse; readonly error: string };

const unauthorized = (error: string, description?: string): AuthorizationOutcome => {
  const response = jsonResponse(401, { message: 'Unauthorized' });
  if (description !== undefined) {
    response.headers['www-authenticate'] = `Bearer scope="" error="invalid_token" error_description="${description}"`;
  }
  return { ok: false, response, error };
};
const forbidden = (error: string): AuthorizationOutcome => ({ ok: false, response: jsonResponse(403, { message: 'Forbidden' }), error });
const failed = (error: string): AuthorizationOutcome => ({
  ok: false,
  response: jsonResponse(500, { message: 'Internal Server Error' }),
  error,
});

export class HttpApiAuthorization {
  readonly #cache = new AuthorizerCache<AuthorizerAnswer>();

  constructor(
    private readonly options: {
      readonly lambda: LambdaInvoker;
      readonly jwks: JwksSource;
      /** The Cognito user pools that run here: an issuer `https://cognito-idp.<region>.amazonaws.com/<poolId>` is checked against its local pool. */
      readonly userPools?: LocalUserPools;
      /** A line in the runtime log, for what the client is not told (why a token's keys could not be had, an authorizer's failure). */
      readonly log: (line: string) => void;
    },
  ) {}

  async authorize(request: AuthorizationRequest): Promise<AuthorizationOutcome> {
    const { authorizer } = request;
    if (authorizer === undefined) return failed('the route names an authorizer that does not run locally');
    return authorizer.kind === 'lambda' ? this.#lambda(authorizer, request) : this.#jwt(authorizer, request);
  }

  async #lambda(authorizer: LambdaAuthorizerDefinition, request: AuthorizationRequest): Promise<AuthorizationOutcome> {
    const identity = authorizer.identitySource.map((source) => optionalMapping(source, request.mapping));
    // Every identity source must be present and non-empty, or API Gateway answers 401 without calling the function.
    if (identity.some((value) => value === undefined)) return unauthorized('an identity source is missing');
    const values = identity as string[];
    const cacheable = values.length > 0;
    let answer = cacheable ? this.#cache.get(authorizer.id, values, request.now) : undefined;
    if (answer === undefined) {
      const event = authorizerEvent(authorizer.payloadFormatVersion, request.eventOf(authorizer.payloadFormatVersion), request.arn, values);
      const caller = {
        sourceArn: authorizerSourceArn(request.arn, authorizer.id),
        ...(authorizer.roleArn ? { roleArn: authorizer.roleArn } : {}),
      };
      const outcome = await this.options.lambda
        .invoke(authorizer.functionArn, event, caller)
        .catch((error: unknown) => ({ ok: false as const, error }));
      if (!outcome.ok) {
        this.options.log(`authorizer ${authorizer.name}: the function ${authorizer.functionArn} failed: ${describe(outcome.error)}`);
        return failed('the authorizer failed');
      }
      try {
        answer = authorizerAnswerOf(outcome.payload, authorizer.simpleResponses);
      } catch (error) {
        if (!(error instanceof AuthorizerResponseError)) throw error;
        this.options.log(`authorizer ${authorizer.name}: ${error.message}`);
        return failed(error.message);
      }
      if (cacheable) this.#cache.set(authorizer.id, values, answer, request.now, authorizer.ttlSeconds);
    }
    if (!isAllowed(answer, request.arn)) return forbidden('the authorizer denied the request');
    const context = { ...answer.context };
    return { ok: true, forEvent: () => ({ lambda: context }), forMapping: context };
  }

  async #jwt(authorizer: JwtAuthorizerDefinition, request: AuthorizationRequest): Promise<AuthorizationOutcome> {
    const sources = authorizer.identitySource.length > 0 ? authorizer.identitySource : ['$request.header.Authorization'];
    const raw = optionalMapping(sources[0] as string, request.mapping);
    if (raw === undefined) return unauthorized('no token');
    const token = raw.replace(/^Bearer\s+/i, '');
    let claims: Readonly<Record<string, unknown>>;
    try {
      // A Cognito issuer is its local pool's: tokens issued here carry the pool's local issuer, and its keys are in-process.
      const poolId = poolIdOfIssuer(authorizer.issuer);
      const pool = poolId === undefined ? undefined : (this.options.userPools ?? NO_USER_POOLS)(poolId);
      if (poolId !== undefined && pool === undefined) {
        this.options.log(
          `authorizer ${authorizer.name}: the issuer ${authorizer.issuer} names the user pool ${poolId}, which does not run here`,
        );
        return unauthorized(`the user pool ${poolId} does not run here`);
      }
      claims =
        pool === undefined
          ? verifyJwt(token, await this.#keysFor(authorizer, token), authorizer, request.now)
          : verifyJwt(token, pool.keys, { issuer: pool.issuer, audience: authorizer.audience }, request.now);
      checkScopes(claims, request.scopes);
    } catch (error) {
      if (error instanceof JwksUnavailableError) {
        this.options.log(`authorizer ${authorizer.name}: ${error.message}${error.cause ? `: ${describe(error.cause)}` : ''}`);
        return unauthorized(error.message);
      }
      if (error instanceof JwtValidationError) return unauthorized(error.message, error.message);
      if (error instanceof JwtScopeError) {
        const outcome = forbidden(error.message);
        if (!outcome.ok) {
          outcome.response.headers['www-authenticate'] =
            `Bearer scope="${request.scopes.join(' ')}" error="insufficient_scope" error_description="${error.message}"`;
        }
        return outcome;
      }
      throw error;
    }
    const forIntegration = claimsForIntegration(claims);
    const scopes = scopesOf(claims);
    const jwt = { claims: forIntegration, scopes: scopes.length > 0 ? scopes : null };
    return { ok: true, forEvent: (version) => (version === '1.0' ? jwt : { jwt }), forMapping: { claims: forIntegration } };
  }

  /** The issuer's keys, loaded again once when none has the token's kid (the issuer rotated its keys). */
  async #keysFor(authorizer: JwtAuthorizerDefinition, token: string) {
    const keys = await this.options.jwks.keys(authorizer);
    // A header that does not decode is a JwtValidationError: 401, as verifyJwt would answer.
    const { kid } = jwtHeader(token);
    return kid === undefined || keys.some((key) => key.kid === kid) ? keys : this.options.jwks.keys(authorizer, true);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const e = error as { errorMessage?: unknown } | undefined;
  return typeof e?.errorMessage === 'string' ? e.errorMessage : JSON.stringify(error);
}
