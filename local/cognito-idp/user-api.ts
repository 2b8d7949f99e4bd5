import { randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { attributeList, attributeMap, checkAttributes, maskedEmail } from './attributes.js';
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
  seconds,
} from './context.js';
import { mfaFields } from './mfa-api.js';
import { checkPassword, confirmationCode, passwordFields, temporaryPassword } from './passwords.js';
import type { PoolRecord, UserRecord } from './records.js';
import { triggerAttributes } from './triggers.js';

type Input = Record<string, unknown>;

const DAY = 86_400_000;

/** A user as AdminGetUser and ListUsers answer it. */
export function userType(user: UserRecord) {
  return {
    Username: user.Username,
    Attributes: attributeList(user.attributes),
    UserCreateDate: seconds(user.created),
    UserLastModifiedDate: seconds(user.modified),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

/** Sign-up, confirmation and the admin operations on users (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/). */
export class UserApi {
  constructor(private readonly context: CognitoContext) {}

  /** A new user's username and attributes: with `UsernameAttributes`, the name given is the email or phone and the username a UUID. */
  #newUser(pool: PoolRecord, username: string, given: Record<string, string>) {
    const sub = randomUUID();
    const attributes: Record<string, string> = { ...given };
    let name = username;
    const usernameAttribute = pool.UsernameAttributes?.find((a) => (a === 'email' ? username.includes('@') : username.startsWith('+')));
    if (pool.UsernameAttributes !== undefined) {
      if (usernameAttribute === undefined) throw invalidParameter('Username should be either an email or a phone number.');
      attributes[usernameAttribute === 'email' ? 'email' : 'phone_number'] = username;
      name = sub;
    }
    checkAttributes(pool, attributes, true);
    const taken = findUser(this.context, pool, username) ?? findUser(this.context, pool, name);
    if (taken) {
      throw new AwsError(
        'UsernameExistsException',
        pool.UsernameAttributes ? 'An account with the given email already exists.' : 'User already exists',
        400,
      );
    }
    return { name, attributes: { sub, ...attributes } as Record<string, string> };
  }

  async #sendCode(pool: PoolRecord, user: UserRecord, operation: string): Promise<UserRecord> {
    const email = user.attributes.email;
    if (!pool.AutoVerifiedAttributes?.includes('email') || email === undefined) return user;
    const code = { value: confirmationCode(), expires: this.context.clock.now() + DAY };
    await this.context.mail({ to: email, subject: 'Your verification code', text: `Your confirmation code is ${code.value}`, operation });
    return { ...user, code };
  }

  /** The pool's post confirmation trigger, once the user is confirmed (its failure fails the call; the user stays confirmed). */
  async #postConfirmation(pool: PoolRecord, clientId: string, user: UserRecord): Promise<void> {
    await this.context.triggers.run('PostConfirmation', {
      pool,
      clientId,
      userName: user.Username,
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      request: { userAttributes: triggerAttributes(user), clientMetadata: {} },
    });
  }

  async SignUp(input: Input) {
    const client = clientOf(this.context, input.ClientId);
    const pool = poolOf(this.context, client.UserPoolId);
    if (pool.AdminCreateUserConfig?.AllowAdminCreateUserOnly) throw notAuthorized('SignUp is not permitted for this user pool');
    const username = String(input.Username);
    checkSecretHash(client, username, input.SecretHash);
    checkPassword(String(input.Password), pool.Policies.PasswordPolicy);
    const { name, attributes: given } = this.#newUser(pool, username, attributeMap(input.UserAttributes));
    const pre = await this.context.triggers.run('PreSignUp', {
      pool,
      clientId: client.ClientId,
      userName: name,
      triggerSource: 'PreSignUp_SignUp',
      request: { userAttributes: given, validationData: attributeMap(input.ValidationData), clientMetadata: input.ClientMetadata ?? {} },
    });
    // The trigger may confirm the user and verify their email (its response's autoConfirmUser, autoVerifyEmail).
    const confirmed = pre?.autoConfirmUser === true;
    const attributes = pre?.autoVerifyEmail === true && given.email !== undefined ? { ...given, email_verified: 'true' } : given;
    const now = this.context.clock.now();
    const created: UserRecord = {
      poolId: pool.Id,
      Username: name,
      attributes,
      status: confirmed ? 'CONFIRMED' : 'UNCONFIRMED',
      enabled: true,
      ...passwordFields(pool.Id, name, String(input.Password)),
      groups: [],
      created: now,
      modified: now,
    };
    const user = confirmed ? created : await this.#sendCode(pool, created, 'SignUp');
    putUser(this.context, user);
    if (confirmed) await this.#postConfirmation(pool, client.ClientId, user);
    return {
      UserConfirmed: confirmed,
      UserSub: attributes.sub,
      ...(user.code && attributes.email
        ? { CodeDeliveryDetails: { Destination: maskedEmail(attributes.email), DeliveryMedium: 'EMAIL', AttributeName: 'email' } }
        : {}),
    };
  }

  async ConfirmSignUp(input: Input) {
    const client = clientOf(this.context, input.ClientId);
    const pool = poolOf(this.context, client.UserPoolId);
    checkSecretHash(client, String(input.Username), input.SecretHash);
    const user = requireUser(this.context, pool, input.Username);
    if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    if (user.code === undefined || user.code.value !== String(input.ConfirmationCode)) {
      throw codeMismatch();
    }
    if (user.code.expires <= this.context.clock.now()) {
      throw expiredCode();
    }
    const { code: _used, ...rest } = user;
    const confirmed: UserRecord = {
      ...rest,
      status: 'CONFIRMED',
      attributes: { ...user.attributes, email_verified: 'true' },
      modified: this.context.clock.now(),
    };
    putUser(this.context, confirmed);
    await this.#postConfirmation(pool, client.ClientId, confirmed);
    return {};
  }

  async ResendConfirmationCode(input: Input) {
    const client = clientOf(this.context, input.ClientId);
    const pool = poolOf(this.context, client.UserPoolId);
    checkSecretHash(client, String(input.Username), input.SecretHash);
    const user = requireUser(this.context, pool, input.Username);
    const sent = await this.#sendCode(pool, user, 'ResendConfirmationCode');
    putUser(this.context, sent);
    const email = sent.attributes.email;
    return sent.code && email
      ? { CodeDeliveryDetails: { Destination: maskedEmail(email), DeliveryMedium: 'EMAIL', AttributeName: 'email' } }
      : {};
  }

  async AdminCreateUser(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const given = input.TemporaryPassword === undefined ? undefined : String(input.TemporaryPassword);
    if (given !== undefined) checkPassword(given, pool.Policies.PasswordPolicy);
    const password = given ?? temporaryPassword(pool.Policies.PasswordPolicy);
    const { name, attributes } = this.#newUser(pool, String(input.Username), attributeMap(input.UserAttributes));
    const now = this.context.clock.now();
    const user: UserRecord = {
      poolId: pool.Id,
      Username: name,
      attributes,
      status: 'FORCE_CHANGE_PASSWORD',
      enabled: true,
      ...passwordFields(pool.Id, name, password),
      temporaryUntil: now + pool.Policies.PasswordPolicy.TemporaryPasswordValidityDays * DAY,
      groups: [],
      created: now,
      modified: now,
    };
    if (input.MessageAction !== 'SUPPRESS' && attributes.email !== undefined) {
      await this.context.mail({
        to: attributes.email,
        subject: 'Your temporary password',
        text: `Your username is ${String(input.Username)} and temporary password is ${password}.`,
        operation: 'AdminCreateUser',
      });
    }
    putUser(this.context, user);
    return { User: userType(user) };
  }

  async AdminSetUserPassword(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const user = requireUser(this.context, pool, input.Username);
    const password = String(input.Password);
    checkPassword(password, pool.Policies.PasswordPolicy);
    const permanent = input.Permanent === true;
    const { temporaryUntil: _old, ...rest } = user;
    putUser(this.context, {
      ...rest,
      ...passwordFields(pool.Id, user.Username, password),
      status: permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD',
      ...(permanent ? {} : { temporaryUntil: this.context.clock.now() + pool.Policies.PasswordPolicy.TemporaryPasswordValidityDays * DAY }),
      modified: this.context.clock.now(),
    });
    return {};
  }

  async AdminConfirmSignUp(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const user = requireUser(this.context, pool, input.Username);
    if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
    const confirmed: UserRecord = { ...user, status: 'CONFIRMED', modified: this.context.clock.now() };
    putUser(this.context, confirmed);
    // An administrator's call has no app client: Cognito's events say so.
    await this.#postConfirmation(pool, 'CLIENT_ID_NOT_APPLICABLE', confirmed);
    return {};
  }

  async AdminGetUser(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const found = requireUser(this.context, pool, input.Username);
    const { Attributes, ...user } = userType(found);
    return { ...user, UserAttributes: Attributes, ...mfaFields(found) };
  }

  async GetUser(input: Input) {
    const claims = this.context.keys.accessClaims(String(input.AccessToken), this.context.clock.now());
    const pool = poolOf(this.context, String(claims.iss).split('/').pop());
    const user = requireUser(this.context, pool, claims.username);
    return { Username: user.Username, UserAttributes: attributeList(user.attributes), ...mfaFields(user) };
  }

  async AdminAddUserToGroup(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const group = String(input.GroupName);
    if (this.context.store.groups.get(`${pool.Id}/${group}`) === undefined) {
      throw new AwsError('ResourceNotFoundException', 'Group not found.', 400);
    }
    const user = requireUser(this.context, pool, input.Username);
    if (!user.groups.includes(group))
      putUser(this.context, { ...user, groups: [...user.groups, group], modified: this.context.clock.now() });
    return {};
  }

  async AdminListGroupsForUser(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const user = requireUser(this.context, pool, input.Username);
    const groups = user.groups.flatMap((name) => this.context.store.groups.get(`${pool.Id}/${name}`) ?? []);
    return { Groups: groups.map((g) => ({ ...g, CreationDate: seconds(g.CreationDate), LastModifiedDate: seconds(g.LastModifiedDate) })) };
  }

  /** ListUsers, with its `Filter` of one attribute (`email = "a@b"`, `email ^= "a"`). */
  async ListUsers(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    let users = this.context.store.users.all().filter((u) => u.poolId === pool.Id);
    if (input.Filter !== undefined && input.Filter !== '') {
      const match = /^\s*([\w:]+)\s*(\^?=)\s*"([^"]*)"\s*$/.exec(String(input.Filter));
      if (match === null) throw invalidParameter('Error while parsing filter.');
      const [, name = '', operator, value = ''] = match;
      const of = (u: UserRecord) =>
        name === 'username'
          ? u.Username
          : name === 'status'
            ? u.enabled
              ? 'Enabled'
              : 'Disabled'
            : name === 'cognito:user_status'
              ? u.status
              : u.attributes[name];
      users = users.filter((u) => {
        const actual = of(u);
        return actual !== undefined && (operator === '=' ? actual === value : actual.startsWith(value));
      });
    }
    const start = input.PaginationToken === undefined ? 0 : Number(input.PaginationToken);
    const limit = input.Limit === undefined ? 60 : Number(input.Limit);
    const page = users.slice(start, start + limit);
    return { Users: page.map(userType), ...(start + limit < users.length ? { PaginationToken: String(start + limit) } : {}) };
  }
}
