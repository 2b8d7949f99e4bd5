import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  LambdaClient,
  type LambdaClientConfig,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { errorMessageMember, loadModel } from '../../../local/endpoint/validation/model.js';
import { LocalRuntime, type RuntimeOptions } from '../../../local/runtime.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { runUntilIdle } from '../../../testing/virtual-time.js';
import { botoShape, caseDifferences, isObject, keepRawAnswers, pythonShape, type RawAnswer } from '../../helpers/recorded-answers.js';
import { zip } from '../../helpers/zip-archive.js';
import { assemblyOf } from '../assembly.js';
import { credentials, disposableData, region } from '../helpers.js';

/**
 * Replays calls recorded against real Lambda (test/conformance/aws-recorded/lambda/) on the
 * local runtime with the AWS SDK v3 client and shapes each answer as botocore reported it to
 * the recording: the output without `$metadata` and with `ResponseMetadata.HTTPStatusCode`;
 * Invoke's `Payload` as LocalStack's snapshot reads a stream (a JSON object or list parsed,
 * anything else as text); an error as `{ Error: { Code, Message }, ... }` with the members of
 * the error's shape in botocore's model that the body carries (`Type`, `Message` or `message`,
 * TooManyRequestsException's `Reason`: none for an error the model does not declare, such as ValidationException).
 */

export type Answer = Record<string, unknown>;

/** What a replay's clients of other services are made with: the runtime's endpoint, one attempt (a refusal is an answer). */
export interface ServiceClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: typeof credentials;
  readonly maxAttempts: number;
}

export interface ReplayContext {
  /** Sends a command; its answer (or error) as botocore reported it in the recording. */
  call(command: object): Promise<Answer>;
  /** The request id of the last answer (its `x-amzn-RequestId`: botocore's `ResponseMetadata.RequestId`, which the recordings leave out). */
  lastRequestId(): string | undefined;
  /** A Lambda client whose parameters are not checked: botocore's `parameter_validation=False`, which the SDK never does. */
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  /** The runtime's endpoint, for clients of the services a test makes its resources in (SQS, DynamoDB, Kinesis). */
  readonly endpoint: string;
  /**
   * The replay's client of another service at the runtime's endpoint (SQS, DynamoDB, Kinesis, ...),
   * made on first use, one per client class, and destroyed with the replay's own (`close`).
   */
  client<C extends { destroy(): void }>(Client: new (config: ServiceClientConfig) => C): C;
  /** A fresh function name with the prefix. */
  name(prefix: string): string;
  /** A zip of one file, a new archive each call (as the recordings' archives differ by their files' times). */
  archive(file: string, body: string): Uint8Array;
  /** The role the recordings' functions run as. */
  readonly role: string;
  readonly accountId: string;
  /** The `create_lambda_function_aws` fixture: CreateFunction, then the `function_active_v2` waiter; its answer. */
  createAws(input: CreateFunctionCommandInput): Promise<Answer>;
  /** The `function_updated_v2` waiter, as the recorded tests wait after an update. */
  updated(name: string): Promise<void>;
  /**
   * Runs `steps` with every change they make held in progress (Pending, InProgress), as
   * LocalStack's suite holds AWS's with a patched hook (FunctionTransitions.hold); released after.
   */
  whileInProgress<T>(steps: () => Promise<T>): Promise<T>;
  /**
   * The `create_lambda_function` fixture: a Python (or Node.js) echo function named `name` with
   * the fixture's defaults (`handler.handler`, a 30 s timeout, empty variables and tags), waited for; its answer.
   */
  create(name: string, input?: Partial<CreateFunctionCommandInput>): Promise<Answer>;
  /**
   * Runs what waits on the runtime's clock (a retry's backoff, an event's age) until nothing
   * does, at most `limitMs` of it: the recorded tests' minutes of waiting for Lambda's retries,
   * at once. Only on a replay started with `virtualTime`.
   */
  runUntilIdle(limitMs: number): Promise<void>;
  /** Every page of a list, one item a page (botocore's paginator with `PageSize: 1`), joined under `key`. */
  paginate(command: (marker: string | undefined) => object, key: string): Promise<Answer>;
}

export type Replay = (context: ReplayContext) => Promise<Answer>;

