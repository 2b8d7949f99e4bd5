import { randomBytes } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { attributeMap, checkAttributes } from './attributes.js';
import { type CognitoContext, checkSecretHash, clientOf, findUser, invalidParameter, notAuthorized, poolOf, putUser } from './context.js';
import { issueTokens } from './issue-tokens.js';
import { checkMfaAnswer, mfaChallenge } from './mfa-api.js';
import { checkPassword, passwordFields, passwordMatches } from './passwords.js';
import type { ClientRecord, PoolRecord, UserRecord } from './records.js';
import { serverChallenge, signatureMatches } from './srp.js';

type Input = Record<string, unknown>;
type Parameters = Record<string, string>;

/** Which ExplicitAuthFlows value allows a flow (the legacy names too). */
const FLOW_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  USER_PASSWORD_AUTH: ['ALLOW_USER_PASSWORD_AUTH', 'USER_PASSWORD_AUTH'],
  ADMIN_USER_PASSWORD_AUTH: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'],
  ADMIN_NO_SRP_AUTH: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'],
  USER_SRP_AUTH: ['ALLOW_USER_SRP_AUTH'],
  REFRESH_TOKEN_AUTH: ['ALLOW_REFRESH_TOKEN_AUTH'],
  REFRESH_TOKEN: ['ALLOW_REFRESH_TOKEN_AUTH'],
};

const SESSION_MS = 3 * 60_000;

/**
 * Sign-in: InitiateAuth and AdminInitiateAuth with the password and refresh flows, and the
 * NEW_PASSWORD_REQUIRED challenge; the tokens are RS256 JWTs with Cognito's claims.
 */
export class AuthApi {
  constructor(private readonly context: CognitoContext) {}

  async InitiateAuth(input: Input) {
    const client = clientOf(this.context, input.ClientId);
    return this.#initiate(client, String(input.AuthFlow), (input.AuthParameters ?? {}) as Parameters, false);
  }

  async AdminInitiateAuth(input: Input) {
    const client = clientOf(this.context, input.ClientId, String(input.UserPoolId));
    return this.#initiate(client, String(input.AuthFlow), (input.AuthParameters ?? {}) as Parameters, true);
  }

  async RespondToAuthChallenge(input: Input) {
    return this.#respond(clientOf(this.context, input.ClientId), input);
  }

  async AdminRespondToAuthChallenge(input: Input) {
    return this.#respond(clientOf(this.context, input.ClientId, String(input.UserPoolId)), input);
  }

