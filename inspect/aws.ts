import { createRequire } from 'node:module';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { runningDevEndpoint } from './assembly.js';
import { CliError } from './errors.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';

/**
 * Where the commands send their calls. The local runtime is the default, always: AWS is
 * reached only when asked for explicitly (`--aws`, `--profile`, or SWITCHYARD_TARGET=aws),
 * so a shell that happens to hold AWS credentials never sends test events to an account.
 */
export type Target =
  | {
      readonly kind: 'local';
      /** The runtime's endpoint: every service's unless `endpoints` names another, and the read API's. */
      readonly endpoint: string;
      /** Services sent elsewhere by AWS_ENDPOINT_URL_<SERVICE>. */
      readonly endpoints?: Partial<Record<Service, string>>;
      readonly region: string;
    }
  | { readonly kind: 'aws'; readonly region?: string; readonly profile?: string };

/**
 * The services the CLI calls, with the service id the AWS SDKs name their endpoint variable
 * after: AWS_ENDPOINT_URL_ and the id's words upper-cased, joined by `_` (the SDKs and Tools
 * reference guide, "Identifiers for service-specific endpoints").
 */
export const SERVICE_IDS = {
  events: 'EventBridge',
  /** The Custom Event Bus API (`eventbridgev2`), whose SDK client is not on the registry: inspect/custom-buses.ts makes the one client of it. */
  eventsv2: 'EventBridgeV2',
  sfn: 'SFN',
  logs: 'CloudWatch Logs',
  sqs: 'SQS',
  lambda: 'Lambda',
  dynamodb: 'DynamoDB',
  sns: 'SNS',
  s3: 'S3',
  sesv2: 'SESv2',
  scheduler: 'Scheduler',
  /** Cognito user pools, which `users` calls locally (inspect/cognito.ts signs its calls: the SDK client is not a dependency). */
  cognito: 'Cognito Identity Provider',
} as const;
export type Service = keyof typeof SERVICE_IDS;

/** `AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, ...: the variable the SDKs read for one service. */
export function serviceEndpointVariable(service: Service): string {
  return ['AWS_ENDPOINT_URL', ...SERVICE_IDS[service].split(' ').map((word) => word.toUpperCase())].join('_');
}

export interface TargetOptions {
  readonly endpoint?: string;
  readonly aws?: boolean;
  readonly profile?: string;
  readonly region?: string;
}

/**
 * The target of a command: AWS when asked for; else the local runtime at --endpoint, then
 * SWITCHYARD_ENDPOINT, then AWS_ENDPOINT_URL(_<SERVICE>), then the `switchyard dev` running in
 * the app `cwd` is in (its `--port`; the nearest folder up with a cdk.json), then DEFAULT_ENDPOINT.
 */
export function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Target {
  const wantsAws = options.aws === true || options.profile !== undefined || env.SWITCHYARD_TARGET === 'aws';
  if (wantsAws && options.endpoint !== undefined) {
    throw new CliError('--endpoint targets the local runtime; leave it out with --aws or --profile', 2);
  }
  // With AWS, the SDK reads AWS_ENDPOINT_URL(_<SERVICE>) itself.
  if (wantsAws) return { kind: 'aws', region: options.region, profile: options.profile };
  const region = options.region ?? env.AWS_REGION ?? 'us-east-1';
  // An empty variable counts as unset, as the SDKs treat it.
  const set = (name: string) => (env[name] ? name : undefined);
  const explicit = options.endpoint !== undefined ? '--endpoint' : set('SWITCHYARD_ENDPOINT');
  if (explicit !== undefined) {
    // Switchyard's own settings name the runtime for every service.
    return { kind: 'local', endpoint: validEndpoint(explicit, options.endpoint ?? String(env.SWITCHYARD_ENDPOINT)), region };
  }
  const general = set('AWS_ENDPOINT_URL');
  const endpoint = general === undefined ? (runningDevEndpoint(cwd) ?? DEFAULT_ENDPOINT) : validEndpoint(general, String(env[general]));
  const endpoints: Partial<Record<Service, string>> = {};
  for (const service of Object.keys(SERVICE_IDS) as Service[]) {
    const name = set(serviceEndpointVariable(service));
    if (name !== undefined) endpoints[service] = validEndpoint(name, String(env[name]));
  }
  return Object.keys(endpoints).length === 0 ? { kind: 'local', endpoint, region } : { kind: 'local', endpoint, endpoints, region };
}

function validEndpoint(setting: string, value: string): string {
  try {
    new URL(value);
  } catch {
    throw new CliError(`${setting} must be a URL such as ${DEFAULT_ENDPOINT} (got "${value}")`, 2);
  }
  return value.replace(/\/+$/, '');
}

/** The endpoint one service's calls go to locally. */
export function endpointOf(target: Extract<Target, { kind: 'local' }>, service: Service): string {
  return target.endpoints?.[service] ?? target.endpoint;
}

