/**
 * The local Cognito user pools as the CLI reaches them: their AWS API (`cognito-idp`, AWS JSON
 * 1.1), signed as every SDK client of the local runtime signs (any credentials), since the SDK
 * client of Cognito is not a dependency. Local runtime only: on AWS, `aws cognito-idp` does this.
 */
import { createHash, createHmac } from 'node:crypto';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { clientSignature, clientStart, type SrpHashes, srpTimestamp } from '../clients/cognito-srp.js';
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

/** The flows `switchyard users` signs in with, in the order it prefers them, each with the ExplicitAuthFlows values that allow it (the legacy names too). */
const SIGN_IN_FLOWS = [
  { flow: 'ADMIN_USER_PASSWORD_AUTH', allowedBy: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'] },
  { flow: 'USER_PASSWORD_AUTH', allowedBy: ['ALLOW_USER_PASSWORD_AUTH', 'USER_PASSWORD_AUTH'] },
  { flow: 'USER_SRP_AUTH', allowedBy: ['ALLOW_USER_SRP_AUTH'] },
] as const;

export type SignInFlow = (typeof SIGN_IN_FLOWS)[number]['flow'];

/** An app client that lets a user sign in with a password, and the flow it signs in with. */
export interface PasswordClient {
  readonly id: string;
  readonly name: string;
  readonly secret?: string;
  readonly flow: SignInFlow;
}

/**
 * The pool's app client to sign a user in with its password: `name` (its id or name) or, without
 * it, the first client allowing ADMIN_USER_PASSWORD_AUTH, else USER_PASSWORD_AUTH, else
 * USER_SRP_AUTH (CDK's default client allows only SRP, with custom auth and refresh).
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
  for (const { flow, allowedBy } of SIGN_IN_FLOWS) {
    const fit = named.find((c) =>
      (c.ExplicitAuthFlows ?? []).some((allowed: string) => (allowedBy as readonly string[]).includes(allowed)),
    );
    if (fit !== undefined) {
      return {
        id: String(fit.ClientId),
        name: String(fit.ClientName),
        flow,
        ...(fit.ClientSecret ? { secret: String(fit.ClientSecret) } : {}),
      };
    }
  }
  throw new CliError(
    `${name === undefined ? `no app client of the pool ${pool.name}` : `the app client ${name}`} allows a password sign-in (ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_USER_PASSWORD_AUTH or ALLOW_USER_SRP_AUTH) (${describeClients(clients)}); add one to a client's ExplicitAuthFlows (CDK: authFlows: { userSrp: true })`,
    2,
  );
}

function describeClients(clients: readonly Answer[]): string {
  if (clients.length === 0) return 'it has none';
  return clients.map((c) => `${c.ClientName} (${c.ClientId}): ${(c.ExplicitAuthFlows ?? []).join(', ') || 'no flows'}`).join('; ');
}

/** node:crypto's SHA-256 and HMAC, which the shared SRP math (clients/, pure) takes from its caller. */
const NODE_HASHES: SrpHashes = {
  sha256: (data) => createHash('sha256').update(data).digest(),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
};

export interface Tokens {
  readonly IdToken: string;
  readonly AccessToken: string;
  readonly RefreshToken?: string;
  readonly ExpiresIn: number;
}

/**
 * The tokens of a sign-in with the user's password, through the client's flow:
 * AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH, InitiateAuth USER_PASSWORD_AUTH, or InitiateAuth
 * USER_SRP_AUTH answered with RespondToAuthChallenge PASSWORD_VERIFIER (the password never sent).
 * Each with the client's SECRET_HASH when it has a secret.
 * @throws CognitoCallError for a refusal (a wrong password: NotAuthorizedException), CliError for a challenge this does not answer
 */
export async function signIn(
  call: CognitoCall,
  pool: UserPoolSummary,
  client: PasswordClient,
  username: string,
  password: string,
  totpCode?: string,
): Promise<Tokens> {
  const secretHash = (name: string): Record<string, string> =>
    client.secret === undefined ? {} : { SECRET_HASH: createHmac('sha256', client.secret).update(`${name}${client.id}`).digest('base64') };
  let answer: Answer;
  if (client.flow === 'USER_SRP_AUTH') {
    answer = await srpSignIn(call, pool, client, username, password, secretHash);
  } else {
    answer = await call(client.flow === 'ADMIN_USER_PASSWORD_AUTH' ? 'AdminInitiateAuth' : 'InitiateAuth', {
      ...(client.flow === 'ADMIN_USER_PASSWORD_AUTH' ? { UserPoolId: pool.id } : {}),
      ClientId: client.id,
      AuthFlow: client.flow,
      AuthParameters: { USERNAME: username, PASSWORD: password, ...secretHash(username) },
    });
  }
  if (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA') answer = await answerTotp(call, pool, client, username, answer, secretHash, totpCode);
  if (answer.ChallengeName === 'MFA_SETUP') {
    throw new CliError(
      `the pool ${pool.name} requires MFA and ${username} has no authenticator set up (challenge MFA_SETUP): the app sets one up (AssociateSoftwareToken, VerifySoftwareToken); this command signs in a user who has one, with --totp-code`,
    );
  }
  if (answer.AuthenticationResult === undefined) {
    throw new CliError(`signing ${username} in asks for the challenge ${answer.ChallengeName}, which this command does not answer`);
  }
  return answer.AuthenticationResult;
}

/** SOFTWARE_TOKEN_MFA: the code the user's authenticator app shows, given as --totp-code. */
async function answerTotp(
  call: CognitoCall,
  pool: UserPoolSummary,
  client: PasswordClient,
  username: string,
  challenge: Answer,
  secretHash: (name: string) => Record<string, string>,
  totpCode: string | undefined,
): Promise<Answer> {
  if (totpCode === undefined) {
    throw new CliError(
      `${username} signs in to ${pool.name} with TOTP MFA (challenge SOFTWARE_TOKEN_MFA): give the code their authenticator app shows with --totp-code <6 digits>`,
      2,
    );
  }
  const name: string = challenge.ChallengeParameters?.USER_ID_FOR_SRP ?? username;
  return call(client.flow === 'ADMIN_USER_PASSWORD_AUTH' ? 'AdminRespondToAuthChallenge' : 'RespondToAuthChallenge', {
    ...(client.flow === 'ADMIN_USER_PASSWORD_AUTH' ? { UserPoolId: pool.id } : {}),
    ClientId: client.id,
    ChallengeName: 'SOFTWARE_TOKEN_MFA',
    Session: challenge.Session,
    ChallengeResponses: { USERNAME: name, SOFTWARE_TOKEN_MFA_CODE: totpCode, ...secretHash(name) },
  });
}

/** USER_SRP_AUTH: SRP_A, then the signature of the server's secret block (clients/cognito-srp.ts, the math the runtime checks it with). */
async function srpSignIn(
  call: CognitoCall,
  pool: UserPoolSummary,
  client: PasswordClient,
  username: string,
  password: string,
  secretHash: (name: string) => Record<string, string>,
): Promise<Answer> {
  const { a, A } = clientStart();
  const challenge = await call('InitiateAuth', {
    ClientId: client.id,
    AuthFlow: 'USER_SRP_AUTH',
    AuthParameters: { USERNAME: username, SRP_A: A, ...secretHash(username) },
  });
  if (challenge.ChallengeName !== 'PASSWORD_VERIFIER') return challenge;
  const parameters: Record<string, string> = challenge.ChallengeParameters ?? {};
  const { SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP } = parameters;
  if (SALT === undefined || SRP_B === undefined || SECRET_BLOCK === undefined || USER_ID_FOR_SRP === undefined) {
    throw new CliError(
      `InitiateAuth USER_SRP_AUTH answered PASSWORD_VERIFIER without SALT, SRP_B, SECRET_BLOCK and USER_ID_FOR_SRP (it gave ${Object.keys(parameters).join(', ') || 'none'})`,
    );
  }
  const timestamp = srpTimestamp(new Date());
  let signature: string;
  try {
    signature = clientSignature(NODE_HASHES, {
      poolId: pool.id,
      username: USER_ID_FOR_SRP,
      password,
      a,
      A,
      salt: SALT,
      B: SRP_B,
      secretBlock: SECRET_BLOCK,
      timestamp,
    });
  } catch (error) {
    throw new CliError(`the pool ${pool.name} answered SRP_A with a challenge no client may sign: ${(error as Error).message}`, 1, {
      cause: error,
    });
  }
  // The challenge names the user by USER_ID_FOR_SRP (its name in the pool, which an alias is not): the answer and its SECRET_HASH use it.
  return call('RespondToAuthChallenge', {
    ClientId: client.id,
    ChallengeName: 'PASSWORD_VERIFIER',
    ChallengeResponses: {
      USERNAME: USER_ID_FOR_SRP,
      PASSWORD_CLAIM_SECRET_BLOCK: SECRET_BLOCK,
      PASSWORD_CLAIM_SIGNATURE: signature,
      TIMESTAMP: timestamp,
      ...secretHash(USER_ID_FOR_SRP),
    },
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
