import { readFileSync } from 'node:fs';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { loadModel, type ShapeType } from '../../../local/endpoint/validation/model.js';
import { LocalRuntime } from '../../../local/runtime.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { caseDifferences, isObject, withoutMessageCopy } from '../../helpers/recorded-answers.js';
import { zip } from '../../helpers/zip-archive.js';
import { assemblyOf } from '../assembly.js';
import { credentials, disposableData, eventually, region } from '../helpers.js';

/**
 * Replays calls recorded against real Step Functions (test/conformance/aws-recorded/stepfunctions/)
 * on the local runtime, and compares the answers as the recordings' snapshot transformers left
 * them (see that folder's README): each replay registers the live values the recording test
 * replaced (an activity's ARN by `activity_arn`, a state machine's name by `<ArnPart_0idx>`,
 * ...) and the comparison replaces them alike, in the order registered; JSON text that starts
 * with `{` is compared parsed; a date matches the recording's `datetime`, `timestamp` or
 * `creation-date`; what remains (`<uuid:1>`, `<partition>`, `111111111111`) is bound by
 * test/helpers/recorded-answers.ts.
 */

export type Answer = Record<string, unknown>;

export interface ReplayContext {
  /** Sends a command; its answer (or its error) as botocore reported it to the recording. */
  call: (command: object) => Promise<Answer>;
  /** Sends a command that must fail; the error as the recordings' `{ exception_typename, exception_value }`. */
  raise: (command: object) => Promise<Answer>;
  /** A fresh name with this prefix (the recording tests' `short_uid`). */
  name: (prefix: string) => string;
  /** Replaces a live value (every match of a pattern) by the recording's placeholder in every answer of this replay (a RegexTransformer). */
  replace: (live: string | RegExp, placeholder: string) => void;
  /** The role the recording tests create for their state machines. */
  readonly roleArn: string;
  /** The runtime's endpoint, for the clients of the other services a test calls (SQS, SNS, CloudWatch Logs). */
  readonly endpoint: string;
  /** Waits for an execution to end (the recording tests' `await_execution_terminated`). */
  ended: (executionArn: string) => Promise<void>;
  /**
   * The recording tests' `create_lambda_function`: a python3.12 function of one `handler.py`
   * (`source`) through CreateFunction with the fixture's 30-second timeout unless `timeout`
   * says, active before it returns; its ARN.
   */
  createFunction: (name: string, source: string, options?: { timeout?: number }) => Promise<string>;
  /** The recording tests' `s3_create_bucket` (a fresh bucket of this name) and one object put in it. */
  putObject: (bucket: string, key: string, body: string) => Promise<void>;
  /**
   * The recording's `key_value` transformer: the value of every `key` is the recording's
   * placeholder, by default the key's name as the snapshot library writes it (`X-Amz-Cf-Id` is
   * `x--amz--cf--id`).
   */
  replaceValuesOf: (key: string, placeholder?: string) => void;
  /**
   * The recording tests' CloudFormation stacks (`deploy_cfn_template`, `create_stack`): a runtime
   * of its own running the app (a stack of `resources`, or the cloud assembly in `cdkOut`), and a
   * context calling it whose answers are compared with this replay's; `stop` ends that runtime.
   * Not a reload of the replay's runtime: a reload applies neither a new API Gateway API nor a
   * resource removed (they wait for a restart), so a stack could not be deployed and deleted there.
   */
  deploy: (app: Readonly<Record<string, TemplateResource>> | { readonly cdkOut: string }) => Promise<Deployed>;
}

/** A stack deployed on a runtime of its own (ReplayContext's `deploy`). */
export interface Deployed {
  readonly context: ReplayContext;
  readonly stop: () => Promise<void>;
}

/**
 * A live value (or every match of a global pattern) and the recording's placeholder for it; or
 * a key whose every value the recording replaced by its placeholder.
 */
export type Replacement = [string | RegExp, string] | { readonly key: string; readonly placeholder: string };