/** An HTTP answer as python-requests gives it to a recorded test: the status, headers by lower-case name, the body. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/**
 * A request as the recorded tests' python-requests sends it (`requests.post(url, data=...)`):
 * its default headers (`User-Agent`, `Accept-Encoding: gzip, deflate`, `Accept` of any type,
 * `Connection: keep-alive`), `Content-Length` of any body (0 for a POST without one), the
 * `Host` of the URL (a function URL's `<url-id>.lambda-url.<region>.localhost:<port>`), sent
 * to this machine's address, as `*.localhost` names it.
 */
export function requestsCall(
  url: string,
  { method = 'GET', body, headers = {} }: { method?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const target = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(body);
  const defaults: Record<string, string> = {
    Host: target.host,
    'User-Agent': 'python-requests/2.32.3',
    'Accept-Encoding': 'gzip, deflate',
    Accept: '*/*',
    Connection: 'keep-alive',
    ...(payload !== undefined || method === 'POST' ? { 'Content-Length': String(payload?.length ?? 0) } : {}),
  };
  // As requests merges them: a test's header replaces the default of the same name, whatever its case.
  const given = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const sent = { ...Object.fromEntries(Object.entries(defaults).filter(([name]) => !given.has(name.toLowerCase()))), ...headers };
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      { host: '127.0.0.1', port: target.port, method, path: `${target.pathname}${target.search}`, headers: sent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const answered: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(response.headers)) answered[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: response.statusCode ?? 0, headers: answered, body: Buffer.concat(chunks) });
        });
        response.on('error', reject);
      },
    );
    call.on('error', reject);
    call.end(payload);
  });
}

/** The Python invocations' tests (recorded-cases-python.ts), in their own files. */
const PYTHON_SNAPSHOTS = ['python/test_lambda.snapshot.json', 'python/test_lambda_api.snapshot.json'];

/** The permissions' tests (recorded-cases-permissions.ts). */
const PERMISSION_SNAPSHOTS = ['permissions/test_lambda_api.snapshot.json'];
/** The layers' tests (recorded-cases-layers.ts). */
const LAYER_SNAPSHOTS = ['layers/test_lambda_api.snapshot.json'];
/** The event source mappings' tests (recorded-cases-mappings.ts). */
const MAPPING_SNAPSHOTS = ['mappings/test_lambda_api.snapshot.json'];
/** More of test_lambda_api.py's tests (recorded-cases-names.ts, recorded-cases-api.ts). */
const API_SNAPSHOTS = ['api/test_lambda_api.snapshot.json'];
/** Its tests of a function's settings and limits (recorded-cases-settings.ts, recorded-cases-limits.ts). */
const SETTINGS_SNAPSHOTS = ['settings/test_lambda_api.snapshot.json'];
/** The runtimes' tests: test_lambda_common.py, test_lambda_runtimes.py (recorded-cases-runtimes.ts), test_lambda.py's of how a function runs (recorded-cases-behavior.ts). */
const RUNTIME_SNAPSHOTS = [
  'runtimes/test_lambda_common.snapshot.json',
  'runtimes/test_lambda_runtimes.snapshot.json',
  'runtimes/test_lambda.snapshot.json',
];

interface RecordedCase {
  'recorded-date': string;
  'recorded-content': Record<string, unknown>;
}

/** test_lambda_destinations.py's tests (recorded-cases-destinations.ts). */
const DESTINATION_SNAPSHOTS = ['destinations/test_lambda_destinations.snapshot.json'];

const RECORDED: Record<string, RecordedCase> = Object.assign(
  {},
  ...[
    'test_lambda_api.snapshot.json',
    'test_lambda.snapshot.json',
    ...PYTHON_SNAPSHOTS,
    ...PERMISSION_SNAPSHOTS,
    ...LAYER_SNAPSHOTS,
    ...MAPPING_SNAPSHOTS,
    ...API_SNAPSHOTS,
    ...SETTINGS_SNAPSHOTS,
    ...RUNTIME_SNAPSHOTS,
    ...DESTINATION_SNAPSHOTS,
  ].map((file) => JSON.parse(readFileSync(new URL(`../../conformance/aws-recorded/lambda/${file}`, import.meta.url), 'utf8')) as object),
);

