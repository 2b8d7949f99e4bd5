import { beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../../local/cognito-idp/totp.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { userPoolClient } from '../template-resources.js';
import { type Answer, failure, useCognitoRuntime } from './cognito-client.js';

const FLOWS = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

const pool = (name: string, MfaConfiguration: string) => ({
  Type: 'AWS::Cognito::UserPool',
  Properties: {
    UserPoolName: name,
    MfaConfiguration,
    EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    Policies: { PasswordPolicy: { MinimumLength: 8, RequireSymbols: false } },
  },
});
const client = (poolRef: string, name: string) => userPoolClient(poolRef, { ClientName: name, ExplicitAuthFlows: FLOWS });

describe('Cognito TOTP MFA', () => {
  const clock = new ManualClock(Date.now());
  const { call } = useCognitoRuntime(
    () =>
      assemblyOf(
        {
          Optional: pool('optional-mfa', 'OPTIONAL'),
          OptionalWeb: client('Optional', 'optional-web'),
          Required: pool('required-mfa', 'ON'),
          RequiredWeb: client('Required', 'required-web'),
        },
        'Auth',
      ),
    { clock },
  );
  const pools: Record<string, { id: string; client: string }> = {};

  const signIn = (pool: string, USERNAME: string): Promise<Answer> =>
    call('InitiateAuth', {
      ClientId: pools[pool]?.client,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME, PASSWORD: 'Password1x' },
    });
  const user = async (pool: string, Username: string) => {
    const UserPoolId = pools[pool]?.id;
    await call('AdminCreateUser', { UserPoolId, Username, MessageAction: 'SUPPRESS' });
    await call('AdminSetUserPassword', { UserPoolId, Username, Password: 'Password1x', Permanent: true });
  };

  beforeAll(async () => {
    const { UserPools } = await call('ListUserPools', { MaxResults: 60 });
    for (const { Name, Id } of UserPools as { Name: string; Id: string }[]) {
      const { UserPoolClients } = await call('ListUserPoolClients', { UserPoolId: Id });
      pools[Name] = { id: Id, client: UserPoolClients[0].ClientId };
    }
  });

  it('sets up an authenticator for a signed-in user and asks for its code at the next sign-in', async () => {
    await user('optional-mfa', 'ada');
    const first = await signIn('optional-mfa', 'ada');
    expect(first.AuthenticationResult.AccessToken).toBeTypeOf('string');
    const { AccessToken } = first.AuthenticationResult;
    const { SecretCode } = await call('AssociateSoftwareToken', { AccessToken });
    expect(SecretCode).toMatch(/^[A-Z2-7]{32}$/);
    expect(
      await failure(call('SetUserMFAPreference', { AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } })),
    ).toEqual({ code: 'InvalidParameterException', message: 'User has not verified software token mfa' });
    const wrong = totpCode(SecretCode, clock.now() + 600_000);
    expect(await failure(call('VerifySoftwareToken', { AccessToken, UserCode: wrong }))).toEqual({
      code: 'EnableSoftwareTokenMFAException',
      message: 'Code mismatch and fail enable Software Token MFA',
    });
    expect(await call('VerifySoftwareToken', { AccessToken, UserCode: totpCode(SecretCode, clock.now()) })).toEqual({ Status: 'SUCCESS' });
    await call('SetUserMFAPreference', { AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
    expect(await call('GetUser', { AccessToken })).toMatchObject({
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA'],
      PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA',
    });

    const challenged = await signIn('optional-mfa', 'ada');
    expect(challenged).toMatchObject({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: expect.any(String) });
    expect(challenged.AuthenticationResult).toBeUndefined();
    const respond = (code: string) =>
      call('RespondToAuthChallenge', {
        ClientId: pools['optional-mfa']?.client,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: challenged.Session,
        ChallengeResponses: { USERNAME: 'ada', SOFTWARE_TOKEN_MFA_CODE: code },
      });
    expect(await failure(respond(wrong))).toEqual({ code: 'CodeMismatchException', message: 'Invalid code received for user' });
    const { AuthenticationResult } = await respond(totpCode(SecretCode, clock.now()));
    expect(AuthenticationResult.IdToken).toBeTypeOf('string');
  });

  it('signs a user in without a challenge once an administrator turns their TOTP MFA off', async () => {
    await call('AdminSetUserMFAPreference', {
      UserPoolId: pools['optional-mfa']?.id,
      Username: 'ada',
      SoftwareTokenMfaSettings: { Enabled: false },
    });
    expect((await signIn('optional-mfa', 'ada')).AuthenticationResult.AccessToken).toBeTypeOf('string');
  });

  it('has a user of a pool that requires MFA set up an authenticator in the MFA_SETUP challenge', async () => {
    await user('required-mfa', 'bob');
    const setup = await signIn('required-mfa', 'bob');
    expect(setup).toMatchObject({ ChallengeName: 'MFA_SETUP', ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } });
    const respond = (Session: string) =>
      call('RespondToAuthChallenge', {
        ClientId: pools['required-mfa']?.client,
        ChallengeName: 'MFA_SETUP',
        Session,
        ChallengeResponses: { USERNAME: 'bob' },
      });
    expect((await failure(respond(setup.Session))).code).toBe('InvalidParameterException');
    const { SecretCode, Session } = await call('AssociateSoftwareToken', { Session: setup.Session });
    const verified = await call('VerifySoftwareToken', { Session, UserCode: totpCode(SecretCode, clock.now()) });
    expect(verified).toMatchObject({ Status: 'SUCCESS', Session: expect.any(String) });
    expect((await respond(verified.Session)).AuthenticationResult.AccessToken).toBeTypeOf('string');
    clock.advance(30_000);
    const next = await signIn('required-mfa', 'bob');
    expect(next.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
  });

  it('fails an MFA challenge whose session has expired', async () => {
    const challenged = await signIn('required-mfa', 'bob');
    clock.advance(3 * 60_000);
    expect(
      await failure(
        call('RespondToAuthChallenge', {
          ClientId: pools['required-mfa']?.client,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: challenged.Session,
          ChallengeResponses: { USERNAME: 'bob', SOFTWARE_TOKEN_MFA_CODE: '000000' },
        }),
      ),
    ).toEqual({ code: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
  });
});
