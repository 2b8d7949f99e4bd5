import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type CreateFunctionCommandInput,
  GetEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../../local/runtime.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { credentials, region } from '../helpers.js';
import { functionSource } from './recorded-cases-runtimes.js';
import { type Answer, asBotoAnswer, type ReplayContext, startReplay } from './recorded-replay.js';

/**
 * The fixtures the event source mapping replays share (recorded-answers-sqs-mappings.test.ts,
 * recorded-answers-stream-mappings.test.ts): LocalStack's tests/aws/services/lambda_/event_source_mapping/
 * and the fixtures of its conftest and localstack.testing, made with the SDK's clients at the
 * runtime's endpoint. Their functions are LocalStack's own Python handler files
 * (tests/aws/services/lambda_/functions/, with the runtimes replay's in
 * aws-recorded/lambda/runtimes/fixtures/functions/); what a mapping did is read as the tests read it (the
 * function's log events, a queue's messages). The runtime runs on a clock the replays move (past
 * a visibility timeout, a record's maximum age) instead of waiting it out.
 */
export interface MappingReplayContext extends ReplayContext {
  readonly sqs: SQSClient;
  readonly logs: CloudWatchLogsClient;
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  readonly sns: SNSClient;
  readonly clock: AdvanceableClock;
}

export type MappingReplay = (context: MappingReplayContext) => Promise<Answer>;

/**
 * How long a wait for the runtime (a mapping's state, a log event, a failure record, the end of
 * the work in flight) may take before it fails saying what it waited for: a mapping's retries
 * take their backoffs.
 */
export const WAIT_MS = 20_000;

/** How long one mapping replay may take (`itAnswersAsRecorded`'s timeoutMs): more than a wait, so a wait fails with its own error. */
export const MAPPING_REPLAY_TIMEOUT_MS = 30_000;

/**
 * `startReplay` on an AdvanceableClock, with the clients of the services the mapping tests make
 * their sources and destinations in; `pipesRetryBaseMs` as startReplay takes it.
 */
export async function startMappingReplay(
  options: { readonly pipesRetryBaseMs?: number } = {},
): Promise<{ runtime: LocalRuntime; context: MappingReplayContext; close(): void }> {
  const clock = new AdvanceableClock();
  const started = await startReplay({ ...options, clock });
  const config = { endpoint: started.context.endpoint, region, credentials, maxAttempts: 1 };
  const clients = {
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
    dynamodb: new DynamoDBClient(config),
    kinesis: new KinesisClient(config),
    sns: new SNSClient(config),
  };
  const close = () => {
    started.close();
    for (const client of Object.values(clients)) client.destroy();
  };
  return { runtime: started.runtime, context: { ...started.context, ...clients, clock }, close };
}

/** The handler files the tests run, by their module name (`<module>.py`, one of LocalStack's functions: functionSource). */
export type HandlerFile =
  | 'lambda_echo'
  | 'lambda_sqs_integration'
  | 'lambda_sqs_batch_item_failure'
  | 'lambda_sleep'
  | 'lambda_echo_version_env'
  | 'lambda_event_source_mapping_send_message'
  | 'lambda_integration'
  | 'lambda_unhandled_error'
  | 'lambda_report_batch_item_failures_dynamodb'
  | 'lambda_report_batch_item_failures_kinesis'
  | 'lambda_parallel'
  | 'kinesis_log'
  | 'lambda_echofail';

const handlerSource = (module: HandlerFile) => functionSource(`${module}.py`);

/**
 * The `create_lambda_function` fixture with one of LocalStack's handler files (`<module>.handler`)
 * or, given `{ code }`, one Python file of the test's own (`handler.py`): python3.12 unless
 * `input` says otherwise, waited for; its answer.
 */
export function handlerFunction(
  c: ReplayContext,
  name: string,
  handler: HandlerFile | { readonly code: string },
  input: Partial<CreateFunctionCommandInput> = {},
): Promise<Answer> {
  const [module, code] = typeof handler === 'string' ? [handler, handlerSource(handler)] : ['handler', handler.code];
  return c.create(name, { Handler: `${module}.handler`, Code: { ZipFile: c.archive(`${module}.py`, code) }, ...input });
}

/** `handlerFunction` under a fresh name (the stream tests' `lambda_func-<uuid>`): its name. */
export async function pythonFunction(
  c: ReplayContext,
  handler: HandlerFile | { readonly code: string },
  input: Partial<CreateFunctionCommandInput> = {},
): Promise<string> {
  const name = c.name('lambda_func');
  await handlerFunction(c, name, handler, input);
  return name;
}

/** `utils.py`'s `create_lambda_with_response`: prints the event, answers `response` (Python source). */
export const withResponse = (response: string) => ({
  code: `\nimport json\n\ndef handler(event, context):\n    print(json.dumps(event))\n    return ${response}\n`,
});

/** The `sqs_create_queue` fixture (a fresh name unless given) and `sqs_get_queue_arn`: the queue's URL and ARN. */
export async function queue(
  c: MappingReplayContext,
  name = c.name('queue'),
  Attributes?: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
  const url = String(QueueUrl);
  const { Attributes: read } = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: String(read?.QueueArn) };
}

/** GetQueueUrl as botocore reported it (the delivery tests record their destination queue's). */
export const queueUrlOf = (c: MappingReplayContext, QueueName: string) =>
  asBotoAnswer(() => c.sqs.send(new GetQueueUrlCommand({ QueueName })));

