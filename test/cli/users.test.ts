import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../local/cognito-idp/totp.js';
import { LocalRuntime } from '../../local/runtime.js';
import { assemblyOf } from '../local/assembly.js';
import { cognitoClient } from '../local/cognito-idp/cognito-client.js';
import { disposableData } from '../local/helpers.js';
import { userPool, userPoolClient } from '../local/template-resources.js';
import { runCli } from './run-cli.js';

let runtime: LocalRuntime;
const cli = (...args: string[]) => runCli([...args, '--endpoint', runtime.url]);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());

beforeAll(async () => {
  const cdkOut = assemblyOf(
    {
      // No UserPoolName: the runtime names it <Stack>-<LogicalId>, and --pool takes the logical id.
      ShopUsers: { Type: 'AWS::Cognito::UserPool', Properties: {} },
      Web: userPoolClient('ShopUsers', { ClientName: 'web', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH'] }),
      Admins: { Type: 'AWS::Cognito::UserPoolGroup', Properties: { UserPoolId: { Ref: 'ShopUsers' }, GroupName: 'admins' } },
      Staff: userPool('staff'),
      StaffSrp: userPoolClient('Staff', { ClientName: 'srp-only', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] }),
      // CDK's default UserPoolClient (serverless-patterns' appsync-cognito-lambda-cdk): no ExplicitAuthFlows, which allows SRP, custom auth and refresh.
      PublicUsers: userPool('public'),
      PublicWeb: userPoolClient('PublicUsers', { ClientName: 'app' }),
      Partners: userPool('partners'),
      PartnersWeb: userPoolClient('Partners', {
        ClientName: 'portal',
        ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH'],
      }),
      Guarded: userPool('guarded', { MfaConfiguration: 'OPTIONAL', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] }),
      GuardedWeb: userPoolClient('Guarded', { ClientName: 'guarded-web', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
      Vault: userPool('vault', { MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] }),
      VaultWeb: userPoolClient('Vault', { ClientName: 'vault-web', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
      Admin: userPool('admin'),
      AdminTool: userPoolClient('Admin', { ClientName: 'custom-only', ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'] }),
    },
    'Shop',
  );
  runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => undefined });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('switchyard users', () => {
  it('creates a user with its attribute and group and prints tokens the pool signed for it', async () => {
    const created = await runCli(
      [
        'users',
        'create',
        '--pool',
        'ShopUsers',
        '--username',
        'ada',
        '--password',
        'Passw0rd!long',
        '--group',
        'admins',
        '--attribute',
        'email=ada@example.com',
        '--endpoint',
        runtime.url,
      ],
      { process: true },
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^Created ada in Shop-ShopUsers \(us-east-1_\w+\), in admins, through the client web/);
    const idToken = /IdToken: +(\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(claimsOf(idToken)).toMatchObject({
      'cognito:username': 'ada',
      'cognito:groups': ['admins'],
      email: 'ada@example.com',
      token_use: 'id',
    });
  });

  it('signs an existing user in and prints its tokens as JSON', async () => {
    const { userPoolId } = JSON.parse(
      (await cli('users', 'token', '--pool', 'shop-shopusers', '--username', 'ada', '--password', 'Passw0rd!long', '--json')).stdout,
    );
    const signedIn = await cli('users', 'token', '--pool', userPoolId ?? '', '--username', 'ada', '--password', 'Passw0rd!long', '--json');
    expect(signedIn.code).toBe(0);
    const answer = JSON.parse(signedIn.stdout);
    expect(claimsOf(answer.AccessToken)).toMatchObject({ username: 'ada', token_use: 'access' });
  });

  it('fails if the pool is not there, naming the pools there are', async () => {
    const answer = await cli('users', 'token', '--pool', 'Nope', '--username', 'ada', '--password', 'x');
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('no user pool Nope in the local runtime (its pools: ');
    expect(answer.stderr).toMatch(/Shop-ShopUsers \(us-east-1_\w+\)/);
    expect(answer.stderr).toMatch(/staff \(us-east-1_\w+\)/);
  });

  it("signs in with SRP through a pool's only client when it allows only that, as CDK's default client does", async () => {
    const created = await cli('users', 'create', '--pool', 'public', '--username', 'bo', '--password', 'Passw0rd!long');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^Created bo in public \(us-east-1_\w+\), through the client app \(USER_SRP_AUTH\)/);
    expect(claimsOf(/IdToken: +(\S+)/.exec(created.stdout)?.[1] ?? '')).toMatchObject({ 'cognito:username': 'bo', token_use: 'id' });
    const wrong = await cli('users', 'token', '--pool', 'public', '--username', 'bo', '--password', 'wrong-password');
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('NotAuthorizedException') });
  });

  it("signs in with SRP through a client with a secret, sending the client's SECRET_HASH", async () => {
    const created = await cli('users', 'create', '--pool', 'staff', '--username', 'cy', '--password', 'Passw0rd!long', '--json');
    expect(created.code).toBe(0);
    expect(claimsOf(JSON.parse(created.stdout).AccessToken)).toMatchObject({ username: 'cy', token_use: 'access' });
  });

  it('prefers USER_PASSWORD_AUTH to SRP when the client allows both', async () => {
    const created = await cli('users', 'create', '--pool', 'partners', '--username', 'di', '--password', 'Passw0rd!long');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain('through the client portal (USER_PASSWORD_AUTH)');
  });

  it('fails if no client of the pool allows a password sign-in, naming the clients and their flows', async () => {
    const answer = await cli('users', 'create', '--pool', 'admin', '--username', 'bo', '--password', 'Passw0rd!long');
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain(
      'no app client of the pool admin allows a password sign-in (ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_USER_PASSWORD_AUTH or ALLOW_USER_SRP_AUTH)',
    );
    expect(answer.stderr).toContain('custom-only');
  });

  it('fails if the user exists already, the password is wrong, or an option is missing', async () => {
    const again = await cli('users', 'create', '--pool', 'ShopUsers', '--username', 'ada', '--password', 'Passw0rd!long');
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('has a user ada already; switchyard users token signs it in') });
    const wrong = await cli('users', 'token', '--pool', 'ShopUsers', '--username', 'ada', '--password', 'wrong-password');
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('NotAuthorizedException') });
    expect(await cli('users', 'token', '--pool', 'ShopUsers')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--username is required'),
    });
  });

  it('signs in a user with TOTP MFA with --totp-code, and says that it is needed without it', async () => {
    const created = await cli('users', 'create', '--pool', 'guarded', '--username', 'eve', '--password', 'Passw0rd!long', '--json');
    expect(created.code).toBe(0);
    const { AccessToken } = JSON.parse(created.stdout);
    const call = cognitoClient(runtime.url);
    const { SecretCode } = await call('AssociateSoftwareToken', { AccessToken });
    await call('VerifySoftwareToken', { AccessToken, UserCode: totpCode(SecretCode, Date.now()) });
    await call('SetUserMFAPreference', { AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
    const asked = await cli('users', 'token', '--pool', 'guarded', '--username', 'eve', '--password', 'Passw0rd!long');
    expect(asked).toMatchObject({ code: 2, stderr: expect.stringContaining('(challenge SOFTWARE_TOKEN_MFA): give the code') });
    expect(asked.stderr).toContain('--totp-code <6 digits>');
    const code = totpCode(SecretCode, Date.now());
    const signedIn = await cli(
      'users',
      'token',
      '--pool',
      'guarded',
      '--username',
      'eve',
      '--password',
      'Passw0rd!long',
      '--totp-code',
      code,
      '--json',
    );
    expect(signedIn.code).toBe(0);
    expect(claimsOf(JSON.parse(signedIn.stdout).AccessToken)).toMatchObject({ username: 'eve', token_use: 'access' });
    expect(await cli('users', 'token', '--pool', 'guarded', '--username', 'eve', '--password', 'x', '--totp-code', 'abc')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--totp-code takes the 6 digits'),
    });
  });

  it('fails if the pool requires MFA and the user has no authenticator, saying so', async () => {
    const created = await cli('users', 'create', '--pool', 'vault', '--username', 'fay', '--password', 'Passw0rd!long');
    expect(created).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('requires MFA and fay has no authenticator set up (challenge MFA_SETUP)'),
    });
  });
});
