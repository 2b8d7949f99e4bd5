import { randomBytes, randomUUID } from 'node:crypto';
import type { CognitoContext } from './context.js';
import type { ClientRecord, PoolRecord, UserRecord } from './records.js';
import { triggerAttributes } from './triggers.js';

const UNITS: Readonly<Record<string, number>> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

/** A token's validity in seconds: the client's value in its unit (hours for access and id, days for refresh), or Cognito's default. */
export function validity(client: ClientRecord, token: 'AccessToken' | 'IdToken' | 'RefreshToken'): number {
  const value = client[`${token}Validity` as 'AccessTokenValidity'];
  const unit = client.TokenValidityUnits?.[token] ?? (token === 'RefreshToken' ? 'days' : 'hours');
  if (value === undefined) return token === 'RefreshToken' ? 30 * 86_400 : 3600;
  return value * (UNITS[unit] ?? 3600);
}

/** Claims a pre token generation trigger cannot change (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html). */
const PROTECTED = new Set([
  'acr',
  'amr',
  'aud',
  'auth_time',
  'azp',
  'exp',
  'iat',
  'identities',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'origin_jti',
  'sub',
  'token_use',
  'cognito:username',
  'client_id',
  'username',
  'event_id',
]);

type Claims = Record<string, unknown>;
interface ClaimChanges {
  readonly claimsToAddOrOverride?: Claims;
  readonly claimsToSuppress?: readonly string[];
}

function applied(claims: Claims, changes: ClaimChanges | undefined): Claims {
  const result = { ...claims };
  for (const [name, value] of Object.entries(changes?.claimsToAddOrOverride ?? {})) if (!PROTECTED.has(name)) result[name] = value;
  for (const name of changes?.claimsToSuppress ?? []) if (!PROTECTED.has(name)) delete result[name];
  return result;
}

/** What the pool's pre token generation trigger changes, in its version 1 (id token) or 2 (both tokens) answer. */
async function tokenChanges(context: CognitoContext, call: { pool: PoolRecord; client: ClientRecord; user: UserRecord; source: string }) {
  const response = await context.triggers.run('PreTokenGeneration', {
    pool: call.pool,
    clientId: call.client.ClientId,
    userName: call.user.Username,
    triggerSource: `TokenGeneration_${call.source}`,
    request: {
      userAttributes: triggerAttributes(call.user),
      groupConfiguration: { groupsToOverride: [...call.user.groups], iamRolesToOverride: [], preferredRole: null },
    },
  });
  if (response === undefined) return {};
  const v1 = response.claimsOverrideDetails as (ClaimChanges & { groupOverrideDetails?: { groupsToOverride?: string[] } }) | undefined;
  const v2 = response.claimsAndScopeOverrideDetails as
    | { idTokenGeneration?: ClaimChanges; accessTokenGeneration?: ClaimChanges; groupOverrideDetails?: { groupsToOverride?: string[] } }
    | undefined;
  return {
    id: v2?.idTokenGeneration ?? v1,
    access: v2?.accessTokenGeneration,
    groups: (v2?.groupOverrideDetails ?? v1?.groupOverrideDetails)?.groupsToOverride,
  };
}

/**
 * The id and access tokens (and, signing in, a refresh token) Cognito issues a signed-in user:
 * RS256 JWTs with its claims, after the pool's pre token generation trigger.
 */
export async function issueTokens(
  context: CognitoContext,
  call: {
    pool: PoolRecord;
    client: ClientRecord;
    user: UserRecord;
    source: 'Authentication' | 'NewPasswordChallenge' | 'RefreshTokens';
    /** A refresh's: the refresh token's `origin_jti`, which the tokens it issues carry so revoking it revokes them. */
    origin?: string;
  },
) {
  const { pool, client, user } = call;
  const origin = call.origin ?? randomUUID();
  const changes = await tokenChanges(context, call);
  const now = Math.floor(context.clock.now() / 1000);
  const groupNames = changes.groups ?? user.groups;
  const groups = groupNames.length > 0 ? { 'cognito:groups': [...groupNames] } : {};
  const common = {
    sub: user.attributes.sub,
    iss: context.issuer(pool.Id),
    origin_jti: origin,
    event_id: randomUUID(),
    auth_time: now,
    iat: now,
  };
  const { sub: _sub, ...attributes } = user.attributes;
  const typed = Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, name.endsWith('_verified') ? value === 'true' : value]),
  );
  const idToken = context.keys.sign(
    pool.Id,
    applied(
      {
        ...typed,
        ...common,
        ...groups,
        'cognito:username': user.Username,
        aud: client.ClientId,
        token_use: 'id',
        exp: now + validity(client, 'IdToken'),
        jti: randomUUID(),
      },
      changes.id,
    ),
  );
  const accessToken = context.keys.sign(
    pool.Id,
    applied(
      {
        ...common,
        ...groups,
        client_id: client.ClientId,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        exp: now + validity(client, 'AccessToken'),
        jti: randomUUID(),
        username: user.Username,
      },
      changes.access,
    ),
  );
  let refresh = {};
  if (call.source !== 'RefreshTokens') {
    const token = randomBytes(64).toString('base64url');
    context.store.refreshTokens.put(token, {
      poolId: pool.Id,
      clientId: client.ClientId,
      username: user.Username,
      expires: context.clock.now() + validity(client, 'RefreshToken') * 1000,
      origin,
    });
    refresh = { RefreshToken: token };
  }
  return { AccessToken: accessToken, ExpiresIn: validity(client, 'AccessToken'), TokenType: 'Bearer', ...refresh, IdToken: idToken };
}
