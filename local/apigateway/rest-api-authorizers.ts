import type { LoadedResource } from '../template/load.js';
import { AuthorizerCache } from './authorizers/cache.js';
import { claimsForIntegration, JwtScopeError, JwtValidationError } from './authorizers/jwt.js';
import {
  type AuthorizerAnswer,
  AuthorizerResponseError,
  authorizerAnswerOf,
  isAllowed,
  routeArn,
} from './authorizers/lambda-authorizer.js';
import { type LocalUserPool, type LocalUserPools, poolIdOfArn, verifyUserPoolToken } from './authorizers/user-pools.js';
import { lambdaArnOf } from './definitions.js';
import { authorizerSourceArn, type LambdaInvoker } from './lambda-invoker.js';
import { type HttpResponse, jsonResponse } from './payload.js';
import { restError } from './proxy-event-v1.js';
import { integrationRoleOf } from './rest-api-integrations.js';

/** A REST API's authorizer: a Lambda one or a Cognito user pools one. */
export type RestAuthorizerDefinition = RestLambdaAuthorizerDefinition | RestCognitoAuthorizerDefinition;

/**
 * A `COGNITO_USER_POOLS` authorizer as one method uses it: its pools (`ProviderARNs`), the
 * header that carries the raw token, and the method's `AuthorizationScopes`.
 */
export interface RestCognitoAuthorizerDefinition {
  readonly id: string;
  readonly name: string;
  readonly type: 'COGNITO_USER_POOLS';
  readonly poolIds: readonly string[];
  /** One source, `method.request.header.X`. */
  readonly identitySources: readonly string[];
  /** The method's; none: an id token is taken, some: an access token holding one of them. */
  readonly scopes: readonly string[];
}

/** A REST API's Lambda authorizer (`AWS::ApiGateway::Authorizer`, `TOKEN` or `REQUEST`). */
export interface RestLambdaAuthorizerDefinition {
  readonly id: string;
  readonly name: string;
  readonly type: 'TOKEN' | 'REQUEST';
  readonly functionArn: string;
  /** The role API Gateway invokes the function as (`AuthorizerCredentials`); undefined: as itself. */
  readonly roleArn?: string;
  /** `method.request.header.X`, `method.request.querystring.x`, `stageVariables.x`, `context.x`. */
  readonly identitySources: readonly string[];
  /** TOKEN only: a token that does not match answers 401 without the function being called. */
  readonly validationExpression?: RegExp;
  readonly ttlSeconds: number;
}

type Props = Record<string, unknown>;

/**
 * The authorizer of a `CUSTOM` or `COGNITO_USER_POOLS` method, or undefined with a start-up
 * note when it is none the runtime runs (an authorizer of no Lambda function or of no user
 * pool ARN, one it does not find).
 */
export function restAuthorizerOf(
  method: Props,
  authorizers: readonly LoadedResource[],
  label: string,
  note: (what: string, method: string) => void,
): RestAuthorizerDefinition | undefined {
  const authorizer = authorizers.find((a) => a.ref === String(method.AuthorizerId));
  if (authorizer === undefined) {
    note(
      `${String(method.AuthorizationType)} authorization with an authorizer not among the API's is not checked locally: every request reaches the integration`,
      label,
    );
    return undefined;
  }
  const p = authorizer.properties as Props;
  const type = String(p.Type ?? '');
  if (type === 'COGNITO_USER_POOLS') return cognitoAuthorizerOf(method, authorizer, label, note);
  const functionArn = typeof p.AuthorizerUri === 'string' ? lambdaArnOf(p.AuthorizerUri) : undefined;
  if ((type !== 'TOKEN' && type !== 'REQUEST') || functionArn === undefined) {
    note(`${type || 'untyped'} authorizers are not run locally: every request reaches the integration`, label);
    return undefined;
  }
  const sources = String(p.IdentitySource ?? (type === 'TOKEN' ? 'method.request.header.Authorization' : ''))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  let validationExpression: RegExp | undefined;
  if (type === 'TOKEN' && typeof p.IdentityValidationExpression === 'string') {
    try {
      validationExpression = new RegExp(`^(?:${p.IdentityValidationExpression})$`);
    } catch (error) {
      note(`IdentityValidationExpression that is no regular expression (${(error as Error).message}) is not applied`, label);
    }
  }
  return {
    id: authorizer.ref,
    name: String(p.Name ?? authorizer.logicalId),
    type,
    functionArn,
    ...integrationRoleOf(p.AuthorizerCredentials),
    identitySources: type === 'TOKEN' ? sources.slice(0, 1) : sources,
    ...(validationExpression === undefined ? {} : { validationExpression }),
    ttlSeconds: Number(p.AuthorizerResultTtlInSeconds ?? 300),
  };
}

