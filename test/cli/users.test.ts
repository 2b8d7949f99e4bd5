import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { assemblyOf } from '../local/assembly.js';
import { tempDataDir } from '../local/helpers.js';
import { runCli } from './run-cli.js';

let runtime: LocalRuntime;
const cli = (...args: string[]) => runCli([...args, '--endpoint', runtime.url]);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());

beforeAll(async () => {
  const cdkOut = assemblyOf(
    {
      // No UserPoolName: the runtime names it <Stack>-<LogicalId>, and --pool takes the logical id.
      ShopUsers: { Type: 'AWS::Cognito::UserPool', Properties: {} },
      Web: {
        Type: 'AWS::Cognito::UserPoolClient',
        Properties: {
          UserPoolId: { Ref: 'ShopUsers' },
          ClientName: 'web',
          GenerateSecret: true,
          ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH'],
        },
      },
      Admins: { Type: 'AWS::Cognito::UserPoolGroup', Properties: { UserPoolId: { Ref: 'ShopUsers' }, GroupName: 'admins' } },
      Staff: { Type: 'AWS::Cognito::UserPool', Properties: { UserPoolName: 'staff' } },
      StaffSrp: {
        Type: 'AWS::Cognito::UserPoolClient',
        Properties: { UserPoolId: { Ref: 'Staff' }, ClientName: 'srp-only', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] },
      },
    },
    'Shop',
  );
  runtime = await LocalRuntime.start({ cdkOut, dataDir: tempDataDir(), port: 0, log: () => undefined });
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

  it('fails if no client of the pool allows ALLOW_ADMIN_USER_PASSWORD_AUTH, naming the clients and their flows', async () => {
    const answer = await cli('users', 'create', '--pool', 'staff', '--username', 'bo', '--password', 'Passw0rd!long');
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('no app client of the pool staff allows ALLOW_ADMIN_USER_PASSWORD_AUTH');
    expect(answer.stderr).toContain('srp-only');
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
});
