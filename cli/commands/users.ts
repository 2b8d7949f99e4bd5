import { CognitoCallError, cognitoClient, findUserPool, passwordClient, signIn, type Tokens } from '../../inspect/cognito.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import type { Command, CommandIo } from './command.js';

export const HELP = `Usage: switchyard users create --pool <pool> --username <name> --password <password>
                              [--group <group> ...] [--attribute <name>=<value> ...] [--client <client>]
       switchyard users token --pool <pool> --username <name> --password <password> [--client <client>]
                              [--totp-code <code>]

Users of the local Cognito user pools, and their tokens: what a front end signed in as them
sends to an API behind a Cognito or JWT authorizer.

  create              make the user (AdminCreateUser, no invitation mail), set the password as
                      permanent (AdminSetUserPassword), add it to each --group
                      (AdminAddUserToGroup), then sign it in and print its tokens
  token               sign an existing user in and print its tokens

  --pool <pool>       the user pool: its id, its name or its logical id in the app
  --username <name>   the user's name
  --password <pw>     its password (the pool's password policy applies)
  --group <group>     a group of the pool to add the user to (repeatable)
  --attribute <a=v>   a user attribute (repeatable): --attribute email=ada@example.com
  --client <client>   the app client to sign in with (its id or name); default: the pool's first
                      client that allows ALLOW_ADMIN_USER_PASSWORD_AUTH, else
                      ALLOW_USER_PASSWORD_AUTH, else ALLOW_USER_SRP_AUTH (CDK's default client)
  --totp-code <code>  for a user with TOTP MFA (the pool asks SOFTWARE_TOKEN_MFA): the code their
                      authenticator app shows; without it the command says that it is needed

Sign-in follows the client's flows, in that order: AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH,
InitiateAuth USER_PASSWORD_AUTH, or InitiateAuth USER_SRP_AUTH answered with
RespondToAuthChallenge PASSWORD_VERIFIER (as Amplify signs in), each with the client's SECRET_HASH
when it has a secret. The id token goes raw in a REST API's Authorization header; an HTTP API's JWT
authorizer takes "Bearer <token>".

${GLOBAL_HELP}

Exit status: 0 done, 1 the runtime refused or could not be reached, 2 bad input.`;

export const users: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, {
    pool: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    group: { type: 'string', multiple: true },
    attribute: { type: 'string', multiple: true },
    client: { type: 'string' },
    'totp-code': { type: 'string' },
  });
  if (values.help) return io.out(HELP);
  const [action, ...rest] = positionals;
  if (action !== 'create' && action !== 'token') {
    throw usageError(
      action === undefined ? 'name what to do: switchyard users create|token' : `unknown action "${action}": create or token`,
    );
  }
  if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`);
  const target = io.clients(values).target;
  if (target.kind !== 'local') {
    throw usageError(
      "users manages the local runtime's user pools: leave out --aws and --profile (on AWS, aws cognito-idp admin-create-user)",
    );
  }
  const required = (name: 'pool' | 'username' | 'password') => {
    const value = values[name];
    if (value === undefined || value === '')
      throw usageError(`--${name} is required: switchyard users ${action} --pool <pool> --username <name> --password <password>`);
    return value;
  };
  const [poolName, username, password] = [required('pool'), required('username'), required('password')];
  const attributes = (values.attribute ?? []).map(attributeOf);
  if (action === 'token' && (attributes.length > 0 || (values.group ?? []).length > 0)) {
    throw usageError('--attribute and --group are for users create; users token signs an existing user in');
  }
  const call = cognitoClient(target);
  const pool = await findUserPool(call, poolName);
  const client = await passwordClient(call, pool, values.client);
  if (action === 'create') {
    await call('AdminCreateUser', { UserPoolId: pool.id, Username: username, UserAttributes: attributes, MessageAction: 'SUPPRESS' }).catch(
      (error: unknown) => {
        if (error instanceof CognitoCallError && error.code === 'UsernameExistsException') {
          throw new CliError(`the pool ${pool.name} has a user ${username} already; switchyard users token signs it in`, 1, {
            cause: error,
          });
        }
        throw error;
      },
    );
    await call('AdminSetUserPassword', { UserPoolId: pool.id, Username: username, Password: password, Permanent: true });
    for (const group of values.group ?? [])
      await call('AdminAddUserToGroup', { UserPoolId: pool.id, Username: username, GroupName: group });
  }
  const totpCode = values['totp-code'];
  if (totpCode !== undefined && !/^\d{6}$/.test(totpCode)) {
    throw usageError(`--totp-code takes the 6 digits the user's authenticator app shows, not "${totpCode}"`);
  }
  const tokens = await signIn(call, pool, client, username, password, totpCode);
  print(
    io,
    { pool, client: client.name, flow: client.flow, username, created: action === 'create', groups: values.group ?? [] },
    tokens,
    values.json === true,
  );
};

function attributeOf(text: string): { Name: string; Value: string } {
  const at = text.indexOf('=');
  if (at <= 0) throw usageError(`--attribute takes <name>=<value> (email=ada@example.com), not "${text}"`);
  return { Name: text.slice(0, at), Value: text.slice(at + 1) };
}

function print(
  io: CommandIo,
  about: {
    pool: { id: string; name: string };
    client: string;
    flow: string;
    username: string;
    created: boolean;
    groups: readonly string[];
  },
  tokens: Tokens,
  json: boolean,
): void {
  if (json) {
    io.out(JSON.stringify({ userPoolId: about.pool.id, username: about.username, ...tokens }, null, 2));
    return;
  }
  const groups = about.groups.length > 0 ? `, in ${about.groups.join(', ')}` : '';
  io.out(
    `${about.created ? 'Created' : 'Signed in'} ${about.username} in ${about.pool.name} (${about.pool.id})${groups}, through the client ${about.client} (${about.flow}); the tokens last ${tokens.ExpiresIn} s:`,
  );
  io.out(`IdToken:      ${tokens.IdToken}`);
  io.out(`AccessToken:  ${tokens.AccessToken}`);
  if (tokens.RefreshToken) io.out(`RefreshToken: ${tokens.RefreshToken}`);
}