export const recordedTests = (): string[] => Object.keys(RECORDED);

/**
 * The recordings replayed by test files of their own (recorded-answers-*.test.ts), by file
 * under aws-recorded/lambda/: compareCase finds their tests, recordedTests does not list them.
 */
const OWN_FILES = [
  'event-source-mappings/test_lambda_integration_sqs.snapshot.json',
  'stream-mappings/test_lambda_integration_dynamodbstreams.snapshot.json',
  'stream-mappings/test_lambda_integration_kinesis.snapshot.json',
];
const OWN_RECORDED: Record<string, Record<string, RecordedCase>> = Object.fromEntries(
  OWN_FILES.map((file) => [
    file,
    JSON.parse(readFileSync(new URL(`../../conformance/aws-recorded/lambda/${file}`, import.meta.url), 'utf8')) as Record<
      string,
      RecordedCase
    >,
  ]),
);

/** The tests one of OWN_FILES holds. */
export const recordedTestsIn = (file: string): string[] => Object.keys(OWN_RECORDED[file] ?? {});

/** The recorded answers of one test, by snapshot key. */
function recorded(test: string): Record<string, unknown> {
  const found = RECORDED[test] ?? Object.values(OWN_RECORDED).find((cases) => cases[test] !== undefined)?.[test];
  if (!found) throw new Error(`no recorded case ${test}`);
  return found['recorded-content'];
}

/**
 * Compares every recorded answer of a test with the live ones, keyed alike; returns the
 * differences. A recorded answer that is botocore's own refusal of a parameter (`Parameter
 * validation failed`: the request never reached AWS, and the SDK v3 makes no such check) is
 * not replayed.
 */
export function compareCase(test: string, live: Answer): string[] {
  const sent = Object.entries(recorded(test)).filter(
    ([, answer]) => !(typeof answer === 'string' && answer.startsWith('Parameter validation failed')),
  );
  return [...caseDifferences(Object.fromEntries(sent), live, unreferenced), ...((live[ASSERTED] as string[] | undefined) ?? [])];
}

/**
 * Where a replay's own checks go (`asserted`): a test that snapshots nothing asserts what it
 * reads (test_python_runtime_correct_versions' version), and what the replay finds otherwise is one
 * more difference, so that one can be listed as known with its reason.
 */
const ASSERTED = '$asserted';

/** The live answer of a replay that checks values the recorded test asserts: each that differs, as `assert.<what>: expected ≠ live`. */
export function asserted(checks: Record<string, readonly [expected: unknown, live: unknown]>): Answer {
  const found = Object.entries(checks).flatMap(([what, [expected, live]]) =>
    JSON.stringify(expected) === JSON.stringify(live) ? [] : [`assert.${what}: ${JSON.stringify(expected)} ≠ ${JSON.stringify(live)}`],
  );
  return { [ASSERTED]: found };
}

/**
 * test_lambda.py's `key_value(..., reference_replacement=False)` transformers wrote the key's
 * name in place of any value (`"CodeSha256": "code-sha256"`): read as a placeholder for any value.
 */
const UNREFERENCED: Readonly<Record<string, readonly string[]>> = {
  CodeSha256: ['code-sha256'],
  LogResult: ['log-result'],
  FunctionUrl: ['lambda-url', 'function-url'],
  // test_lambda_integration_sqs.py's, of an SQS record's attributes and a mapping's batching window.
  SenderId: ['sender-id'],
  SentTimestamp: ['sent-timestamp'],
  MaximumBatchingWindowInSeconds: ['maximum-batching-window-in-seconds'],
};

/**
 * A `key_value` transformer whose replacement was already bracketed (test_lambda_runtimes.py's
 * `key_value("CodeSha256", "<code-sha-256>")`) wrote its numbered placeholders bracketed twice
 * (`<<code-sha-256>:1>`): read as the placeholder `<code-sha-256:1>`.
 */
const BRACKETED_TWICE = /^<<([^<>]+)>:(\d+)>$/;

