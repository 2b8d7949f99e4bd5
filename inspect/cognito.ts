/**
 * The local Cognito user pools as the CLI reaches them: their AWS API (`cognito-idp`, AWS JSON
 * 1.1), signed as every SDK client of the local runtime signs (any credentials), since the SDK
 * client of Cognito is not a dependency. Local runtime only: on AWS, `aws cognito-idp` does this.
 */
import { createHmac } from 'node:crypto';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../contracts/node-sha256.js';
import { endpointOf, noLocalRuntime, type Target } from './aws.js';
import { CliError } from './errors.js';

type LocalTarget = Extract<Target, { kind: 'local' }>;
// biome-ignore lint/suspicious/noExplicitAny: an answer is the operation's JSON output, read member by member
type Answer = Record<string, any>;

/** A refused call: Cognito's error code (`UsernameExistsException`) and its message. */
export class CognitoCallError extends CliError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CognitoCallError';
  }
}

export type CognitoCall = (operation: string, input: Record<string, unknown>) => Promise<Answer>;

/** Calls of the target's Cognito user pools API. @throws CliError for a runtime not running, CognitoCallError for a refusal */
export function cognitoClient(target: LocalTarget): CognitoCall {
  const endpoint = new URL(endpointOf(target, 'cognito'));
  const signer = new SignatureV4({
    service: 'cognito-idp',
    region: target.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    sha256: NodeSha256,
  });
  return async (operation, input) => {
    const body = JSON.stringify(input);
    const request = new HttpRequest({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: endpoint.pathname,
      headers: {
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
      },
      body,
    });
    const signed = await signer.sign(request);
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body });
    } catch (error) {
      throw new CliError(noLocalRuntime(target).message, 1, { cause: error });
    }
    const text = await response.text();
    let answer: Answer = {};
    try {
      answer = text === '' ? {} : (JSON.parse(text) as Answer);
    } catch (error) {
      throw new CliError(`${operation} answered ${response.status} with no JSON: ${text.slice(0, 200)}`, 1, { cause: error });
    }
    if (response.ok) return answer;
    const code =
      String(answer.__type ?? `HTTP ${response.status}`)
        .split('#')
        .pop() ?? '';
    throw new CognitoCallError(code, String(answer.message ?? answer.Message ?? ''));
  };
}

/** A pool as ListUserPools lists it. */
export interface UserPoolSummary {
  readonly id: string;
  readonly name: string;
}

/**
 * The pool `name` names: its id, its name, or (a name the runtime made as `<Stack>-<LogicalId>`)
 * its logical id, with or without CDK's hash, without case.
 * @throws CliError (exit 2) naming the pools there are when none or several match
 */
export async function findUserPool(call: CognitoCall, name: string): Promise<UserPoolSummary> {
  const pools: UserPoolSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await call('ListUserPools', { MaxResults: 60, ...(NextToken ? { NextToken } : {}) });
    for (const p of page.UserPools ?? []) pools.push({ id: String(p.Id), name: String(p.Name) });
    NextToken = page.NextToken;
  } while (NextToken);
  const wanted = name.toLowerCase();
  const exact = pools.filter((p) => p.id === name || p.name.toLowerCase() === wanted);
  const byLogicalId = pools.filter((p) => {
    const logicalId = p.name.slice(p.name.indexOf('-') + 1).toLowerCase();
    return logicalId === wanted || new RegExp(`^${escapeRegExp(wanted)}[0-9a-f]{8}$`).test(logicalId);
  });
  const found = exact.length > 0 ? exact : byLogicalId;
  const listed = pools.map((p) => `${p.name} (${p.id})`).join(', ') || 'none';
  if (found.length === 1 && found[0] !== undefined) return found[0];
  throw new CliError(
    found.length === 0
      ? `no user pool ${name} in the local runtime (its pools: ${listed}); --pool takes a pool's id, name or logical id`
      : `--pool ${name} names several user pools (${found.map((p) => `${p.name} (${p.id})`).join(', ')}); pass one's id`,
    2,
  );
}

/** An app client that lets an administrator sign a user in with a password. */
export interface PasswordClient {
  readonly id: string;
  readonly name: string;
  readonly secret?: string;
}

const ADMIN_PASSWORD_FLOWS = ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'];

/**
 * The pool's app client that allows ADMIN_USER_PASSWORD_AUTH: `name` (its id or name) or, without
 * it, the first such client.
 * @throws CliError (exit 2) naming the pool's clients and their flows when none fits
 */
export async function passwordClient(call: CognitoCall, pool: UserPoolSummary, name: string | undefined): Promise<PasswordClient> {
  const { UserPoolClients = [] } = await call('ListUserPoolClients', { UserPoolId: pool.id, MaxResults: 60 });
  const clients: Answer[] = [];
  for (const c of UserPoolClients) {
    const { UserPoolClient } = await call('DescribeUserPoolClient', { UserPoolId: pool.id, ClientId: c.ClientId });
    clients.push(UserPoolClient);
  }
  const named = name === undefined ? clients : clients.filter((c) => c.ClientId === name || c.ClientName === name);
  if (name !== undefined && named.length === 0) {
    throw new CliError(`no app client ${name} in the pool ${pool.name} (its clients: ${describeClients(clients)})`, 2);
  }
  const fit = named.find((c) => (c.ExplicitAuthFlows ?? []).some((flow: string) => ADMIN_PASSWORD_FLOWS.includes(flow)));
  if (fit === undefined) {
    throw new CliError(
      `${name === undefined ? `no app client of the pool ${pool.name}` : `the app client ${name}`} allows ALLOW_ADMIN_USER_PASSWORD_AUTH, which signing in with a password needs (${describeClients(clients)}); add it to a client's ExplicitAuthFlows (CDK: authFlows: { adminUserPassword: true })`,
      2,
    );
  }
  return { id: String(fit.ClientId), name: String(fit.ClientName), ...(fit.ClientSecret ? { secret: String(fit.ClientSecret) } : {}) };
}

function describeClients(clients: readonly Answer[]): string {
  if (clients.length === 0) return 'it has none';
  return clients.map((c) => `${c.ClientName} (${c.ClientId}): ${(c.ExplicitAuthFlows ?? []).join(', ') || 'no flows'}`).join('; ');
}

/** The tokens of a sign-in with the user's password (AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH). */
export async function signIn(
  call: CognitoCall,
  pool: UserPoolSummary,
  client: PasswordClient,
  username: string,
  password: string,
): Promise<{ IdToken: string; AccessToken: string; RefreshToken?: string; ExpiresIn: number }> {
  const secretHash =
    client.secret === undefined
      ? {}
      : { SECRET_HASH: createHmac('sha256', client.secret).update(`${username}${client.id}`).digest('base64') };
  const answer = await call('AdminInitiateAuth', {
    UserPoolId: pool.id,
    ClientId: client.id,
    AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password, ...secretHash },
  });
  if (answer.AuthenticationResult === undefined) {
    throw new CliError(`signing ${username} in asks for the challenge ${answer.ChallengeName}, which this command does not answer`);
  }
  return answer.AuthenticationResult;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
