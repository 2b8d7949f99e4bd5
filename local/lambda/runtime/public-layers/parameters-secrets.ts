import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/** The extension's own port unless the function sets PARAMETERS_SECRETS_EXTENSION_HTTP_PORT. */
export const EXTENSION_PORT = 2773;
export const PORT_VARIABLE = 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT';
const TOKEN_HEADER = 'x-aws-parameters-secrets-token';
/** What the extension answers (400) when the call it makes fails, whatever the reason; the reason goes to the function's log. */
const CALL_FAILED = 'an unexpected error occurred while executing request';
const LOG_PREFIX = '[AWS Parameters and Secrets Lambda Extension]';

/** A function the extension serves: its role session's credentials (its AWS_SESSION_TOKEN is the token it must send). */
export interface ExtensionCaller {
  readonly functionName: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
}

/**
 * The AWS Parameters and Secrets Lambda Extension's HTTP API on loopback, for the functions
 * that have its layer: `GET /systemsmanager/parameters/get` and `GET /secretsmanager/get`,
 * answered with SSM GetParameter's and Secrets Manager GetSecretValue's JSON as the extension
 * answers them. Each call is made to the local endpoint signed as the calling function's
 * execution role (the token it sends names it), so IAM decides as it would for the role.
 * One server per port the functions ask for; the extension's cache is not kept (each call reads the current value).
 */
export class ParametersSecretsExtension {
  readonly #servers = new Map<number, Server>();
  /** The port each asked-for port is served on (another when the asked one was taken). */
  readonly #served = new Map<number, number>();
  readonly #callers = new Map<string, ExtensionCaller>();

  constructor(
    private readonly endpoint: string,
    private readonly region: string,
    private readonly log: (functionName: string, line: string) => void,
  ) {}

  /** Serves a function: its token is accepted from now on. */
  register(caller: ExtensionCaller): void {
    this.#callers.set(caller.credentials.sessionToken, caller);
  }

  /** Listens on `port` on 127.0.0.1 (once per port), or on a free port when it is taken; resolves with the port served. */
  async listen(port: number): Promise<number> {
    const served = this.#served.get(port);
    if (served !== undefined) return served;
    const server = createServer((request, response) => void this.#answer(request, response));
    const actual = await bind(server, port).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
      return bind(server, 0);
    });
    server.unref();
    this.#servers.set(actual, server);
    this.#served.set(port, actual);
    return actual;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((server) => new Promise((resolve) => server.close(resolve))));
    this.#servers.clear();
    this.#served.clear();
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const token = request.headers[TOKEN_HEADER];
    if (typeof token !== 'string' || token === '') return send(response, 401, 'Unauthorized');
    const caller = this.#callers.get(token);
    if (caller === undefined) return send(response, 403, 'Forbidden');
    if (request.method !== 'GET') return send(response, 405, 'Method Not Allowed');
    const q = url.searchParams;
    try {
      if (url.pathname === '/systemsmanager/parameters/get') {
        const name = q.get('name');
        if (!name) return send(response, 400, 'name is required');
        const selector = q.get('version') ?? q.get('label');
        const result = await this.#ssm(caller).send(
          new GetParameterCommand({
            Name: selector ? `${name}:${selector}` : name,
            WithDecryption: q.get('withDecryption') === 'true',
          }),
        );
        const p = result.Parameter ?? {};
        return send(response, 200, {
          Parameter: {
            ARN: p.ARN ?? null,
            DataType: p.DataType ?? null,
            LastModifiedDate: p.LastModifiedDate ?? null,
            Name: p.Name ?? null,
            Selector: p.Selector ?? null,
            SourceResult: p.SourceResult ?? null,
            Type: p.Type ?? null,
            Value: p.Value ?? null,
            Version: p.Version ?? null,
          },
          ResultMetadata: {},
        });
      }
      if (url.pathname === '/secretsmanager/get') {
        const secretId = q.get('secretId');
        if (!secretId) return send(response, 400, 'secretId is required');
        const s = await this.#secrets(caller).send(
          new GetSecretValueCommand({
            SecretId: secretId,
            VersionStage: q.get('versionStage') ?? undefined,
            VersionId: q.get('versionId') ?? undefined,
          }),
        );
        return send(response, 200, {
          ARN: s.ARN ?? null,
          CreatedDate: s.CreatedDate ?? null,
          Name: s.Name ?? null,
          SecretBinary: s.SecretBinary ? Buffer.from(s.SecretBinary).toString('base64') : null,
          SecretString: s.SecretString ?? null,
          VersionId: s.VersionId ?? null,
          VersionStages: s.VersionStages ?? [],
          ResultMetadata: {},
        });
      }
      return send(response, 404, 'Not Found');
    } catch (error) {
      const { name, message } = error as Error;
      const operation = url.pathname.startsWith('/secretsmanager') ? 'GetSecretValue' : 'GetParameter';
      this.log(caller.functionName, `${LOG_PREFIX} ERROR ${operation} request encountered an error: api error ${name}: ${message}`);
      return send(response, 400, CALL_FAILED);
    }
  }

  // Through the endpoint with the SDK, on purpose (an allowed exception of test/architecture.test.ts): the
  // extension does what AWS's does, a GetParameter or GetSecretValue signed with the calling function's
  // own credentials, so its role's IAM policy, the secret's resource policy and the KMS key apply to it
  // as they do in AWS. A call in the runtime's process would skip that check.
  #ssm(caller: ExtensionCaller): SSMClient {
    return new SSMClient({ endpoint: this.endpoint, region: this.region, credentials: caller.credentials, maxAttempts: 1 });
  }

  #secrets(caller: ExtensionCaller): SecretsManagerClient {
    return new SecretsManagerClient({ endpoint: this.endpoint, region: this.region, credentials: caller.credentials, maxAttempts: 1 });
  }
}

function bind(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  response.end(text);
}