function unreferenced(answer: unknown, key?: string): unknown {
  if (key !== undefined && typeof answer === 'string' && UNREFERENCED[key]?.includes(answer)) return `<${answer}>`;
  if (typeof answer === 'string' && BRACKETED_TWICE.test(answer)) return answer.replace(BRACKETED_TWICE, '<$1:$2>');
  if (Array.isArray(answer)) return answer.map((item) => unreferenced(item));
  if (isObject(answer)) return Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, unreferenced(v, k)]));
  return answer;
}

/** The account the runtime runs in (its default). */
const ACCOUNT = '000000000000';

/** The errors botocore's model declares, by code (their members are the body's it reports). */
/** The errors Lambda's model declares, by code: the member each carries its text in. */
const MODELED_ERRORS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(loadModel('lambda').shapes).flatMap(([code, shape]) =>
    shape.exception ? [[code, errorMessageMember('lambda', code)]] : [],
  ),
);

/**
 * A runtime with no app (the replayed calls make the functions) and the clients the recordings
 * used. `runtimeOptions` go to the runtime as they are: its `clock` (a replay that moves time on,
 * as mapping-replay-fixtures.ts's startMappingReplay does, or an AdvanceableClock its cases move
 * with `runUntilIdle`), the pipes' `pipesRetryBaseMs` (a replay that counts retries, not their
 * pace), IAM's mode (off unless given: `enforce` refuses what AWS would, a function URL's
 * anonymous caller included).
 */
