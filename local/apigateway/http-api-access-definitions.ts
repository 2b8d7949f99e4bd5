/**
 * What an HTTP API's template says about who may call a route and how often: its authorizers
 * (`AWS::ApiGatewayV2::Authorizer`, Lambda `REQUEST` and `JWT`) and its stages' throttling
 * (`DefaultRouteSettings`, `RouteSettings`).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-authorizer.html
 */
import type { LoadedResource } from '../template/load.js';
import { isLoopbackUrl, JWKS_ENV_PREFIX, jwksFileOf } from './authorizers/jwks.js';
import { poolIdOfIssuer } from './authorizers/user-pools.js';
import { lambdaArnOf } from './lambda-arn.js';
import { integrationRoleOf } from './rest-api-integrations.js';

export interface LambdaAuthorizerDefinition {
  readonly kind: 'lambda';
  readonly id: string;
  readonly logicalId: string;
  readonly name: string;
  readonly functionArn: string;
  /** The role API Gateway invokes the function as (`AuthorizerCredentialsArn`); undefined: as itself. */
  readonly roleArn?: string;
  readonly payloadFormatVersion: '1.0' | '2.0';
  /** `{isAuthorized, context}` answers (2.0 only); otherwise an IAM policy. */
  readonly simpleResponses: boolean;
  /** `$request.header.Authorization`, `$request.querystring.x`, `$context.x`, `$stageVariables.x`. */
  readonly identitySource: readonly string[];
  /** 0: no caching. */
  readonly ttlSeconds: number;
}

export interface JwtAuthorizerDefinition {
  readonly kind: 'jwt';
  readonly id: string;
  readonly logicalId: string;
  readonly name: string;
  readonly identitySource: readonly string[];
  readonly issuer: string;
  readonly audience: readonly string[];
}

export type AuthorizerDefinition = LambdaAuthorizerDefinition | JwtAuthorizerDefinition;

/** A token bucket's size: `burst` requests at once, refilled at `rate` a second. */
export interface ThrottleLimits {
  readonly rate: number;
  readonly burst: number;
}

export interface StageThrottling {
  readonly defaults?: ThrottleLimits;
  /** By route key. */
  readonly routes: Readonly<Record<string, ThrottleLimits>>;
}

type Props = Record<string, unknown>;

/** The authorizer, or undefined (with a warning) for one that does not run here. */
export function authorizerOf(
  r: LoadedResource,
  warnings: string[],
  where: string,
  env: Readonly<Record<string, string | undefined>>,
): AuthorizerDefinition | undefined {
  const p = r.properties as Props;
  const type = String(p.AuthorizerType ?? '');
  const identitySource = Array.isArray(p.IdentitySource) ? p.IdentitySource.map(String) : [];
  const base = { id: r.ref, logicalId: r.logicalId, name: String(p.Name ?? r.logicalId), identitySource };
  if (type === 'REQUEST') {
    const functionArn = lambdaArnOf(typeof p.AuthorizerUri === 'string' ? p.AuthorizerUri : '');
    const version = String(p.AuthorizerPayloadFormatVersion ?? '');
    if (functionArn === undefined || (version !== '1.0' && version !== '2.0')) {
      warnings.push(`${where}: a Lambda authorizer needs a function URI and payload format 1.0 or 2.0; its routes answer 500`);
      return undefined;
    }
    return {
      ...base,
      kind: 'lambda',
      functionArn,
      ...integrationRoleOf(p.AuthorizerCredentialsArn),
      payloadFormatVersion: version,
      simpleResponses: p.EnableSimpleResponses === true && version === '2.0',
      ttlSeconds: Number(p.AuthorizerResultTtlInSeconds ?? 0),
    };
  }
  if (type === 'JWT') {
    const jwt = (p.JwtConfiguration ?? {}) as Props;
    const issuer = String(jwt.Issuer ?? '');
    const keyFile = jwksFileOf(base, env);
    // A Cognito pool's issuer is checked against the local pool of that id (authorizers/user-pools.ts).
    if (keyFile === undefined && !isLoopbackUrl(issuer) && poolIdOfIssuer(issuer) === undefined) {
      warnings.push(
        `${where}: the JWT issuer ${issuer} is not on this machine, so its keys cannot be fetched; its routes answer 401 unless ${JWKS_ENV_PREFIX}${r.logicalId} names a JWKS file`,
      );
    }
    return { ...base, kind: 'jwt', issuer, audience: Array.isArray(jwt.Audience) ? jwt.Audience.map(String) : [] };
  }
  warnings.push(`${where}: ${type} authorizers are not applied locally; their routes answer 500`);
  return undefined;
}

/** A stage's throttling, or undefined when it sets none. */
export function stageThrottlingOf(p: Props): StageThrottling | undefined {
  const defaults = limitsOf(p.DefaultRouteSettings);
  const routes: Record<string, ThrottleLimits> = {};
  for (const [routeKey, settings] of Object.entries((p.RouteSettings ?? {}) as Props)) {
    const limits = limitsOf(settings, defaults);
    if (limits) routes[routeKey] = limits;
  }
  if (!defaults && Object.keys(routes).length === 0) return undefined;
  return { ...(defaults ? { defaults } : {}), routes };
}

/** The account's default limits stand in for a limit the settings leave out. */
const ACCOUNT_LIMITS: ThrottleLimits = { rate: 10_000, burst: 5_000 };

function limitsOf(value: unknown, fallback: ThrottleLimits = ACCOUNT_LIMITS): ThrottleLimits | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const s = value as Props;
  if (s.ThrottlingRateLimit === undefined && s.ThrottlingBurstLimit === undefined) return undefined;
  return {
    rate: s.ThrottlingRateLimit === undefined ? fallback.rate : Number(s.ThrottlingRateLimit),
    burst: s.ThrottlingBurstLimit === undefined ? fallback.burst : Number(s.ThrottlingBurstLimit),
  };
}
