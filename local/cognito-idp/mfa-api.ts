import { randomBytes } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { type CognitoContext, invalidParameter, notAuthorized, poolOf, putUser, requireUser } from './context.js';
import type { ClientRecord, PoolRecord, SessionRecord, TotpSettings, UserRecord } from './records.js';
import { newTotpSecret, totpMatches } from './totp.js';

type Input = Record<string, unknown>;

const SESSION_MS = 3 * 60_000;
const NO_TOTP: TotpSettings = { enabled: false, preferred: false };

/** The MFA fields GetUser and AdminGetUser answer: the user's MFA methods and the preferred one. */
export function mfaFields(user: UserRecord): { UserMFASettingList?: string[]; PreferredMfaSetting?: string } {
  if (user.totp?.enabled !== true) return {};
  return { UserMFASettingList: ['SOFTWARE_TOKEN_MFA'], ...(user.totp.preferred ? { PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' } : {}) };
}

/** Whether the pool's MFA may be by an authenticator app: `EnabledMfas` names SOFTWARE_TOKEN_MFA, or names nothing. */
const totpAllowed = (pool: PoolRecord) => pool.EnabledMfas === undefined || pool.EnabledMfas.includes('SOFTWARE_TOKEN_MFA');

/**
 * The MFA challenge a user whose password is proved gets, or none: SOFTWARE_TOKEN_MFA when the
 * pool's MfaConfiguration is ON or OPTIONAL and the user has TOTP MFA on; MFA_SETUP when it is ON
 * and the user has none set up (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html).
 */
export function mfaChallenge(context: CognitoContext, pool: PoolRecord, client: ClientRecord, user: UserRecord) {
  if (pool.MfaConfiguration === 'OFF') return undefined;
  const totpOn = user.totp?.enabled === true && user.totp.secret !== undefined;
  if (!totpOn && (pool.MfaConfiguration !== 'ON' || !totpAllowed(pool))) return undefined;
  const challenge = totpOn ? 'SOFTWARE_TOKEN_MFA' : 'MFA_SETUP';
  const session = randomBytes(48).toString('base64url');
  context.store.sessions.put(session, {
    poolId: pool.Id,
    clientId: client.ClientId,
    username: user.Username,
    challenge,
    expires: context.clock.now() + SESSION_MS,
  });
  return {
    ChallengeName: challenge,
    Session: session,
    ChallengeParameters: totpOn ? {} : { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' },
  };
}

/**
 * Checks the answer to an MFA challenge: SOFTWARE_TOKEN_MFA's code from the authenticator, or
 * MFA_SETUP's session that VerifySoftwareToken proved. The caller then issues the tokens.
 * @throws AwsError CodeMismatchException for a wrong code (the session stays for another try)
 */
export function checkMfaAnswer(context: CognitoContext, kept: SessionRecord, user: UserRecord, responses: Record<string, string>): void {
  if (kept.challenge === 'SOFTWARE_TOKEN_MFA') {
    const code = responses.SOFTWARE_TOKEN_MFA_CODE;
    if (code === undefined) throw invalidParameter('Missing required parameter SOFTWARE_TOKEN_MFA_CODE');
    const secret = user.totp?.secret;
    if (secret === undefined || !totpMatches(secret, code, context.clock.now())) {
      throw new AwsError('CodeMismatchException', 'Invalid code received for user', 400);
    }
    return;
  }
  if (kept.verified !== true) {
    throw invalidParameter('MFA_SETUP is answered after VerifySoftwareToken with this Session proves the authenticator app');
  }
}

/**
 * TOTP MFA by an authenticator app: AssociateSoftwareToken gives the secret, VerifySoftwareToken
 * proves the app has it, SetUserMFAPreference and AdminSetUserMFAPreference turn it on. SMS and
 * email MFA are not run (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html).
 */
export class MfaApi {
  constructor(private readonly context: CognitoContext) {}

  async AssociateSoftwareToken(input: Input) {
    const { user, session } = this.#caller(input);
    const SecretCode = newTotpSecret();
    putUser(this.context, { ...user, totp: { ...(user.totp ?? NO_TOTP), pending: SecretCode }, modified: this.context.clock.now() });
    return { SecretCode, ...(session === undefined ? {} : { Session: session }) };
  }

  async VerifySoftwareToken(input: Input) {
    const { user, session, kept } = this.#caller(input);
    const pending = user.totp?.pending;
    if (pending === undefined) {
      throw invalidParameter(
        'The user has no software token to verify: call AssociateSoftwareToken first, then VerifySoftwareToken with its code',
      );
    }
    if (!totpMatches(pending, String(input.UserCode ?? ''), this.context.clock.now())) {
      throw new AwsError('EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA', 400);
    }
    // Set up in a sign-in's MFA_SETUP challenge, TOTP becomes the user's MFA at once; set up signed in, SetUserMFAPreference turns it on.
    const { pending: _verified, ...totp } = user.totp ?? NO_TOTP;
    const setup = kept !== undefined;
    putUser(this.context, {
      ...user,
      totp: { ...totp, secret: pending, ...(setup ? { enabled: true, preferred: true } : {}) },
      modified: this.context.clock.now(),
    });
    if (session !== undefined && kept !== undefined) this.context.store.sessions.put(session, { ...kept, verified: true });
    return { Status: 'SUCCESS', ...(session === undefined ? {} : { Session: session }) };
  }

  async SetUserMFAPreference(input: Input) {
    const claims = this.context.keys.accessClaims(String(input.AccessToken ?? ''), this.context.clock.now());
    const pool = poolOf(this.context, String(claims.iss).split('/').pop());
    this.#setPreference(requireUser(this.context, pool, claims.username), input);
    return {};
  }

  async AdminSetUserMFAPreference(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    this.#setPreference(requireUser(this.context, pool, input.Username), input);
    return {};
  }

  #setPreference(user: UserRecord, input: Input): void {
    for (const other of ['SMSMfaSettings', 'EmailMfaSettings'] as const) {
      if ((input[other] as { Enabled?: boolean } | undefined)?.Enabled === true) {
        throw invalidParameter(`${other}: SMS and email MFA are not run by the local Cognito; SoftwareTokenMfaSettings (TOTP) is`);
      }
    }
    const settings = input.SoftwareTokenMfaSettings as { Enabled?: boolean; PreferredMfa?: boolean } | undefined;
    if (settings === undefined) return;
    const totp = user.totp ?? NO_TOTP;
    if (settings.Enabled === true && totp.secret === undefined) throw invalidParameter('User has not verified software token mfa');
    const enabled = settings.Enabled ?? totp.enabled;
    putUser(this.context, {
      ...user,
      totp: { ...totp, enabled, preferred: enabled && (settings.PreferredMfa ?? totp.preferred) },
      modified: this.context.clock.now(),
    });
  }

  /** The user an AccessToken names, or the one signing in under an MFA_SETUP Session (one of them, as AWS takes). */
  #caller(input: Input): { user: UserRecord; session?: string; kept?: SessionRecord } {
    if (input.AccessToken !== undefined && input.Session !== undefined) {
      throw invalidParameter('Give an AccessToken or a Session, not both');
    }
    if (input.AccessToken !== undefined) {
      const claims = this.context.keys.accessClaims(String(input.AccessToken), this.context.clock.now());
      const pool = poolOf(this.context, String(claims.iss).split('/').pop());
      return { user: requireUser(this.context, pool, claims.username) };
    }
    if (input.Session === undefined) throw invalidParameter('An AccessToken or the Session of an MFA_SETUP challenge is required');
    const session = String(input.Session);
    const kept = this.context.store.sessions.get(session);
    if (kept === undefined || kept.challenge !== 'MFA_SETUP' || kept.expires <= this.context.clock.now()) {
      throw notAuthorized('Invalid session for the user, session is expired.');
    }
    return { user: requireUser(this.context, poolOf(this.context, kept.poolId), kept.username), session, kept };
  }
}
