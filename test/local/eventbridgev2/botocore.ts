import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DATA_PATH = join(import.meta.dirname, '../../fixtures/botocore-data');

/**
 * Whether the machine's python3 has a botocore that speaks Smithy RPC v2 CBOR (1.43.11 does):
 * elsewhere the tests that drive the runtime with it skip, saying why; under CI they run and fail.
 */
export const botocoreMissing =
  !process.env.CI &&
  spawnSync('python3', ['-c', "import botocore.serialize as s; assert 'smithy-rpc-v2-cbor' in s.SERIALIZERS"], { stdio: 'ignore' })
    .status !== 0;
export const BOTOCORE_SKIP_REASON =
  "python3 has no botocore that speaks Smithy RPC v2 CBOR (pip install 'botocore>=1.43'); CI's machine has it and runs these tests";

/** One call: botocore's snake_case method and its parameters (`{ $epoch: n }` a timestamp, `{ $bytes: base64 }` a blob). */
export interface BotocoreCall {
  readonly operation: string;
  readonly params?: Record<string, unknown>;
}

/** Who signs the calls (a role's session, `principals.credentialsFor`); the runtime's administrator without. */
export interface BotocoreCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type BotocoreOutcome =
  | { readonly result: Record<string, unknown>; readonly error?: undefined }
  | { readonly error: { readonly code: string; readonly message: string; readonly status: number }; readonly result?: undefined };

/**
 * Runs the calls in order through botocore (python3, the machine's botocore with the vendored
 * eventbridgev2 model on AWS_DATA_PATH) against `endpoint`: AWS's own client, serializer and
 * error parser for Smithy RPC v2 CBOR. Asynchronous, as the endpoint answers from this process.
 */
export async function botocore(
  endpoint: string,
  calls: readonly BotocoreCall[],
  credentials?: BotocoreCredentials,
): Promise<BotocoreOutcome[]> {
  const child = run('python3', [join(import.meta.dirname, 'botocore-calls.py')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_DATA_PATH: DATA_PATH,
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  child.child.stdin?.end(JSON.stringify({ endpoint, calls, ...(credentials ? { credentials } : {}) }));
  const { stdout } = await child;
  return JSON.parse(stdout) as BotocoreOutcome[];
}

/** The result of a call that must succeed; fails naming the error otherwise. */
export function ok(outcome: BotocoreOutcome | undefined): Record<string, unknown> {
  if (outcome?.result === undefined) throw new Error(`the call failed: ${JSON.stringify(outcome?.error)}`);
  return outcome.result;
}
