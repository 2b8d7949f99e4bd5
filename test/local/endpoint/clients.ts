import { spawnSync } from 'node:child_process';
import dns from 'node:dns';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { LookupFunction } from 'node:net';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AwsCliSession } from '../aws-cli-session.js';

export const REGION = 'us-east-1';

/**
 * Resolves the names SDKs derive from a loopback endpoint with a host prefix
 * (`sync-127.0.0.1`, `sync-localhost`) to that endpoint, as the runtime does inside
 * functions: the SDK still sends the prefixed name as Host, which is what is tested.
 */
const lookup = ((hostname: string, options: object, callback: (...args: unknown[]) => void) =>
  dns.lookup(hostname.replace(/^[a-z0-9.-]+[-.](127\.0\.0\.1|localhost)$/i, '$1'), options, callback)) as LookupFunction;

/** SDK client settings against `endpoint`, host prefixes kept (no disableHostPrefix). */
export function sdkConfig(endpoint: string, credentials = { accessKeyId: 'local', secretAccessKey: 'local' }) {
  return {
    endpoint,
    region: REGION,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ lookup }) }),
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request to `url` with exactly these headers (Host included), as a browser or an attacker would send it. */
export function raw(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: options.method ?? 'POST', path: options.path ?? '/', headers: options.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A query-protocol form post, as an HTML form on any web page can send it. */
export function formPost(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return raw(url, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** The pyenv AWS CLI v1 on PATH speaks JSON to SQS; Debian's v2 at /usr/bin/aws speaks the query protocol. */
export const AWS_CLI_V1 = 'aws';
/** Where no v1 CLI is on PATH (CI installs only Debian's v2), the tests that need it skip. */
export const awsCliV1Missing = !/^aws-cli\/1\./.test(spawnSync(AWS_CLI_V1, ['--version'], { encoding: 'utf8' }).stdout ?? '');

/** One CLI process per CLI for the test file's commands (see AwsCliSession). */
const sessions = new Map<string, AwsCliSession>();

/** Runs an AWS CLI against `endpoint` with these credentials; resolves with its exit code and output, also when it fails. */
export function runCli(
  binary: string,
  endpoint: string,
  args: string[],
  credentials = { accessKeyId: 'local', secretAccessKey: 'local' },
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let session = sessions.get(binary);
  if (session === undefined) {
    session = new AwsCliSession(binary, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
      // A developer's own CLI settings (profiles, retries) must not change what is sent.
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    });
    sessions.set(binary, session);
  }
  return session.exit(['--endpoint-url', endpoint, '--region', REGION, '--output', 'json', ...args], {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...env,
  });
}
