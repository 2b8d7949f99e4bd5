import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CliError } from './errors.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';

/**
 * Where the commands send their calls. The local runtime is the default, always: AWS is
 * reached only when asked for explicitly (`--aws`, `--profile`, or SWITCHYARD_TARGET=aws),
 * so a shell that happens to hold AWS credentials never sends test events to an account.
 */
export type Target =
  | { readonly kind: 'local'; readonly endpoint: string; readonly region: string }
  | { readonly kind: 'aws'; readonly region?: string; readonly profile?: string };

export interface TargetOptions {
  readonly endpoint?: string;
  readonly aws?: boolean;
  readonly profile?: string;
  readonly region?: string;
}

export function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): Target {
  const wantsAws = options.aws === true || options.profile !== undefined || env.SWITCHYARD_TARGET === 'aws';
  if (wantsAws && options.endpoint !== undefined) {
    throw new CliError('--endpoint targets the local runtime; leave it out with --aws or --profile', 2);
  }
  if (wantsAws) return { kind: 'aws', region: options.region, profile: options.profile };
  const endpoint = options.endpoint ?? env.SWITCHYARD_ENDPOINT ?? DEFAULT_ENDPOINT;
  try {
    new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint must be a URL such as ${DEFAULT_ENDPOINT} (got "${endpoint}")`, 2);
  }
  return { kind: 'local', endpoint: endpoint.replace(/\/+$/, ''), region: options.region ?? env.AWS_REGION ?? 'us-east-1' };
}

export function describeTarget(target: Target): string {
  return target.kind === 'local' ? target.endpoint : `AWS${target.profile ? ` (profile ${target.profile})` : ''}`;
}

/** The configuration every SDK client of the CLI is built from. */
export function clientConfig(target: Target) {
  if (target.kind === 'local') {
    // The local runtime accepts any credentials; one attempt, so a stopped runtime is reported at once.
    return {
      endpoint: target.endpoint,
      region: target.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    };
  }
  return { region: target.region, profile: target.profile };
}

export interface Clients {
  readonly target: Target;
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly logs: CloudWatchLogsClient;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
}

export function createClients(target: Target): Clients {
  const config = clientConfig(target);
  return {
    target,
    events: new EventBridgeClient(config),
    sfn: new SFNClient(config),
    logs: new CloudWatchLogsClient(config),
    sqs: new SQSClient(config),
    lambda: new LambdaClient(config),
  };
}

/** The error's AWS code (`name` in SDK v3), or its Node.js system code (ECONNREFUSED). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; name?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string') return e.code;
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  if (Array.isArray(e.errors)) return e.errors.map(errorCode).find((c) => c !== undefined);
  return typeof e.name === 'string' ? e.name : undefined;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

/**
 * Turns an SDK failure into the one line the user sees: a runtime that is not running,
 * AWS credentials that are missing, or the service's own code and message.
 */
export function describeAwsError(target: Target, error: unknown): CliError {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return target.kind === 'local'
      ? new CliError(`no local runtime at ${target.endpoint}: start it with npm start (or pass --endpoint)`)
      : new CliError(`cannot reach AWS: ${code} ${message}`);
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new CliError(`no AWS credentials: pass --profile or set AWS_PROFILE / AWS_ACCESS_KEY_ID (${message})`);
  }
  if (/Region is missing/i.test(message)) return new CliError('no AWS region: pass --region or set AWS_REGION');
  return new CliError(code && code !== 'Error' ? `${code}: ${message}` : message);
}

/** Runs one AWS call and reports its failure as describeAwsError does. */
export async function call<T>(target: Target, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw describeAwsError(target, error);
  }
}