export type Replay = (context: ReplayContext) => Promise<Record<string, unknown>>;

interface RecordedCase {
  'recorded-date': string;
  'recorded-content': Record<string, unknown>;
}

const FILES = [
  'test_activities',
  'test_sfn_api_activities',
  'test_sfn_api_versioning',
  'test_sfn_api_aliasing',
  'test_sfn_api',
  'test_sfn_api_validation',
  'test_sfn_api_express',
  'test_base_scenarios',
  'test_credentials_base',
  'test_dynamodb_task_service',
  'test_wait',
  'test_lambda_task',
  'test_task_lambda',
  'test_task_service_lambda',
  'test_states_errors',
  'test_lambda_task_service',
  'test_timeouts',
  'test_base_evaluate_expressions',
  'test_mixed_query_language',
  'test_assign_base',
  'test_assign_reference_variables',
  'test_error_output',
  'test_output',
  'test_arguments',
  'test_comments',
  'test_context_object',
  'test_test_state_scenarios',
  'test_test_state_machine_scenarios',
  'test_test_state_mock_scenarios',
  'test_state_mock_validation',
  'test_state_context_object',
  'test_state_configuration',
  'test_field_validation_mode',
  'test_field_validation_mode_present',
  'test_field_validation_mode_none',
  'local_mocking/test_base_scenarios',
  // Held apart, so that each file stays as LocalStack's (a folder's file is named by its own name).
  'parallel-map/test_error_output',
  'parallel-map/test_base_scenarios',
  'test_callback',
  'test_express_async',
  'test_express_sync',
  'test_sqs_task_service',
  'test_sns_task_service',
  'test_events_task_service',
  'test_task_service_sqs',
  'test_sfn_task_service',
  'test_task_service_sfn',
  'test_task_service_dynamodb',
  'test_aws_sdk',
  'test_aws_sdk_task_service',
  'base-states/test_base_scenarios',
  'base-states/test_base',
  'base-states/test_wait',
  'base-states/test_timestamp_operators',
  'base-states/test_unique_id_generation',
  'base-states/test_timeouts',
  'base-states/test_heartbeats',
  'base-states/local_mocking/test_base_callbacks',
  'base-states/local_mocking/test_base_scenarios',
  'test_apigetway_task_service',
  'test_sfn_scenarios',
  // The API tests held since, apart from the files above (test_sfn_api's others are there).
  'api/test_sfn_api',
  'api/test_sfn_api_tagging',
  'api/test_sfn_api_express',
  'api/test_sfn_api_aliasing',
  'api/test_sfn_api_variable_references',
  'api/test_sfn_api_map_run',
  'api/test_sfn_api_logs',
  'logs/test_logs',
] as const;
/**
 * The recorded tests by name: a test's own name (`test_raise_exception`), or, where two files
 * hold that name, the file's and the test's (`test_task_service_lambda::test_raise_exception`).
 */
const RECORDED: Record<string, RecordedCase & { readonly file: string }> = recordedByName();

function recordedByName(): Record<string, RecordedCase & { readonly file: string }> {
  const held = FILES.flatMap((file) =>
    Object.entries(
      JSON.parse(
        readFileSync(new URL(`../../conformance/aws-recorded/stepfunctions/${file}.snapshot.json`, import.meta.url), 'utf8'),
      ) as Record<string, RecordedCase>,
    ).map(([test, recorded]) => ({ file, test, recorded })),
  );
  const files = new Map<string, number>();
  for (const { test } of held) files.set(test, (files.get(test) ?? 0) + 1);
  return Object.fromEntries(
    held.map(({ file, test, recorded }) => [files.get(test) === 1 ? test : `${file.split('/').at(-1)}::${test}`, { ...recorded, file }]),
  );
}

export const recordedTests = (): string[] => Object.keys(RECORDED);

/** The recording file a test is held in (`base-states/test_base_scenarios`): npm test samples each file's tests. */
export const recordedFileOf = (test: string): string => RECORDED[test]?.file ?? '';