function cognitoAuthorizerOf(
  method: Props,
  authorizer: LoadedResource,
  label: string,
  note: (what: string, method: string) => void,
): RestCognitoAuthorizerDefinition | undefined {
  const p = authorizer.properties as Props;
  const arns = (Array.isArray(p.ProviderARNs) ? p.ProviderARNs : []).map(String);
  const poolIds = arns.map(poolIdOfArn);
  const bad = arns.filter((_, i) => poolIds[i] === undefined);
  if (arns.length === 0 || bad.length > 0) {
    note(
      `COGNITO_USER_POOLS authorizers need ProviderARNs of user pools (arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>), not ${JSON.stringify(arns.length === 0 ? arns : bad)}: no token of theirs is accepted, answering 401`,
      label,
    );
  }
  return {
    id: authorizer.ref,
    name: String(p.Name ?? authorizer.logicalId),
    type: 'COGNITO_USER_POOLS',
    poolIds: poolIds.filter((id) => id !== undefined),
    identitySources: [
      String(p.IdentitySource ?? 'method.request.header.Authorization')
        .split(',')[0]
        ?.trim() ?? '',
    ],
    scopes: (Array.isArray(method.AuthorizationScopes) ? method.AuthorizationScopes : []).map(String),
  };
}

/** What the authorizer reads of the request: the proxy event for the integration, the method's ARN parts. */
export interface RestAuthorizationRequest {
  /** The Lambda proxy event of the request (`v1Event`): its headers, query, path, stage variables and requestContext. */
  readonly event: Record<string, unknown>;
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly httpMethod: string;
  /** The path as requested (`/pets/42`): the method ARN's end. */
  readonly path: string;
  readonly now: number;
}

export type RestAuthorizationOutcome =
  | { readonly ok: true; readonly authorizer: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly response: HttpResponse; readonly reason: string };

const unauthorized = (reason: string): RestAuthorizationOutcome => ({
  ok: false,
  response: restError(401, 'Unauthorized', 'UnauthorizedException'),
  reason,
});
const denied = (message: string, reason: string): RestAuthorizationOutcome => ({
  ok: false,
  response: restError(403, message, 'AccessDeniedException'),
  reason,
});

/** API Gateway's answer when an authorizer fails or answers no policy: 500 with a null message. */
function authorizerFailure(): HttpResponse {
  const response = jsonResponse(500, { message: null });
  return { ...response, headers: { ...response.headers, 'x-amzn-errortype': 'AuthorizerConfigurationException' } };
}

/**
 * Runs REST APIs' Lambda authorizers: the identity checked (401 when missing or not matching
 * the validation expression, the function not called), the function's IAM policy evaluated
 * against the method's ARN (403 on Deny or no Allow), its answer kept for the TTL by the
 * identity's values, as API Gateway caches it (so a cached policy decides other methods too).
 */
export class RestAuthorization {
  readonly #cache = new AuthorizerCache<AuthorizerAnswer>();

  constructor(
    private readonly options: {
      readonly lambda: LambdaInvoker;
      readonly log: (line: string) => void;
      /** The Cognito user pools that run here, for `COGNITO_USER_POOLS` authorizers. */
      readonly userPools: LocalUserPools;
    },
  ) {}

  async authorize(authorizer: RestAuthorizerDefinition, request: RestAuthorizationRequest): Promise<RestAuthorizationOutcome> {
    if (authorizer.type === 'COGNITO_USER_POOLS') return this.#cognito(authorizer, request);
    const identity = authorizer.identitySources.map((source) => identityValue(source, request.event));
    // A TOKEN authorizer always needs its token; a REQUEST one needs its sources when its results are cached.
    const required = authorizer.type === 'TOKEN' || authorizer.ttlSeconds > 0;
    if (required && identity.some((value) => value === undefined || value === '')) return unauthorized('an identity source is missing');
    const token = identity[0] ?? '';
    if (authorizer.validationExpression && !authorizer.validationExpression.test(token)) {
      return unauthorized('the token does not match the identity validation expression');
    }
    const arn = routeArn({ ...request, method: request.httpMethod });
    const values = identity.map((value) => value ?? '');
    let answer = this.#cache.get(authorizer.id, values, request.now);
    if (answer === undefined) {
      const called = await this.#call(authorizer, request.event, arn, token);
      if (!called.ok) return called.outcome;
      answer = called.answer;
      this.#cache.set(authorizer.id, values, answer, request.now, authorizer.ttlSeconds);
    }
    if (!isAllowed(answer, arn)) {
      return explicitlyDenied(answer, arn)
        ? denied('User is not authorized to access this resource with an explicit deny', 'the authorizer denied the request')
        : denied('User is not authorized to access this resource', 'the authorizer allowed nothing that matches the method');
    }
    const principalId = answer.kind === 'policy' ? answer.principalId : undefined;
    return { ok: true, authorizer: { ...answer.context, ...(principalId === undefined ? {} : { principalId }) } };
  }