  async #initiate(client: ClientRecord, flow: string, parameters: Parameters, admin: boolean) {
    const pool = poolOf(this.context, client.UserPoolId);
    const allowedHere = admin
      ? ['ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN']
      : ['USER_PASSWORD_AUTH', 'USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN'];
    const settings = FLOW_SETTINGS[flow];
    if (!allowedHere.includes(flow) || settings === undefined) {
      throw invalidParameter(`${flow} is not run by the local Cognito here (${allowedHere.join(', ')} are; CUSTOM_AUTH is not yet)`);
    }
    if (!settings.some((s) => client.ExplicitAuthFlows?.includes(s))) throw invalidParameter(`${flow} flow not enabled for this client`);
    if (flow.startsWith('REFRESH_TOKEN')) return this.#refresh(pool, client, parameters);
    const username = parameters.USERNAME ?? '';
    const user = findUser(this.context, pool, username);
    checkSecretHash(client, user === undefined ? username : [username, user.Username], parameters.SECRET_HASH);
    const hidden = client.PreventUserExistenceErrors === 'ENABLED';
    if (user === undefined)
      throw hidden ? notAuthorized('Incorrect username or password.') : new AwsError('UserNotFoundException', 'User does not exist.', 400);
    if (!user.enabled) throw notAuthorized('User is disabled.');
    // AdminResetUserPassword invalidated the password: the user resets it (ConfirmForgotPassword) before signing in.
    if (user.status === 'RESET_REQUIRED') throw new AwsError('PasswordResetRequiredException', 'Password reset required for the user', 400);
    if (flow === 'USER_SRP_AUTH') return this.#srpChallenge(pool, client, user, parameters.SRP_A);
    if (!passwordMatches(parameters.PASSWORD ?? '', user.password)) throw notAuthorized('Incorrect username or password.');
    return this.#signedIn(pool, client, user);
  }

  /** After the password is proved: the user's status decides (not confirmed, a new password required), then MFA, then the tokens. */
  async #signedIn(
    pool: PoolRecord,
    client: ClientRecord,
    user: UserRecord,
    source: 'Authentication' | 'NewPasswordChallenge' = 'Authentication',
  ) {
    if (user.status === 'UNCONFIRMED') throw new AwsError('UserNotConfirmedException', 'User is not confirmed.', 400);
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      if (user.temporaryUntil !== undefined && user.temporaryUntil <= this.context.clock.now()) {
        throw notAuthorized('Temporary password has expired and must be reset by an administrator.');
      }
      return this.#challenge(pool, client, user);
    }
    const mfa = mfaChallenge(this.context, pool, client, user);
    if (mfa !== undefined) return mfa;
    return {
      ChallengeParameters: {},
      AuthenticationResult: await issueTokens(this.context, { pool, client, user, source }),
    };
  }

  #challenge(pool: PoolRecord, client: ClientRecord, user: UserRecord) {
    const session = randomBytes(48).toString('base64url');
    this.context.store.sessions.put(session, {
      poolId: pool.Id,
      clientId: client.ClientId,
      username: user.Username,
      challenge: 'NEW_PASSWORD_REQUIRED',
      expires: this.context.clock.now() + SESSION_MS,
    });
    const { sub: _sub, email_verified: _verified, ...shown } = user.attributes;
    return {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: session,
      ChallengeParameters: { USER_ID_FOR_SRP: user.Username, requiredAttributes: '[]', userAttributes: JSON.stringify(shown) },
    };
  }

  /** USER_SRP_AUTH's first step: the server's B for the client's A, and a secret block the client signs. */
  #srpChallenge(pool: PoolRecord, client: ClientRecord, user: UserRecord, srpA: string | undefined) {
    if (srpA === undefined || !/^[0-9a-fA-F]+$/.test(srpA)) throw invalidParameter('Missing required parameter SRP_A');
    if (user.srp === undefined) throw notAuthorized('Incorrect username or password.');
    let server: { b: string; B: string };
    try {
      server = serverChallenge(srpA, user.srp);
    } catch (error) {
      throw new AwsError('NotAuthorizedException', 'Incorrect username or password.', 400, { cause: error });
    }
    const secretBlock = randomBytes(64).toString('base64');
    this.context.store.sessions.put(`srp:${secretBlock}`, {
      poolId: pool.Id,
      clientId: client.ClientId,
      username: user.Username,
      challenge: 'PASSWORD_VERIFIER',
      expires: this.context.clock.now() + SESSION_MS,
      srp: { srpA, ...server },
    });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: {
        SALT: user.srp.salt,
        SRP_B: server.B,
        SECRET_BLOCK: secretBlock,
        USER_ID_FOR_SRP: user.Username,
        USERNAME: user.Username,
      },
    };
  }

  /** PASSWORD_VERIFIER: the client's signature of the secret block proves the password. */
  async #verifyPassword(client: ClientRecord, responses: Parameters) {
    const key = `srp:${responses.PASSWORD_CLAIM_SECRET_BLOCK ?? ''}`;
    const kept = this.context.store.sessions.get(key);
    if (kept?.srp === undefined || kept.clientId !== client.ClientId || kept.expires <= this.context.clock.now()) {
      throw notAuthorized('Invalid session for the user, session is expired.');
    }
    this.context.store.sessions.delete(key);
    const pool = poolOf(this.context, kept.poolId);
    const user = findUser(this.context, pool, kept.username);
    if (user?.srp === undefined) throw new AwsError('UserNotFoundException', 'User does not exist.', 400);
    checkSecretHash(client, [responses.USERNAME ?? user.Username, user.Username], responses.SECRET_HASH);
    const proved = signatureMatches({
      poolId: pool.Id,
      username: user.Username,
      ...kept.srp,
      kept: user.srp,
      secretBlock: responses.PASSWORD_CLAIM_SECRET_BLOCK ?? '',
      timestamp: responses.TIMESTAMP ?? '',
      signature: responses.PASSWORD_CLAIM_SIGNATURE ?? '',
    });
    if (!proved) throw notAuthorized('Incorrect username or password.');
    return this.#signedIn(pool, client, user);
  }

  async #respond(client: ClientRecord, input: Input) {
    const responses = (input.ChallengeResponses ?? {}) as Parameters;
    if (input.ChallengeName === 'PASSWORD_VERIFIER') return this.#verifyPassword(client, responses);
    const kept = this.context.store.sessions.get(String(input.Session ?? ''));
    if (kept === undefined || kept.clientId !== client.ClientId || kept.expires <= this.context.clock.now()) {
      throw notAuthorized('Invalid session for the user, session is expired.');
    }
    if (input.ChallengeName !== kept.challenge) throw invalidParameter(`Incorrect challenge name: ${String(input.ChallengeName)}`);
    const pool = poolOf(this.context, kept.poolId);
    const user = findUser(this.context, pool, kept.username);
    if (user === undefined) throw new AwsError('UserNotFoundException', 'User does not exist.', 400);
    checkSecretHash(client, [responses.USERNAME ?? user.Username, user.Username], responses.SECRET_HASH);
    if (kept.challenge === 'SOFTWARE_TOKEN_MFA' || kept.challenge === 'MFA_SETUP') {
      checkMfaAnswer(this.context, kept, user, responses);
      this.context.store.sessions.delete(String(input.Session));
      return {
        ChallengeParameters: {},
        AuthenticationResult: await issueTokens(this.context, {
          pool,
          client,
          user: findUser(this.context, pool, user.Username) ?? user,
          source: 'Authentication',
        }),
      };
    }
    const password = responses.NEW_PASSWORD;
    if (password === undefined) throw invalidParameter('Missing required parameter NEW_PASSWORD');
    checkPassword(password, pool.Policies.PasswordPolicy);
    const changes = Object.fromEntries(
      Object.entries(responses).flatMap(([key, value]) =>
        key.startsWith('userAttributes.') ? [[key.slice('userAttributes.'.length), value]] : [],
      ),
    );
    checkAttributes(pool, changes, false);
    const { temporaryUntil: _temporary, ...rest } = user;
    const changed: UserRecord = {
      ...rest,
      attributes: { ...user.attributes, ...attributeMap(Object.entries(changes).map(([Name, Value]) => ({ Name, Value }))) },
      ...passwordFields(pool.Id, user.Username, password),
      status: 'CONFIRMED',
      modified: this.context.clock.now(),
    };
    putUser(this.context, changed);
    this.context.store.sessions.delete(String(input.Session));
    // With the new password set, MFA comes next, as on AWS.
    return this.#signedIn(pool, client, changed, 'NewPasswordChallenge');
  }

  async #refresh(pool: PoolRecord, client: ClientRecord, parameters: Parameters) {
    const kept = this.context.store.refreshTokens.get(parameters.REFRESH_TOKEN ?? '');
    if (kept === undefined || kept.clientId !== client.ClientId || kept.expires <= this.context.clock.now()) {
      throw notAuthorized('Invalid Refresh Token');
    }
    if (kept.revoked === true) throw notAuthorized('Refresh Token has been revoked');
    const user = findUser(this.context, pool, kept.username);
    if (user === undefined || !user.enabled) throw notAuthorized('Invalid Refresh Token');
    checkSecretHash(client, user.Username, parameters.SECRET_HASH);
    return {
      ChallengeParameters: {},
      AuthenticationResult: await issueTokens(this.context, { pool, client, user, source: 'RefreshTokens', origin: kept.origin }),
    };
  }
}