/**
 * The redrive members came with RedriveExecution (2023-11-15), the context object's
 * `Execution.RedriveCount` too: recordings made before it have none to compare.
 */
const REDRIVE_LAUNCH = Date.UTC(2023, 10, 15);
const REDRIVE_MEMBERS = new Set([
  'redriveCount',
  'redriveDate',
  'redriveStatus',
  'redriveStatusReason',
  'RedriveCount',
  // A `.sync` task's DescribeExecution answer, in the Java SDK's casing.
  'RedriveDate',
  'RedriveStatus',
  'RedriveStatusReason',
]);

/**
 * The Java SDK, which AWS runs the aws-sdk integrations on, ends an error's message with
 * `(SDK Attempt Count: n)` since 2.30 (2025-01-28): recordings made before it have none.
 */
const SDK_ATTEMPT_COUNT_LAUNCH = Date.UTC(2025, 0, 28);
const WITHOUT_ATTEMPT_COUNT: Replacement = [/ \(SDK Attempt Count: \d+\)/g, ''];

/** `encryptionConfiguration` came with customer managed keys (2024-07-25): recordings made before it have none. */
const ENCRYPTION_LAUNCH = Date.UTC(2024, 6, 25);

/** The members a test's recording cannot hold, as they came after it was made. */
function unlaunched(test: string): ReadonlySet<string> {
  const date = recordedDate(test);
  return new Set([...(date < REDRIVE_LAUNCH ? REDRIVE_MEMBERS : []), ...(date < ENCRYPTION_LAUNCH ? ['encryptionConfiguration'] : [])]);
}

function recordedDate(test: string): number {
  const [day, month, year] = (RECORDED[test]?.['recorded-date'] ?? '').split(/[-, ]+/);
  return Date.UTC(Number(year), Number(month) - 1, Number(day));
}

/** The clients a replay calls with. */
export interface ReplayClients {
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  /** The runtime's clock, which `ended` moves past a Retry's or a Wait state's wait. */
  readonly clock: AdvanceableClock;
  readonly endpoint: string;
}

/** A runtime with no app (the replayed calls create everything), or with `cdkOut`'s, and SDK v3 clients. */
export async function startReplay(cdkOut = assemblyOf({})): Promise<{ runtime: LocalRuntime } & ReplayClients> {
  const clock = new AdvanceableClock();
  const runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => undefined, clock });
  // The SDK sends TestState to a `sync-` host; the local endpoint has none.
  const sfn = new SFNClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1, disableHostPrefix: true });
  const lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  const s3 = new S3Client({ endpoint: runtime.url, region, credentials, maxAttempts: 1, forcePathStyle: true });
  return { runtime, sfn, lambda, s3, clock, endpoint: runtime.url };
}

/**
 * A task attempt's failure (or a Parallel branch's, its Task aborted after it), which a Retry's
 * wait follows, or a Wait state entered: what the clock may be moved past.
 */
const WAITED_EVENT = /^((Task|LambdaFunction)(Failed|TimedOut)|TaskStateAborted|WaitStateEntered)$/;

/**
 * Moves the clock past a Retry's wait (IntervalSeconds, BackoffRate, MaxDelaySeconds) or a Wait
 * state's, so that a replay does not wait for it in real time: only once nothing is in flight
 * (no invocation runs) and the execution's last event is a failed attempt or a Wait state
 * entered, so that no task's TimeoutSeconds is passed.
 */
async function skipWait(sfn: SFNClient, clock: AdvanceableClock, executionArn: string): Promise<void> {
  if (clock.nextWake() === undefined || clock.workInFlight().length > 0) return;
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
  if (WAITED_EVENT.test(events?.[0]?.type ?? '') && clock.workInFlight().length === 0) clock.advanceToNextWake();
}

let counter = 0;