  /**
   * A Cognito authorizer: the raw token of its header (no `Bearer`) checked against its pools;
   * its claims, as strings, reach the integration as `requestContext.authorizer.claims`.
   */
  #cognito(authorizer: RestCognitoAuthorizerDefinition, request: RestAuthorizationRequest): RestAuthorizationOutcome {
    const token = identityValue(authorizer.identitySources[0] ?? '', request.event);
    if (token === undefined || token === '') return unauthorized('no token');
    const pools: LocalUserPool[] = [];
    for (const id of authorizer.poolIds) {
      const pool = this.options.userPools(id);
      if (pool === undefined) this.options.log(`authorizer ${authorizer.name}: the user pool ${id} does not run here`);
      else pools.push(pool);
    }
    let claims: Readonly<Record<string, unknown>>;
    try {
      claims = verifyUserPoolToken(token, pools, authorizer.scopes, request.now);
    } catch (error) {
      if (error instanceof JwtValidationError) return unauthorized(error.message);
      if (error instanceof JwtScopeError) return denied('Unauthorized', error.message);
      throw error;
    }
    return { ok: true, authorizer: { claims: claimsForIntegration(claims) } };
  }

  async #call(
    authorizer: RestLambdaAuthorizerDefinition,
    event: Record<string, unknown>,
    methodArn: string,
    token: string,
  ): Promise<{ ok: true; answer: AuthorizerAnswer } | { ok: false; outcome: RestAuthorizationOutcome }> {
    const { body: _body, isBase64Encoded: _encoded, ...request } = event;
    const authorizerEvent =
      authorizer.type === 'TOKEN' ? { type: 'TOKEN', authorizationToken: token, methodArn } : { type: 'REQUEST', methodArn, ...request };
    const caller = {
      sourceArn: authorizerSourceArn(methodArn, authorizer.id),
      ...(authorizer.roleArn ? { roleArn: authorizer.roleArn } : {}),
    };
    const outcome = await this.options.lambda
      .invoke(authorizer.functionArn, authorizerEvent, caller)
      .catch((error: unknown) => ({ ok: false as const, error }));
    const failed = (reason: string): { ok: false; outcome: RestAuthorizationOutcome } => {
      this.options.log(`authorizer ${authorizer.name}: ${reason}: answered 500, as API Gateway does`);
      return { ok: false, outcome: { ok: false, response: authorizerFailure(), reason } };
    };
    if (!outcome.ok) {
      // The function's error "Unauthorized" is how an authorizer says 401.
      const message = errorMessage(outcome.error);
      if (message === 'Unauthorized') return { ok: false, outcome: unauthorized('the authorizer answered Unauthorized') };
      return failed(`the function ${authorizer.functionArn} failed: ${message}`);
    }
    try {
      return { ok: true, answer: authorizerAnswerOf(outcome.payload, false) };
    } catch (error) {
      if (!(error instanceof AuthorizerResponseError)) throw error;
      return failed(error.message);
    }
  }
}

/**
 * Whether a Deny statement matches: `isAllowed` (the HTTP APIs' policy evaluation, kept in
 * one place) asked of the Deny statements alone, turned to Allow.
 */
function explicitlyDenied(answer: AuthorizerAnswer, arn: string): boolean {
  if (answer.kind !== 'policy') return false;
  const denies = answer.statements.filter((s) => s.effect === 'Deny').map((s) => ({ ...s, effect: 'Allow' as const }));
  return isAllowed({ ...answer, statements: denies }, arn);
}

/** One identity source's value from the proxy event; header names case-insensitively. */
function identityValue(source: string, event: Record<string, unknown>): string | undefined {
  const record = (value: unknown) => (value ?? {}) as Record<string, unknown>;
  const read = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
  const header = /^method\.request\.header\.(.+)$/.exec(source)?.[1];
  if (header !== undefined) {
    const found = Object.entries(record(event.headers)).find(([name]) => name.toLowerCase() === header.toLowerCase());
    return read(found?.[1]);
  }
  const query = /^method\.request\.querystring\.(.+)$/.exec(source)?.[1];
  if (query !== undefined) return read(record(event.queryStringParameters)[query]);
  const path = /^method\.request\.path\.(.+)$/.exec(source)?.[1];
  if (path !== undefined) return read(record(event.pathParameters)[path]);
  const variable = /^stageVariables\.(.+)$/.exec(source)?.[1];
  if (variable !== undefined) return read(record(event.stageVariables)[variable]);
  const context = /^context\.(.+)$/.exec(source)?.[1];
  if (context !== undefined) {
    return read(context.split('.').reduce<unknown>((value, part) => record(value)[part], event.requestContext));
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  const e = error as { errorMessage?: unknown } | undefined;
  return typeof e?.errorMessage === 'string' ? e.errorMessage : JSON.stringify(error);
}