/** CreateEventSourceMapping, its answer as botocore reported it (an error when refused). */
export const createMapping = (c: ReplayContext, input: CreateEventSourceMappingCommandInput) =>
  c.call(new CreateEventSourceMappingCommand(input));

/** A mapping's UUID, from CreateEventSourceMapping's answer. */
export const uuidOf = (answer: unknown): string => String((answer as Answer).UUID);

/** LocalStack's `_await_event_source_mapping_state` (`_await_event_source_mapping_enabled` with 'Enabled'). */
export const mappingState = (c: ReplayContext, UUID: string, state: string) =>
  until(async () => (await c.lambda.send(new GetEventSourceMappingCommand({ UUID }))).State === state, `mapping ${UUID} ${state}`);

/** CreateEventSourceMapping, then `_await_event_source_mapping_enabled` on it: its answer as botocore reported it. */
export async function enabledMapping(c: ReplayContext, input: CreateEventSourceMappingCommandInput): Promise<Answer> {
  const answer = await createMapping(c, input);
  await mappingState(c, uuidOf(answer), 'Enabled');
  return answer;
}

/**
 * Polls `check` every 50 ms (real time) until it holds, as the tests' `wait_until` and `retry`
 * do (each local change ends in milliseconds); fails after `timeoutMs` saying `what` it waited for.
 */
export async function until(check: () => Promise<boolean>, what = 'the awaited state', timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Moves the runtime's clock `ms` on, once the work in flight has ended (AdvanceableClock.advanceTo). */
export const advance = (c: MappingReplayContext, ms: number) => c.clock.advanceTo(c.clock.now() + ms, { timeoutMs: WAIT_MS });

/** Lets real work in flight end, then moves the clock one second on: what waits on the clock (a visibility timeout) comes due. */
export async function idleStep(c: MappingReplayContext): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await advance(c, 1000);
}

/**
 * How long a replay waits, after what it expects, for an invocation it must not see (a retry,
 * a record a filter or a disabled mapping lets through): a warm local function runs in far less.
 */
export const SETTLE_MS = 700;

/**
 * LocalStack's `get_lambda_log_events`: the function's log events but for the runtime's own lines
 * (INIT_START, START, END, REPORT), each parsed when it is JSON (those `filter` keeps); waited
 * for until there are `count` (the tests' retries), then read again after `settleMs` so that one
 * too many shows.
 */
export async function logEvents(
  c: MappingReplayContext,
  functionName: string,
  count: number,
  filter: (event: unknown) => boolean = () => true,
  settleMs = 0,
): Promise<unknown[]> {
  let events: unknown[] = [];
  await until(async () => {
    events = (await readLogEvents(c, functionName)).filter(filter);
    return events.length >= count;
  }, `${count} log events of ${functionName}`);
  if (settleMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    events = (await readLogEvents(c, functionName)).filter(filter);
  }
  return events;
}

async function readLogEvents(c: MappingReplayContext, functionName: string): Promise<unknown[]> {
  const lines: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await c.logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}`, nextToken }));
      lines.push(...(page.events ?? []).map((e) => e.message ?? ''));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return [];
    throw error;
  }
  return lines
    .map((line) => line.replace(/\n$/, ''))
    .filter((line) => line.trim() !== '' && !/^(INIT_START|START|END|REPORT)/.test(line))
    .map((line) => parsedJson(line, { objectsOnly: false }));
}

/** The events of a log that are a mapping's invocations (`"Records" in event`), as the tests keep them. */
export const invocations = (event: unknown) => typeof event === 'object' && event !== null && 'Records' in event;

/**
 * A text's JSON parsed, else the text; with `objectsOnly`, only where it is a JSON object or list
 * (as LocalStack's snapshot shows a string that is one).
 */
export function parsedJson(text: string, { objectsOnly }: { readonly objectsOnly: boolean }): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return !objectsOnly || (typeof parsed === 'object' && parsed !== null) ? parsed : text;
  } catch {
    return text;
  }
}

/**
 * ReceiveMessage of a queue the function writes to, as botocore reported it: waits (polling
 * briefly, as the recorded test's long poll does) until a message is there, moving the clock past
 * the source queue's visibility timeout when nothing is in flight (a failed batch's messages come
 * back after it). Gives up after `seconds` of clock time. (`receiveFailure` waits in real time.)
 */
export async function receiveWaiting(c: MappingReplayContext, QueueUrl: string, seconds = 60): Promise<Answer> {
  const ends = c.clock.now() + seconds * 1000;
  for (;;) {
    const answer = await asBotoAnswer(() =>
      c.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 })),
    );
    if ((answer.Messages as unknown[] | undefined)?.length || c.clock.now() >= ends) return answer;
    await idleStep(c);
  }
}

/**
 * `receive_message` of one message, waited for in real time (the stream tests'
 * `verify_failure_received` retries until one comes; the clock is not moved): its answer, each
 * Body parsed as the snapshot shows it.
 */
export async function receiveFailure(c: MappingReplayContext, QueueUrl: string, timeoutMs = WAIT_MS): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await asBotoAnswer(() => c.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 })));
    const messages = answer.Messages as { Body: string }[] | undefined;
    if (messages?.length) {
      return { ...answer, Messages: messages.map((m) => ({ ...m, Body: parsedJson(m.Body, { objectsOnly: true }) })) };
    }
    if (Date.now() > deadline) throw new Error(`no message came to ${QueueUrl}`);
  }
}
