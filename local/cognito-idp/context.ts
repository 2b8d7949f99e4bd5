import { createHmac } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { Clock } from '../time/clock.js';
import type { ClientRecord, PoolRecord, UserRecord } from './records.js';
import type { CognitoStore } from './store.js';
import type { PoolKeys } from './tokens.js';
import type { Triggers } from './triggers.js';

/** A message Cognito sends a user (a code, a temporary password), delivered to the local mailbox. */
export interface CognitoMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** What sent it, as the mailbox lists it (`SignUp`, `AdminCreateUser`). */
  readonly operation: string;
}

/** What the pool, user and auth operations share. */
export interface CognitoContext {
  readonly store: CognitoStore;
  readonly keys: PoolKeys;
  /** The pools' Lambda triggers. */
  readonly triggers: Triggers;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  /** The issuer of the tokens: `<endpoint>/<poolId>`, where the runtime serves the pool's JWKS. */
  readonly issuer: (poolId: string) => string;
  /** Delivers a message to the local mailbox (SES's), as Cognito's own email sends it. */
  readonly mail: (mail: CognitoMail) => Promise<void>;
}

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message, 400);
export const notAuthorized = (message: string) => new AwsError('NotAuthorizedException', message, 400);
export const userNotFound = () => new AwsError('UserNotFoundException', 'User does not exist.', 400);
/** A mailed code (a sign-up's, a password reset's) that is not the one sent, or is spent. */
export const codeMismatch = () => new AwsError('CodeMismatchException', 'Invalid verification code provided, please try again.', 400);
export const expiredCode = () => new AwsError('ExpiredCodeException', 'Invalid code provided, please request a code again.', 400);

/** @throws AwsError ResourceNotFoundException as Cognito words it */
export function poolOf(context: CognitoContext, poolId: unknown): PoolRecord {
  const pool = context.store.pools.get(String(poolId));
  if (pool === undefined) throw new AwsError('ResourceNotFoundException', `User pool ${String(poolId)} does not exist.`, 400);
  return pool;
}

/** @throws AwsError ResourceNotFoundException as Cognito words it */
export function clientOf(context: CognitoContext, clientId: unknown, poolId?: string): ClientRecord {
  const client = context.store.clients.get(String(clientId));
  if (client === undefined || (poolId !== undefined && client.UserPoolId !== poolId)) {
    throw new AwsError('ResourceNotFoundException', `User pool client ${String(clientId)} does not exist.`, 400);
  }
  return client;
}

const userKey = (poolId: string, username: string) => `${poolId}/${username}`;

/**
 * The user a sign-in name names: its username (case-insensitively when the pool says so), or an
 * email or phone number the pool signs in with (`UsernameAttributes`, `AliasAttributes`).
 */
export function findUser(context: CognitoContext, pool: PoolRecord, name: string): UserRecord | undefined {
  const exact = context.store.users.get(userKey(pool.Id, name));
  if (exact) return exact;
  const insensitive = pool.UsernameConfiguration?.CaseSensitive === false;
  const signInAttributes = [...(pool.UsernameAttributes ?? []), ...(pool.AliasAttributes ?? [])];
  const users = context.store.users.all().filter((u) => u.poolId === pool.Id);
  const lower = name.toLowerCase();
  return users.find(
    (u) =>
      (insensitive && u.Username.toLowerCase() === lower) ||
      u.attributes.sub === name ||
      signInAttributes.some((attribute) => {
        const value = u.attributes[attribute];
        return value !== undefined && (attribute === 'email' ? value.toLowerCase() === lower : value === name);
      }),
  );
}

export function requireUser(context: CognitoContext, pool: PoolRecord, name: unknown): UserRecord {
  const user = findUser(context, pool, String(name ?? ''));
  if (user === undefined) throw userNotFound();
  return user;
}

export function putUser(context: CognitoContext, user: UserRecord): void {
  context.store.users.put(userKey(user.poolId, user.Username), user);
}

/**
 * Checks `SECRET_HASH` for a client with a secret (of any of the names `username` gives): Base64(HMAC-SHA256(secret, username + client id))
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash).
 * @throws AwsError NotAuthorizedException as Cognito words it
 */
export function checkSecretHash(client: ClientRecord, username: string | readonly string[], given: unknown): void {
  if (client.ClientSecret === undefined) return;
  if (given === undefined || given === null || given === '') {
    throw notAuthorized(`Client ${client.ClientId} is configured with secret but SECRET_HASH was not received`);
  }
  // A user may be named by their username or a sign-in alias (email): a hash of either is accepted, as Cognito accepts the name the request gives.
  const secret = client.ClientSecret;
  const names = typeof username === 'string' ? [username] : username;
  const hashOf = (name: string) => createHmac('sha256', secret).update(`${name}${client.ClientId}`).digest('base64');
  if (!names.some((name) => hashOf(name) === String(given)))
    throw notAuthorized(`Unable to verify secret hash for client ${client.ClientId}`);
}

/** Epoch seconds, as Cognito's JSON answers dates. */
export const seconds = (ms: number) => ms / 1000;