/** A replay's context; `replacements` collects what it registers, for its comparison. */
export function replayContext({ sfn, lambda, s3, clock, endpoint }: ReplayClients, replacements: Replacement[]): ReplayContext {
  const send = (command: object) => sfn.send(command as never) as Promise<Answer & { $metadata: { httpStatusCode?: number } }>;
  return {
    async call(command) {
      try {
        const { $metadata, ...output } = await send(command);
        return { ...output, ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
      } catch (error) {
        const e = error as Error & { $metadata?: { httpStatusCode?: number } };
        if (!e.$metadata) throw error;
        return { Error: { Code: e.name, Message: e.message }, ResponseMetadata: { HTTPStatusCode: e.$metadata.httpStatusCode } };
      }
    },
    async raise(command) {
      try {
        await send(command);
      } catch (error) {
        const e = error as Error & { $metadata?: unknown };
        if (!e.$metadata) throw error;
        const operation = command.constructor.name.replace(/Command$/, '');
        return {
          exception_typename: e.name,
          exception_value: `An error occurred (${e.name}) when calling the ${operation} operation: ${e.message}`,
        };
      }
      throw new Error(`${command.constructor.name} succeeded; the recording has it fail`);
    },
    // Eight characters, as short_uid's.
    name: (prefix) => `${prefix}${((process.pid % 65_536) * 65_536 + ++counter).toString(16).padStart(8, '0').slice(-8)}`,
    replace: (live, placeholder) => {
      replacements.push([live, placeholder]);
    },
    roleArn: 'arn:aws:iam::000000000000:role/recorded-sfn-role',
    endpoint,
    async ended(executionArn) {
      for (;;) {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (status !== 'RUNNING') return;
        await skipWait(sfn, clock, executionArn);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async createFunction(name, source, { timeout = 30 } = {}) {
      const created = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'python3.12',
          Handler: 'handler.handler',
          Timeout: timeout,
          Role: 'arn:aws:iam::000000000000:role/recorded-lambda-role',
          Code: { ZipFile: zip([{ path: 'handler.py', body: source }]) },
        }),
      );
      await eventually(
        async () =>
          (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.State === 'Active' ? true : undefined,
        10_000,
        `function ${name} to be active`,
      );
      return created.FunctionArn as string;
    },
    async putObject(bucket, key, body) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    replaceValuesOf: (key, placeholder = snapshotKeyName(key)) => {
      replacements.push({ key, placeholder });
    },
    async deploy(app) {
      const { runtime, ...clients } = await startReplay('cdkOut' in app ? (app.cdkOut as string) : assemblyOf(app));
      return {
        context: replayContext(clients, replacements),
        stop: async () => {
          for (const client of [clients.sfn, clients.lambda, clients.s3]) client.destroy();
          await runtime.stop();
        },
      };
    },
  };
}

/** The snapshot library's placeholder of a key_value transformer: each capital letter after a `-`, in lower case. */
const snapshotKeyName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^-+|-+$/g, '');

/** Compares every recorded answer of a test with the live ones, keyed alike; returns the differences. */
export function compareCase(test: string, live: Record<string, unknown>, replacements: readonly Replacement[]): string[] {
  const found = RECORDED[test];
  if (!found) throw new Error(`no recorded case ${test}`);
  const later = unlaunched(test);
  const shownAs = recordedDate(test) < SDK_ATTEMPT_COUNT_LAUNCH ? [...replacements, WITHOUT_ATTEMPT_COUNT] : replacements;
  const recorded = found['recorded-content'];
  const shaped = Object.fromEntries(Object.entries(live).map(([key, answer]) => [key, asRecorded(recorded[key], answer, shownAs, later)]));
  return caseDifferences(recorded, shaped, withoutMessageCopy);
}

// `start-date` and `stop-date` where a JsonpathTransformer replaced `$..startDate` and `$..stopDate` (test_sfn_api_map_run).
const DATE_WORDS = new Set(['datetime', 'creation-date', 'start-date', 'stop-date']);
/**
 * The keys whose values LocalStack's Step Functions transformers (TransformerUtility.stepfunctions_api)
 * replace wherever they are, in an integration's SDK metadata: the request id, trace header and date.
 */