export function describeTarget(target: Target): string {
  return target.kind === 'local' ? target.endpoint : `AWS${target.profile ? ` (profile ${target.profile})` : ''}`;
}

/** The configuration the CLI's SDK client of `service` is built from. */
export function clientConfig(target: Target, service: Service) {
  if (target.kind === 'local') {
    // The local runtime accepts any credentials; one attempt, so a stopped runtime is reported at once.
    return {
      endpoint: endpointOf(target, service),
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
  readonly scheduler: SchedulerClient;
  readonly dynamodb: DynamoDBClient;
}

const require = createRequire(import.meta.url);

/**
 * The SDK client packages the CLI calls, each required on first use (a synchronous require:
 * the packages are CommonJS, the same module an `import` of them gets). Loading one is tens
 * of milliseconds of a command's start, and a command calls one or two of them: a module
 * that needs a package's paginator or command only on some paths takes it from here then,
 * rather than importing it (an import loads the package with the module).
 */
export const sdk = {
  events: () => require('@aws-sdk/client-eventbridge') as typeof import('@aws-sdk/client-eventbridge'),
  sfn: () => require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn'),
  logs: () => require('@aws-sdk/client-cloudwatch-logs') as typeof import('@aws-sdk/client-cloudwatch-logs'),
  sqs: () => require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs'),
  lambda: () => require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda'),
  scheduler: () => require('@aws-sdk/client-scheduler') as typeof import('@aws-sdk/client-scheduler'),
  dynamodb: () => require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb'),
} satisfies Partial<Record<Service, () => unknown>>;

/** The clients, each built on first use, its package required then (`sdk`). */
export function createClients(target: Target): Clients {
  const made = new Map<Service, unknown>();
  function client<C>(service: Service, make: (config: ReturnType<typeof clientConfig>) => C): C {
    if (!made.has(service)) made.set(service, make(clientConfig(target, service)));
    return made.get(service) as C;
  }
  return {
    target,
    get events() {
      return client('events', (config) => new (sdk.events().EventBridgeClient)(config));
    },
    get sfn() {
      return client('sfn', (config) => new (sdk.sfn().SFNClient)(config));
    },
    get logs() {
      return client('logs', (config) => new (sdk.logs().CloudWatchLogsClient)(config));
    },
    get sqs() {
      return client('sqs', (config) => new (sdk.sqs().SQSClient)(config));
    },
    get lambda() {
      return client('lambda', (config) => new (sdk.lambda().LambdaClient)(config));
    },
    get scheduler() {
      return client('scheduler', (config) => new (sdk.scheduler().SchedulerClient)(config));
    },
    get dynamodb() {
      return client('dynamodb', (config) => new (sdk.dynamodb().DynamoDBClient)(config));
    },
  };
}

/** The error's AWS code (`name` in SDK v3), or its Node.js system code (ECONNREFUSED). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; name?: unknown; errors?: unknown[]; cause?: unknown };
  // The Custom Event Bus client's NetworkError holds the Node.js error it met (ECONNREFUSED) as its cause.
  if (e.name === 'NetworkError' && e.cause !== undefined) return errorCode(e.cause) ?? 'NetworkError';
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
    if (target.kind === 'aws') return new CliError(`cannot reach AWS: ${code} ${message}`);
    return noLocalRuntime(target);
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new CliError(`no AWS credentials: pass --profile or set AWS_PROFILE / AWS_ACCESS_KEY_ID (${message})`);
  }
  if (/Region is missing/i.test(message)) return new CliError('no AWS region: pass --region or set AWS_REGION');
  return new CliError(code && code !== 'Error' ? `${code}: ${message}` : message);
}

/**
 * Nothing listens where the commands call: what any app's user does about it (an app has
 * `switchyard dev`, not necessarily an `npm start`), with the line that points this shell's
 * commands, AWS CLI and SDKs at a runtime on another port.
 */
export function noLocalRuntime(target: Extract<Target, { kind: 'local' }>): CliError {
  const others = [...new Set(Object.values(target.endpoints ?? {}))].filter((e) => e !== target.endpoint);
  const where = others.length === 0 ? target.endpoint : `${target.endpoint} (or ${others.join(', ')}, from AWS_ENDPOINT_URL_<SERVICE>)`;
  const region = target.region;
  return new CliError(
    `no local runtime at ${where}: start one with \`npx switchyard dev\` in the app's folder (or pass --endpoint). ` +
      `For a runtime elsewhere, point this shell's commands, AWS CLI and SDKs at the endpoint its start-up prints: ` +
      `export AWS_ENDPOINT_URL=${target.endpoint} AWS_REGION=${region} AWS_DEFAULT_REGION=${region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
  );
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

/**
 * The pages an SDK paginator (`paginateListExecutions`, ...) yields, each call's failure
 * reported as `call` reports it; what the loop body throws passes through as it is.
 */
export async function* pages<P>(target: Target, paginator: AsyncIterable<P>): AsyncGenerator<P> {
  const iterator = paginator[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await call(target, () => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
