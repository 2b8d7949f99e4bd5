import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { userPool, userPoolClient } from '../template-resources.js';
import { type Answer, failure, useCognitoRuntime } from './cognito-client.js';

const FLOWS = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

function assembly() {
  return assemblyOf(
    {
      Users: userPool('reset-users', {
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        Policies: { PasswordPolicy: { MinimumLength: 8, RequireSymbols: false } },
      }),
      Web: userPoolClient('Users', { ClientName: 'web', ExplicitAuthFlows: FLOWS }),
      Quiet: userPoolClient('Users', { ClientName: 'quiet', ExplicitAuthFlows: FLOWS, PreventUserExistenceErrors: 'ENABLED' }),
      Kiosk: userPoolClient('Users', { ClientName: 'kiosk', ExplicitAuthFlows: FLOWS, EnableTokenRevocation: false }),
    },
    'Auth',
  );
}

describe('Cognito passwords and sign-out', () => {
  const clock = new ManualClock(Date.now());
  const { suite, call, mailedCode } = useCognitoRuntime(assembly, { clock });
  let poolId: string;
  let web: string;
  let kiosk: string;
  let quiet: string;

  const signIn = (USERNAME: string, PASSWORD: string, ClientId = web): Promise<Answer> =>
    call('InitiateAuth', { ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } });
  const refresh = (REFRESH_TOKEN: string, ClientId = web) =>
    call('InitiateAuth', { ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN } });
  /** A confirmed user with a verified email. */
  const confirmedUser = async (email: string, password: string) => {
    await call('SignUp', { ClientId: web, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] });
    await call('ConfirmSignUp', { ClientId: web, Username: email, ConfirmationCode: mailedCode(email) });
  };

  beforeAll(async () => {
    const { UserPools } = await call('ListUserPools', { MaxResults: 60 });
    poolId = UserPools.find((p: { Name: string }) => p.Name === 'reset-users').Id;
    const { UserPoolClients } = await call('ListUserPoolClients', { UserPoolId: poolId });
    const clientId = (name: string) => UserPoolClients.find((c: { ClientName: string }) => c.ClientName === name).ClientId;
    web = clientId('web');
    kiosk = clientId('kiosk');
    quiet = clientId('quiet');
  });

  it('mails a reset code for a forgotten password and sets the new password with it', async () => {
    await confirmedUser('ada@example.com', 'Engine1Ada');
    const forgot = await call('ForgotPassword', { ClientId: web, Username: 'ada@example.com' });
    expect(forgot).toEqual({ CodeDeliveryDetails: { Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' } });
    const code = mailedCode('ada@example.com');
    const confirm = (ConfirmationCode: string, Password = 'Engine2Ada') =>
      call('ConfirmForgotPassword', { ClientId: web, Username: 'ada@example.com', ConfirmationCode, Password });
    expect(await failure(confirm(code === '000000' ? '000001' : '000000'))).toEqual({
      code: 'CodeMismatchException',
      message: 'Invalid verification code provided, please try again.',
    });
    expect(await failure(confirm(code, 'short'))).toMatchObject({ code: 'InvalidPasswordException' });
    await confirm(code);
    expect(await failure(signIn('ada@example.com', 'Engine1Ada'))).toMatchObject({ code: 'NotAuthorizedException' });
    expect((await signIn('ada@example.com', 'Engine2Ada')).AuthenticationResult.AccessToken).toBeTypeOf('string');
    // The code is spent once used.
    expect(await failure(confirm(code, 'Engine3Ada'))).toMatchObject({ code: 'ExpiredCodeException' });
  });

  it('fails a reset code after an hour, and after five wrong codes with LimitExceededException', async () => {
    await call('ForgotPassword', { ClientId: web, Username: 'ada@example.com' });
    const late = mailedCode('ada@example.com');
    clock.advance(3_600_000);
    const confirm = (ConfirmationCode: string) =>
      call('ConfirmForgotPassword', { ClientId: web, Username: 'ada@example.com', ConfirmationCode, Password: 'Engine4Ada' });
    expect(await failure(confirm(late))).toEqual({
      code: 'ExpiredCodeException',
      message: 'Invalid code provided, please request a code again.',
    });
    await call('ForgotPassword', { ClientId: web, Username: 'ada@example.com' });
    const code = mailedCode('ada@example.com');
    const wrong = code === '000000' ? '000001' : '000000';
    for (let attempt = 1; attempt < 5; attempt++) expect((await failure(confirm(wrong))).code).toBe('CodeMismatchException');
    expect(await failure(confirm(wrong))).toEqual({
      code: 'LimitExceededException',
      message: 'Attempt limit exceeded, please try after some time.',
    });
    expect((await failure(confirm(code))).code).toBe('ExpiredCodeException');
  });

  it('fails ForgotPassword for an unknown user and for a user with no verified email', async () => {
    expect(await failure(call('ForgotPassword', { ClientId: web, Username: 'nobody@example.com' }))).toEqual({
      code: 'UserNotFoundException',
      message: 'Username/client id combination not found.',
    });
    // A client that hides which users exist answers as if it had mailed a code, and mails none.
    expect(await call('ForgotPassword', { ClientId: quiet, Username: 'nobody@example.com' })).toEqual({
      CodeDeliveryDetails: { Destination: 'n***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' },
    });
    expect(suite.runtime.ses.mailbox.list({ limit: 1, address: 'nobody@example.com' }).messages).toEqual([]);
    await call('AdminCreateUser', {
      UserPoolId: poolId,
      Username: 'unverified@example.com',
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: 'unverified@example.com' }],
    });
    expect(await failure(call('ForgotPassword', { ClientId: web, Username: 'unverified@example.com' }))).toEqual({
      code: 'InvalidParameterException',
      message: 'Cannot reset password for the user as there is no registered/verified email or phone_number',
    });
  });

  it('changes a signed-in user’s password, and fails a wrong previous password', async () => {
    await confirmedUser('bob@example.com', 'Builder1Bob');
    const { AccessToken } = (await signIn('bob@example.com', 'Builder1Bob')).AuthenticationResult;
    expect(await failure(call('ChangePassword', { AccessToken, PreviousPassword: 'Wrong1Bob', ProposedPassword: 'Builder2Bob' }))).toEqual({
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    await call('ChangePassword', { AccessToken, PreviousPassword: 'Builder1Bob', ProposedPassword: 'Builder2Bob' });
    expect((await signIn('bob@example.com', 'Builder2Bob')).AuthenticationResult.IdToken).toBeTypeOf('string');
  });

  it('has a user whose password an administrator reset set a new one with the mailed code before signing in', async () => {
    await confirmedUser('cy@example.com', 'Cypher1Cy');
    await call('AdminResetUserPassword', { UserPoolId: poolId, Username: 'cy@example.com' });
    expect((await call('AdminGetUser', { UserPoolId: poolId, Username: 'cy@example.com' })).UserStatus).toBe('RESET_REQUIRED');
    expect(await failure(signIn('cy@example.com', 'Cypher1Cy'))).toEqual({
      code: 'PasswordResetRequiredException',
      message: 'Password reset required for the user',
    });
    await call('ConfirmForgotPassword', {
      ClientId: web,
      Username: 'cy@example.com',
      ConfirmationCode: mailedCode('cy@example.com'),
      Password: 'Cypher2Cy',
    });
    expect((await call('AdminGetUser', { UserPoolId: poolId, Username: 'cy@example.com' })).UserStatus).toBe('CONFIRMED');
    expect((await signIn('cy@example.com', 'Cypher2Cy')).AuthenticationResult.IdToken).toBeTypeOf('string');
  });

  it('revokes every refresh token and access token of the user at a global sign-out', async () => {
    const first = (await signIn('bob@example.com', 'Builder2Bob')).AuthenticationResult;
    const second = (await signIn('bob@example.com', 'Builder2Bob')).AuthenticationResult;
    const refreshed = (await refresh(first.RefreshToken)).AuthenticationResult;
    await call('GlobalSignOut', { AccessToken: second.AccessToken });
    for (const token of [first.RefreshToken, second.RefreshToken]) {
      expect(await failure(refresh(token))).toEqual({ code: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    }
    for (const AccessToken of [first.AccessToken, refreshed.AccessToken]) {
      expect(await failure(call('GetUser', { AccessToken }))).toEqual({
        code: 'NotAuthorizedException',
        message: 'Access Token has been revoked',
      });
    }
    const again = (await signIn('bob@example.com', 'Builder2Bob')).AuthenticationResult;
    expect((await call('GetUser', { AccessToken: again.AccessToken })).Username).toBeTypeOf('string');
    await call('AdminUserGlobalSignOut', { UserPoolId: poolId, Username: 'bob@example.com' });
    expect((await failure(refresh(again.RefreshToken))).message).toBe('Refresh Token has been revoked');
  });

  it('revokes one refresh token with RevokeToken and leaves the user’s others', async () => {
    const kept = (await signIn('bob@example.com', 'Builder2Bob')).AuthenticationResult;
    const revoked = (await signIn('bob@example.com', 'Builder2Bob')).AuthenticationResult;
    await call('RevokeToken', { ClientId: web, Token: revoked.RefreshToken });
    expect(await failure(refresh(revoked.RefreshToken))).toEqual({
      code: 'NotAuthorizedException',
      message: 'Refresh Token has been revoked',
    });
    expect((await failure(call('GetUser', { AccessToken: revoked.AccessToken }))).message).toBe('Access Token has been revoked');
    expect((await refresh(kept.RefreshToken)).AuthenticationResult.AccessToken).toBeTypeOf('string');
  });

  it('fails RevokeToken for an id token, a token of another client and a client without token revocation', async () => {
    const tokens = (await signIn('bob@example.com', 'Builder2Bob')).AuthenticationResult;
    expect(await failure(call('RevokeToken', { ClientId: web, Token: tokens.IdToken }))).toMatchObject({
      code: 'UnsupportedTokenTypeException',
    });
    expect(await failure(call('RevokeToken', { ClientId: kiosk, Token: tokens.RefreshToken }))).toMatchObject({
      code: 'UnsupportedOperationException',
    });
    const kioskTokens = (await signIn('bob@example.com', 'Builder2Bob', kiosk)).AuthenticationResult;
    expect(await failure(call('RevokeToken', { ClientId: web, Token: kioskTokens.RefreshToken }))).toMatchObject({
      code: 'UnauthorizedException',
    });
  });
});