export async function startReplay(runtimeOptions: Pick<RuntimeOptions, 'clock' | 'pipesRetryBaseMs' | 'iam'> = {}): Promise<{
  runtime: LocalRuntime;
  context: ReplayContext;
  close(): void;
}> {
  const runtime = await LocalRuntime.start({
    cdkOut: assemblyOf({}),
    ...disposableData(),
    port: 0,
    log: () => undefined,
    ...runtimeOptions,
  });
  const config: LambdaClientConfig = { endpoint: runtime.url, region, credentials, maxAttempts: 1 };
  const lambda = new LambdaClient(config);
  const s3 = new S3Client({ endpoint: runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
  const last = keepRawAnswers(lambda);
  const call = (command: object) => asBoto(() => lambda.send(command as never), last);
  const services = new Map<new (config: ServiceClientConfig) => { destroy(): void }, { destroy(): void }>();
  let counter = 0;
  const role = `arn:aws:iam::${ACCOUNT}:role/lambda-test-role`;
  // The SDK's waiters, looking often: a local change ends in milliseconds.
  const waiting = { client: lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 };
  const context: ReplayContext = {
    call,
    lastRequestId: () => last()?.headers['x-amzn-requestid'],
    async runUntilIdle(limitMs) {
      const { clock } = runtimeOptions;
      if (!(clock instanceof AdvanceableClock)) throw new Error('runUntilIdle moves virtual time: the replay runs on no AdvanceableClock');
      await runUntilIdle(clock, limitMs, { settle, timeoutMs: 10_000, call: 'runUntilIdle' });
    },
    lambda,
    s3,
    endpoint: runtime.url,
    client<C extends { destroy(): void }>(Client: new (config: ServiceClientConfig) => C): C {
      const made = services.get(Client) ?? new Client({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
      services.set(Client, made);
      return made as C;
    },
    role,
    accountId: ACCOUNT,
    name: (prefix) => `${prefix}-${process.pid}-${++counter}`,
    archive: (file, body) => zip([{ path: file, body }], `archive ${++counter}`),
    async createAws(input) {
      const answer = await call(new CreateFunctionCommand(input));
      if (answer.Error === undefined) await waitUntilFunctionActiveV2(waiting, { FunctionName: input.FunctionName });
      return answer;
    },
    async updated(name) {
      await waitUntilFunctionUpdatedV2(waiting, { FunctionName: name });
    },
    async whileInProgress(steps) {
      const release = runtime.lambda.transitions.hold();
      try {
        return await steps();
      } finally {
        release();
      }
    },
    async create(name, input = {}) {
      const runtimeName = input.Runtime ?? 'python3.12';
      const file = runtimeName.startsWith('nodejs') ? 'handler.js' : 'handler.py';
      const answer = await context.createAws({
        FunctionName: name,
        Runtime: runtimeName,
        Handler: 'handler.handler',
        Role: role,
        Code: { ZipFile: context.archive(file, ECHO[file] ?? '') },
        Timeout: 30,
        Environment: { Variables: {} },
        Tags: {},
        ...input,
      });
      if (answer.Error !== undefined) throw new Error(`the fixture could not create ${name}: ${JSON.stringify(answer.Error)}`);
      return { CreateEventSourceMappingResponse: null, CreateFunctionResponse: answer };
    },
    async paginate(command, key) {
      const items: unknown[] = [];
      let marker: string | undefined;
      do {
        const page = (await lambda.send(command(marker) as never)) as unknown as Record<string, unknown>;
        items.push(...((page[key] as unknown[] | undefined) ?? []));
        marker = page.NextMarker as string | undefined;
      } while (marker);
      return { [key]: pythonShape(items) };
    },
  };
  const close = () => {
    lambda.destroy();
    s3.destroy();
    for (const client of services.values()) client.destroy();
  };
  return { runtime, context, close };
}

/** What a wake started gets to begin (an invocation, a destination's message) before the clock moves again. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 25));
}

/** The recordings' echo functions (their language does not matter where they never run). */
export const ECHO: Readonly<Record<string, string>> = {
  'handler.py': 'def handler(event, context):\n    return event\n',
  'handler.js': 'exports.handler = async function (event) {\n  console.log(event);\n  return event;\n};\n',
};

/** An answer as botocore reported it to the recording (see the top of this file). */
async function asBoto(send: () => Promise<object>, last: () => RawAnswer | undefined): Promise<Answer> {
  try {
    const { $metadata, ...output } = (await send()) as Answer & { $metadata: { httpStatusCode?: number } };
    const shaped = botoShape({ ...output, ...('Payload' in output ? { Payload: payloadOf(output.Payload as Uint8Array) } : {}) });
    return { ...(shaped as Answer), ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
  } catch (error) {
    const raw = last();
    if (!(error instanceof Error) || !raw) throw error;
    const code = error.name;
    const body = (raw.body === '' ? {} : JSON.parse(raw.body)) as Record<string, unknown>;
    const member = MODELED_ERRORS[code];
    const modeled =
      member === undefined
        ? {}
        : Object.fromEntries(Object.entries(body).filter(([key]) => key === 'Type' || key === member || key === 'Reason'));
    // botocore's Message is the body's; a body without one reports None.
    const message = 'message' in body || 'Message' in body ? error.message : null;
    return { Error: { Code: code, Message: message }, ...modeled, ResponseMetadata: { HTTPStatusCode: raw.status } };
  }
}

/** The answer of another service's client (a test's DynamoDB table) as botocore reported it: the output, ResponseMetadata. */
export async function asBotoAnswer(send: () => Promise<object>): Promise<Answer> {
  const { $metadata, ...output } = (await send()) as Answer & { $metadata: { httpStatusCode?: number } };
  return { ...(botoShape(output) as Answer), ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
}

/** Invoke's payload as LocalStack's snapshot reads the stream: a JSON object or list parsed, anything else as its text. */
function payloadOf(payload: Uint8Array | undefined): unknown {
  const text = Buffer.from(payload ?? new Uint8Array()).toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) || Array.isArray(parsed) ? parsed : text;
  } catch {
    return text;
  }
}

/** A function of the `create_lambda_function_aws` cases: `index.handler`, Python, a zip uploaded; its answer. */
export function zipFunction(c: ReplayContext, FunctionName: string, extra: object = {}): Promise<Answer> {
  return c.createAws({
    FunctionName,
    Handler: 'index.handler',
    Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
    PackageType: 'Zip',
    Role: c.role,
    Runtime: 'python3.12',
    ...extra,
  });
}

/** Sorts a list answer's items by a key, as the recording's SortingTransformer sorted AWS's. */
export function sortedBy(answer: Answer, list: string, key: string): Answer {
  const items = [...((answer[list] as Record<string, unknown>[] | undefined) ?? [])];
  return { ...answer, [list]: sortedByText(items, (item) => String(item[key])) };
}

/** Sorts `items` in place by the text `key` gives each (code-unit order, as Python's sorted), as a SortingTransformer does. */
export function sortedByText<T>(items: T[], key: (item: T) => string): T[] {
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
