import { AwsError } from '../endpoint/aws-error.js';
import { maskedEmail } from './attributes.js';
import {
  type CognitoContext,
  checkSecretHash,
  clientOf,
  codeMismatch,
  expiredCode,
  findUser,
  invalidParameter,
  notAuthorized,
  poolOf,
  putUser,
  requireUser,
} from './context.js';
import { checkPassword, confirmationCode, passwordFields, passwordMatches } from './passwords.js';
import type { PoolRecord, RefreshRecord, UserRecord } from './records.js';

type Input = Record<string, unknown>;

/** A password reset code works for an hour (https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html). */
const RESET_CODE_MS = 3_600_000;
/** Wrong codes a reset code survives: the next one spends it, and the user asks for another (LimitExceededException). */
const RESET_CODE_TRIES = 5;

/**
 * Passwords and sessions after sign-in: the forgotten-password flow (ForgotPassword,
 * ConfirmForgotPassword, AdminResetUserPassword), ChangePassword, and the sign-outs that revoke
 * refresh tokens and the access tokens issued with them (GlobalSignOut, AdminUserGlobalSignOut,
 * RevokeToken) (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/).
 */
export class PasswordApi {
  constructor(private readonly context: CognitoContext) {}

  /** Mails a reset code to the user's verified email; none verified means no code is sent (`undefined`). */
  async #mailResetCode(user: UserRecord, operation: string): Promise<UserRecord | undefined> {
    const email = user.attributes.email;
    if (email === undefined || user.attributes.email_verified !== 'true') return undefined;
    const value = confirmationCode();
    await this.context.mail({ to: email, subject: 'Your password reset code', text: `Your password reset code is ${value}`, operation });
    return { ...user, resetCode: { value, expires: this.context.clock.now() + RESET_CODE_MS, failures: 0 } };
  }

  async ForgotPassword(input: Input) {
    const client = clientOf(this.context, input.ClientId);
    const pool = poolOf(this.context, client.UserPoolId);
    const username = String(input.Username ?? '');
    const user = findUser(this.context, pool, username);
    checkSecretHash(client, user === undefined ? username : [username, user.Username], input.SecretHash);
    if (user === undefined) {
      // With user existence errors prevented, Cognito answers as if it had sent a code (to an address it masks: here the name given).
      if (client.PreventUserExistenceErrors === 'ENABLED') {
        return {
          CodeDeliveryDetails: {
            Destination: maskedEmail(username.includes('@') ? username : `${username}@`),
            DeliveryMedium: 'EMAIL',
            AttributeName: 'email',
          },
        };
      }
      throw new AwsError('UserNotFoundException', 'Username/client id combination not found.', 400);
    }
    if (!user.enabled) throw notAuthorized('User is disabled.');
    const sent = await this.#mailResetCode(user, 'ForgotPassword');
    if (sent === undefined) {
      throw invalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
    }
    putUser(this.context, { ...sent, modified: this.context.clock.now() });
    return {
      CodeDeliveryDetails: { Destination: maskedEmail(sent.attributes.email ?? ''), DeliveryMedium: 'EMAIL', AttributeName: 'email' },
    };
  }

  async ConfirmForgotPassword(input: Input) {
    const client = clientOf(this.context, input.ClientId);
    const pool = poolOf(this.context, client.UserPoolId);
    const username = String(input.Username ?? '');
    const user = findUser(this.context, pool, username);
    checkSecretHash(client, user === undefined ? username : [username, user.Username], input.SecretHash);
    if (user === undefined) throw new AwsError('UserNotFoundException', 'Username/client id combination not found.', 400);
    const code = user.resetCode;
    if (code === undefined || code.expires <= this.context.clock.now()) throw expiredCode();
    if (code.value !== String(input.ConfirmationCode ?? '')) {
      const failures = code.failures + 1;
      if (failures >= RESET_CODE_TRIES) {
        const { resetCode: _spent, ...rest } = user;
        putUser(this.context, rest);
        throw new AwsError('LimitExceededException', 'Attempt limit exceeded, please try after some time.', 400);
      }
      putUser(this.context, { ...user, resetCode: { ...code, failures } });
      throw codeMismatch();
    }
    const password = String(input.Password ?? '');
    checkPassword(password, pool.Policies.PasswordPolicy);
    const { resetCode: _used, temporaryUntil: _temporary, ...rest } = user;
    putUser(this.context, {
      ...rest,
      ...passwordFields(pool.Id, user.Username, password),
      // A reset by code confirms a user whose password an administrator reset or who had a temporary one; an unconfirmed user stays so.
      status: user.status === 'UNCONFIRMED' ? 'UNCONFIRMED' : 'CONFIRMED',
      modified: this.context.clock.now(),
    });
    return {};
  }

  async AdminResetUserPassword(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const user = requireUser(this.context, pool, input.Username);
    const { password: _invalidated, srp: _verifier, ...rest } = user;
    const reset: UserRecord = { ...rest, status: 'RESET_REQUIRED', modified: this.context.clock.now() };
    putUser(this.context, (await this.#mailResetCode(reset, 'AdminResetUserPassword')) ?? reset);
    return {};
  }

  async ChangePassword(input: Input) {
    const { pool, user } = this.#signedInUser(input.AccessToken);
    if (!passwordMatches(String(input.PreviousPassword ?? ''), user.password)) throw notAuthorized('Incorrect username or password.');
    const password = String(input.ProposedPassword ?? '');
    checkPassword(password, pool.Policies.PasswordPolicy);
    putUser(this.context, { ...user, ...passwordFields(pool.Id, user.Username, password), modified: this.context.clock.now() });
    return {};
  }

  async GlobalSignOut(input: Input) {
    const { pool, user } = this.#signedInUser(input.AccessToken);
    this.#signOut(pool, user);
    return {};
  }

  async AdminUserGlobalSignOut(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    this.#signOut(pool, requireUser(this.context, pool, input.Username));
    return {};
  }

  /** Revokes a refresh token and the access tokens issued with it and from it; the user's other refresh tokens stay. */
  async RevokeToken(input: Input) {
    const client = clientOf(this.context, input.ClientId);
    if (client.ClientSecret !== undefined && input.ClientSecret !== client.ClientSecret) {
      throw new AwsError(
        'UnauthorizedException',
        `Client ${client.ClientId} is configured with secret but the secret given does not match`,
        400,
      );
    }
    if (client.EnableTokenRevocation === false) {
      throw new AwsError('UnsupportedOperationException', `Token revocation is not enabled for the app client ${client.ClientId}`, 400);
    }
    const token = String(input.Token ?? '');
    // An id or access token is a JWT (three dot-separated parts); only a refresh token is revoked.
    if (token.split('.').length === 3) throw new AwsError('UnsupportedTokenTypeException', 'Only refresh tokens can be revoked', 400);
    const kept = this.context.store.refreshTokens.get(token);
    if (kept === undefined || kept.clientId !== client.ClientId) throw new AwsError('UnauthorizedException', 'Invalid Refresh Token', 400);
    this.#revoke(token, kept);
    return {};
  }

  /** The user an access token belongs to (not expired, not revoked), for the calls a signed-in user makes. */
  #signedInUser(accessToken: unknown): { pool: PoolRecord; user: UserRecord } {
    const claims = this.context.keys.accessClaims(String(accessToken ?? ''), this.context.clock.now());
    const pool = poolOf(this.context, String(claims.iss).split('/').pop());
    return { pool, user: requireUser(this.context, pool, claims.username) };
  }

  #signOut(pool: PoolRecord, user: UserRecord): void {
    this.context.store.transaction(() => {
      for (const [token, kept] of this.context.store.refreshTokens.entries()) {
        if (kept.poolId === pool.Id && kept.username === user.Username && kept.revoked !== true) this.#revoke(token, kept);
      }
    });
  }

  #revoke(token: string, kept: RefreshRecord): void {
    this.context.store.refreshTokens.put(token, { ...kept, revoked: true });
    if (kept.origin !== undefined) this.context.store.revokedOrigins.put(kept.origin, { revoked: this.context.clock.now() });
  }
}