const KEY_PLACEHOLDERS: Readonly<Record<string, string>> = {
  Date: 'date',
  RequestId: 'RequestId',
  'X-Amzn-Trace-Id': 'X-Amzn-Trace-Id',
  'x-amz-crc32': 'x-amz-crc32',
  'x-amzn-RequestId': 'x-amzn-RequestId',
  'x-amzn-requestid': 'x-amzn-requestid',
};
const TIMESTAMP_KEY = /timestamp/i;

/** A live header (or its list) as its placeholder; a date as ISO text, which recorded-answers.ts takes for `date` (an HTTP date is not). */
function asPlaceholder(placeholder: string, live: unknown): string {
  if (placeholder !== 'date') return placeholder;
  const time = Date.parse(String(Array.isArray(live) ? live[0] : live));
  return Number.isNaN(time) ? String(live) : new Date(time).toISOString();
}

/** A live answer as the recording's transformers would have left it, shaped after the recorded one. */
function asRecorded(recorded: unknown, live: unknown, replacements: readonly Replacement[], later: ReadonlySet<string>): unknown {
  // recorded-answers.ts reads a recorded `timestamp` as epoch milliseconds.
  if (live instanceof Date) {
    if (recorded === 'timestamp') return String(live.getTime());
    return typeof recorded === 'string' && DATE_WORDS.has(recorded) ? recorded : live.toISOString();
  }
  if (typeof live === 'string') {
    const text = replacements.reduce((value, replacement) => {
      if (!Array.isArray(replacement)) return value;
      const [from, to] = replacement;
      return typeof from === 'string' ? value.split(from).join(to) : value.replace(from, to);
    }, live);
    // The recording held a JSON string holding a date as `"date"` (the snapshot library parses JSON text).
    if (recorded === '"date"' && /^"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[^"]*"$/.test(text)) return recorded;
    // Where the recording holds the text itself (an error's Cause inside an output), so is it compared; where it
    // holds the parsed value (an array, a number), so is the text.
    if (typeof recorded !== 'string' && (text.startsWith('{') || recorded !== undefined)) {
      try {
        return asRecorded(recorded, JSON.parse(text), replacements, later);
      } catch {
        return text;
      }
    }
    return typeof recorded === 'string' && recorded.startsWith(PARAM_ERROR) ? (botocoreParamError(text) ?? text) : text;
  }
  if (Array.isArray(live))
    return live.map((item, i) => asRecorded(Array.isArray(recorded) ? recorded[i] : undefined, item, replacements, later));
  if (!isObject(live)) return live;
  if (isObject(recorded) && recorded.exception_typename === 'ParamValidationError' && typeof live.exception_value === 'string') {
    const text = botocoreParamError(live.exception_value);
    if (text !== undefined) return { exception_typename: 'ParamValidationError', exception_value: text };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(live)) {
    if (value === undefined) continue;
    if (later.has(key) && !(isObject(recorded) && key in recorded)) continue;
    // The recordings replaced the value of every key naming a timestamp (`TimestampValue` in an
    // input), whatever its text; recorded-answers.ts reads `timestamp` as epoch milliseconds.
    if (typeof value === 'string' && TIMESTAMP_KEY.test(key) && isObject(recorded) && recorded[key] === 'timestamp') {
      out[key] = String(Date.parse(value) || 0);
      continue;
    }
    // An Express execution's billed duration is its real duration rounded up to 100 ms: only its shape is compared.
    if (key === 'billedDurationInMilliseconds' && isObject(recorded) && typeof recorded[key] === 'number' && isBilledDuration(value)) {
      out[key] = recorded[key];
      continue;
    }
    // A recording made before its test replaced the Date header (2024) holds AWS's own date: any HTTP date stands in for it.
    if (key === 'Date' && isObject(recorded) && isHttpDate(recorded[key]) && isHttpDate(value)) {
      out[key] = recorded[key];
      continue;
    }
    // The test's key_value transformers replaced the value of these keys by their placeholder.
    const keyed = replacements.find((r) => !Array.isArray(r) && r.key === key) as { placeholder: string } | undefined;
    if (keyed && isObject(recorded) && recorded[key] === keyed.placeholder) {
      out[key] = keyed.placeholder;
      continue;
    }
    // The Step Functions recordings replaced the value of these keys (a header's list too) by their placeholder.
    if (isObject(recorded) && KEY_PLACEHOLDERS[key] !== undefined && recorded[key] === KEY_PLACEHOLDERS[key]) {
      out[key] = asPlaceholder(recorded[key], value);
      continue;
    }
    out[key] = asRecorded(isObject(recorded) ? recorded[key] : undefined, value, replacements, later);
  }
  return out;
}

