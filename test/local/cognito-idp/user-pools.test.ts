import { createHmac } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { userPool, userPoolClient } from '../template-resources.js';
import { type Answer, failure, useCognitoRuntime } from './cognito-client.js';

const FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

function assembly() {
  return assemblyOf(
    {
      Users: userPool('app-users', {
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        Schema: [
          { Name: 'email', Required: true, Mutable: true },
          { Name: 'tenant', AttributeDataType: 'String', Mutable: false },
        ],
        Policies: { PasswordPolicy: { MinimumLength: 10, RequireSymbols: false } },
      }),
      WebClient: userPoolClient('Users', { ClientName: 'web', ExplicitAuthFlows: FLOWS, PreventUserExistenceErrors: 'LEGACY' }),
      ServerClient: userPoolClient('Users', { ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: FLOWS }),
      Orphan: { Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: 'us-east-1_NotInApp1', ClientName: 'orphan' } },
      Admins: { Type: 'AWS::Cognito::UserPoolGroup', Properties: { UserPoolId: { Ref: 'Users' }, GroupName: 'admins', Precedence: 1 } },
    },
    'Auth',
  );
}

describe('Cognito user pools', () => {
  const clock = new ManualClock(Date.now());
  const { suite, call, mailedCode } = useCognitoRuntime(assembly, { clock });
  let poolId: string;
  let web: Answer;
  let server: Answer;

  /** Reads the ids the runtime gave the template's pool and clients (again after a restart). */
  const readIds = async () => {
    const { UserPools } = await call('ListUserPools', { MaxResults: 60 });
    poolId = UserPools.find((p: { Name: string }) => p.Name === 'app-users').Id;
    const { UserPoolClients } = await call('ListUserPoolClients', { UserPoolId: poolId });
    const describe = async (name: string) =>
      (
        await call('DescribeUserPoolClient', {
          UserPoolId: poolId,
          ClientId: UserPoolClients.find((c: { ClientName: string }) => c.ClientName === name).ClientId,
        })
      ).UserPoolClient;
    web = await describe('web');
    server = await describe('server');
  };

  beforeAll(readIds);

  it("runs the template's pool, clients and group under the ids Cognito gives them", async () => {
    expect(poolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(web.ClientId).toMatch(/^[a-z0-9]{26}$/);
    expect(web.ClientSecret).toBeUndefined();
    expect(server.ClientSecret).toMatch(/^[a-z0-9]{51}$/);
    const { UserPool } = await call('DescribeUserPool', { UserPoolId: poolId });
    expect(UserPool).toMatchObject({
      Id: poolId,
      Name: 'app-users',
      Arn: `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${poolId}`,
      UsernameAttributes: ['email'],
      Policies: { PasswordPolicy: { MinimumLength: 10, RequireSymbols: false, RequireUppercase: true } },
    });
    expect(UserPool.SchemaAttributes.map((a: { Name: string }) => a.Name)).toContain('custom:tenant');
    expect(suite.runtime.warnings).toContainEqual(
      'Auth/Orphan (AWS::Cognito::UserPoolClient): its UserPoolId "us-east-1_NotInApp1" is none of the app\'s user pools; it is left out',
    );
    const { Groups } = await call('ListGroups', { UserPoolId: poolId });
    expect(Groups).toMatchObject([{ GroupName: 'admins', Precedence: 1, UserPoolId: poolId }]);
  });

  it('signs a user up, mails the code, confirms them and signs them in with tokens that verify against the JWKS', async () => {
    const signUp = await call('SignUp', {
      ClientId: web.ClientId,
      Username: 'ada@example.com',
      Password: 'Analytical1Engine',
      UserAttributes: [
        { Name: 'email', Value: 'ada@example.com' },
        { Name: 'custom:tenant', Value: 'acme' },
      ],
    });
    expect(signUp).toMatchObject({ UserConfirmed: false, CodeDeliveryDetails: { DeliveryMedium: 'EMAIL', Destination: 'a***@e***' } });
    const signIn = {
      ClientId: web.ClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'ada@example.com', PASSWORD: 'Analytical1Engine' },
    };
    expect(await failure(call('InitiateAuth', signIn))).toEqual({ code: 'UserNotConfirmedException', message: 'User is not confirmed.' });
    expect(
      await failure(call('ConfirmSignUp', { ClientId: web.ClientId, Username: 'ada@example.com', ConfirmationCode: '000000x' })),
    ).toMatchObject({
      code: 'CodeMismatchException',
    });
    await call('ConfirmSignUp', { ClientId: web.ClientId, Username: 'ada@example.com', ConfirmationCode: mailedCode('ada@example.com') });

    const { AuthenticationResult: tokens } = await call('InitiateAuth', signIn);
    expect(tokens).toMatchObject({ TokenType: 'Bearer', ExpiresIn: 3600 });
    const issuer = `${suite.runtime.url}/${poolId}`;
    const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    const id = await jwtVerify(tokens.IdToken, jwks, { issuer, audience: web.ClientId, algorithms: ['RS256'] });
    expect(id.payload).toMatchObject({
      sub: signUp.UserSub,
      'cognito:username': signUp.UserSub,
      email: 'ada@example.com',
      email_verified: true,
      'custom:tenant': 'acme',
      token_use: 'id',
    });
    const access = await jwtVerify(tokens.AccessToken, jwks, { issuer });
    expect(access.payload).toMatchObject({ client_id: web.ClientId, token_use: 'access', scope: 'aws.cognito.signin.user.admin' });
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery).toMatchObject({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json` });
    expect((await call('GetUser', { AccessToken: tokens.AccessToken })).Username).toBe(signUp.UserSub);

    const refreshed = await call('InitiateAuth', {
      ClientId: web.ClientId,
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
    });
    expect(decodeJwt(refreshed.AuthenticationResult.IdToken).sub).toBe(signUp.UserSub);
    expect(refreshed.AuthenticationResult.RefreshToken).toBeUndefined();
  });

  it('fails sign-in, sign-up and tokens as Cognito does', async () => {
    const signIn = (USERNAME: string, PASSWORD: string) =>
      call('InitiateAuth', { ClientId: web.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } });
    expect(await failure(signIn('ada@example.com', 'Wrong1Password'))).toEqual({
      code: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
    expect(await failure(signIn('nobody@example.com', 'Wrong1Password'))).toEqual({
      code: 'UserNotFoundException',
      message: 'User does not exist.',
    });
    const signUp = (Password: string, UserAttributes: { Name: string; Value: string }[]) =>
      call('SignUp', { ClientId: web.ClientId, Username: 'bob@example.com', Password, UserAttributes });
    expect(await failure(signUp('short1A', []))).toEqual({
      code: 'InvalidPasswordException',
      message: 'Password did not conform with policy: Password not long enough',
    });
    expect(await failure(signUp('longenough1', []))).toMatchObject({
      code: 'InvalidPasswordException',
      message: expect.stringContaining('uppercase'),
    });
    expect(await failure(signUp('Longenough1', [{ Name: 'custom:team', Value: 'x' }]))).toMatchObject({
      code: 'InvalidParameterException',
      message: expect.stringContaining('custom:team: Attribute does not exist in the schema.'),
    });
    expect(await failure(call('SignUp', { ClientId: web.ClientId, Username: 'ada@example.com', Password: 'Longenough1' }))).toMatchObject({
      code: 'UsernameExistsException',
    });
    expect(
      await failure(
        call('InitiateAuth', { ClientId: web.ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'forged' } }),
      ),
    ).toEqual({
      code: 'NotAuthorizedException',
      message: 'Invalid Refresh Token',
    });
    expect(
      await failure(call('InitiateAuth', { ClientId: 'nosuchclient', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: {} })),
    ).toMatchObject({
      code: 'ResourceNotFoundException',
    });
  });

  // The endpoint's model check answers these before ListUserPools runs (which keeps no copy of the range).
  it('fails ListUserPools without MaxResults or with one outside 1 to 60, as its model declares', async () => {
    for (const [input, message] of [
      [{}, "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null"],
      [{ MaxResults: 0 }, "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"],
      [{ MaxResults: 61 }, "Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"],
    ] as const) {
      expect(await failure(call('ListUserPools', input))).toEqual({
        code: 'ValidationException',
        message: expect.stringContaining(message),
      });
    }
  });

  it('creates a user as an administrator, puts them in a group and has them set a new password at first sign-in', async () => {
    const { User } = await call('AdminCreateUser', {
      UserPoolId: poolId,
      Username: 'grace@example.com',
      TemporaryPassword: 'Temporary123',
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: 'grace@example.com' }],
    });
    expect(User).toMatchObject({ UserStatus: 'FORCE_CHANGE_PASSWORD', Enabled: true });
    await call('AdminAddUserToGroup', { UserPoolId: poolId, Username: 'grace@example.com', GroupName: 'admins' });
    expect(await failure(call('AdminAddUserToGroup', { UserPoolId: poolId, Username: 'grace@example.com', GroupName: 'nope' }))).toEqual({
      code: 'ResourceNotFoundException',
      message: 'Group not found.',
    });
    const hash = createHmac('sha256', server.ClientSecret).update(`grace@example.com${server.ClientId}`).digest('base64');
    const auth = (SECRET_HASH?: string) =>
      call('AdminInitiateAuth', {
        UserPoolId: poolId,
        ClientId: server.ClientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'grace@example.com', PASSWORD: 'Temporary123', ...(SECRET_HASH ? { SECRET_HASH } : {}) },
      });
    expect(await failure(auth())).toEqual({
      code: 'NotAuthorizedException',
      message: `Client ${server.ClientId} is configured with secret but SECRET_HASH was not received`,
    });
    const challenge = await auth(hash.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))).catch((error: Error) => error.message);
    expect(challenge).toBe(`Unable to verify secret hash for client ${server.ClientId}`);
    const { ChallengeName, Session } = await auth(hash);
    expect(ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    // The username a client with a secret hashes is the user's own (their sub here), as AWS asks after the challenge.
    const { Username } = await call('AdminGetUser', { UserPoolId: poolId, Username: 'grace@example.com' });
    const responseHash = createHmac('sha256', server.ClientSecret).update(`${Username}${server.ClientId}`).digest('base64');
    const { AuthenticationResult } = await call('RespondToAuthChallenge', {
      ClientId: server.ClientId,
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session,
      ChallengeResponses: { USERNAME: 'grace@example.com', NEW_PASSWORD: 'Permanent1234', SECRET_HASH: responseHash },
    });
    expect(decodeJwt(AuthenticationResult.AccessToken)).toMatchObject({ 'cognito:groups': ['admins'], client_id: server.ClientId });
    expect((await call('AdminGetUser', { UserPoolId: poolId, Username: 'grace@example.com' })).UserStatus).toBe('CONFIRMED');
  });

  it('answers USER_SRP_AUTH with the PASSWORD_VERIFIER challenge and refuses a signature that proves no password', async () => {
    const { ChallengeName, ChallengeParameters } = await call('InitiateAuth', {
      ClientId: web.ClientId,
      AuthFlow: 'USER_SRP_AUTH',
      AuthParameters: { USERNAME: 'ada@example.com', SRP_A: 'abcdef0123456789' },
    });
    expect(ChallengeName).toBe('PASSWORD_VERIFIER');
    expect(ChallengeParameters).toMatchObject({ SALT: expect.stringMatching(/^[0-9a-f]+$/), SRP_B: expect.stringMatching(/^[0-9a-f]+$/) });
    const respond = () =>
      call('RespondToAuthChallenge', {
        ClientId: web.ClientId,
        ChallengeName: 'PASSWORD_VERIFIER',
        ChallengeResponses: {
          USERNAME: ChallengeParameters.USER_ID_FOR_SRP,
          PASSWORD_CLAIM_SECRET_BLOCK: ChallengeParameters.SECRET_BLOCK,
          TIMESTAMP: 'Fri Nov 27 17:58:00 UTC 2026',
          PASSWORD_CLAIM_SIGNATURE: Buffer.alloc(32).toString('base64'),
        },
      });
    expect(await failure(respond())).toEqual({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    // The secret block is spent: a second try has no challenge to answer.
    expect(await failure(respond())).toMatchObject({
      code: 'NotAuthorizedException',
      message: 'Invalid session for the user, session is expired.',
    });
  });

  it('keeps users, what the API created and the signing key across a restart', async () => {
    const { UserPool } = await call('CreateUserPool', { PoolName: 'made-by-api' });
    const { AuthenticationResult } = await call('InitiateAuth', {
      ClientId: web.ClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'ada@example.com', PASSWORD: 'Analytical1Engine' },
    });
    await suite.restart();
    await readIds();
    expect((await call('DescribeUserPool', { UserPoolId: UserPool.Id })).UserPool.Name).toBe('made-by-api');
    expect((await call('GetUser', { AccessToken: AuthenticationResult.AccessToken })).UserAttributes).toContainEqual({
      Name: 'email',
      Value: 'ada@example.com',
    });
    const { Users } = await call('ListUsers', { UserPoolId: poolId, Filter: 'email = "ada@example.com"' });
    expect(Users).toHaveLength(1);
  });
});