/** An HTTP date header (`Thu, 18 Apr 2024 06:27:01 GMT`), or the list of one the SDK's AllHttpHeaders holds. */
const isHttpDate = (value: unknown): boolean =>
  (Array.isArray(value) && value.length === 1 ? isHttpDate(value[0]) : typeof value === 'string') &&
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(String(value));

/** A duration as Express executions are billed: in 100 ms steps, at least 100. */
const isBilledDuration = (value: unknown): boolean => typeof value === 'number' && value >= 100 && value % 100 === 0;

const PARAM_ERROR = 'Parameter validation failed:';

/**
 * botocore checks a request against the model before it sends it, and the recording holds its
 * `ParamValidationError`; the SDK v3 sends the request, and AWS's ValidationException names the
 * same constraint. Its text as botocore's, when it is a minimum botocore checks; else undefined.
 */
function botocoreParamError(live: string): string | undefined {
  const missing = botocoreNone(live);
  if (missing !== undefined) return missing;
  const m =
    /Value (?:'([^']*)' )?at '([^']+)' failed to satisfy constraint: Member must have (length|value) greater than or equal to (-?\d+)/.exec(
      live,
    );
  if (!m) return undefined;
  const [, value, path = '', kind, bound] = m;
  // AWS leaves a sensitive member's value out (`Value at 'stateName'`): only a length under 1 is then known.
  if (value === undefined && !(kind === 'length' && bound === '1')) return undefined;
  const parameter = path.replace(/\.(\d+)\.member/g, (_, n: string) => `[${Number(n) - 1}]`);
  // A list shows as `[a, b]`: its length is its items'.
  const length = value === undefined ? 0 : value.startsWith('[') ? (value === '[]' ? 0 : value.split(', ').length) : value.length;
  return kind === 'length'
    ? `${PARAM_ERROR}\nInvalid length for parameter ${parameter}, value: ${length}, valid min length: ${bound}`
    : `${PARAM_ERROR}\nInvalid value for parameter ${parameter}, value: ${value}, valid min value: ${bound}`;
}

/** The Python types botocore's type check names for a model shape's type. */
const PYTHON_TYPES: Partial<Record<ShapeType, string>> = {
  list: "<class 'list'>, <class 'tuple'>",
  string: "<class 'str'>",
  structure: "<class 'dict'>",
};

/**
 * botocore refuses `None` for a member before it sends the request; the SDK v3 sends the
 * request without the member, and where the model requires it AWS refuses it as null, naming
 * it. botocore's text names the member's Python types, read from the model (a top-level member).
 */
function botocoreNone(live: string): string | undefined {
  const m = /when calling the (\w+) operation: .*Value null at '(\w+)' failed to satisfy constraint: Member must not be null/.exec(live);
  if (!m) return undefined;
  const [, operation = '', member = ''] = m;
  const model = loadModel('stepfunctions');
  const input = model.shapes[model.operations[operation]?.input ?? ''];
  const types = PYTHON_TYPES[model.shapes[input?.members?.[member]?.shape ?? '']?.type as ShapeType];
  return types && `${PARAM_ERROR}\nInvalid type for parameter ${member}, value: None, type: <class 'NoneType'>, valid types: ${types}`;
}
