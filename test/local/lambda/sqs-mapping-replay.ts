import { readFileSync } from 'node:fs';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  type CreateFunctionCommandInput,
  GetEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AdvanceableClock } from '../../../local/clock.js';
import { credentials, region } from '../helpers.js';
import { type Answer, asBotoAnswer, type ReplayContext } from './recorded-replay.js';

/**
 * What the replays of test_lambda_integration_sqs.py use besides the Lambda replay's context:
 * the SQS and CloudWatch Logs clients the recorded tests read with, the runtime's clock (which
 * the replays move past visibility timeouts instead of waiting them out), and the fixtures'
 * functions: LocalStack's own Python handlers (tests/aws/services/lambda_/functions/), run on python3.
 */
export interface SqsMappingContext extends ReplayContext {
  readonly sqs: SQSClient;
  readonly logs: CloudWatchLogsClient;
  readonly clock: AdvanceableClock;
}

export type SqsMappingReplay = (context: SqsMappingContext) => Promise<Answer>;

/** The handler files the tests run (these and the stream mappings' replays), by their module name. */
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

export const handlerSource = (module: HandlerFile) =>
  readFileSync(new URL(`fixtures/localstack-functions/${module}.py`, import.meta.url), 'utf8');

export function sqsMappingContext(context: ReplayContext, clock: AdvanceableClock): SqsMappingContext {
  const config = { endpoint: context.endpoint, region, credentials, maxAttempts: 1 };
  return Object.assign(Object.create(context) as ReplayContext, {
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
    clock,
  }) as SqsMappingContext;
}

/**
 * The `create_lambda_function` fixture with one of LocalStack's handler files (`<module>.handler`,
 * python3.12 unless given), waited for; its answer.
 */
export function handlerFunction(
  c: SqsMappingContext,
  name: string,
  module: HandlerFile,
  input: Partial<CreateFunctionCommandInput> = {},
): Promise<Answer> {
  return c.create(name, {
    Handler: `${module}.handler`,
    Code: { ZipFile: c.archive(`${module}.py`, handlerSource(module)) },
    ...input,
  });
}

/** The `sqs_create_queue` fixture and `sqs_get_queue_arn`: the queue's URL and ARN. */
export async function queue(
  c: SqsMappingContext,
  name: string,
  Attributes?: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
  const url = String(QueueUrl);
  const { Attributes: read } = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: String(read?.QueueArn) };
}

/** CreateEventSourceMapping as botocore reported it, and the mapping's UUID (undefined when refused). */
export async function createMapping(c: SqsMappingContext, input: CreateEventSourceMappingCommandInput): Promise<[Answer, string]> {
  const answer = await c.call(new CreateEventSourceMappingCommand(input));
  return [answer, String(answer.UUID)];
}

/** LocalStack's `_await_event_source_mapping_enabled`: GetEventSourceMapping until the mapping is Enabled. */
export async function enabled(c: SqsMappingContext, uuid: string): Promise<void> {
  await until(async () => (await c.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State === 'Enabled', 'Enabled');
}

/**
 * LocalStack's `get_lambda_log_events`: the function's log lines but for the runtime's own
 * (START, END, REPORT, INIT_START), each parsed when it is JSON; waited for until there are `count`.
 */
export async function logEvents(c: SqsMappingContext, functionName: string, count: number): Promise<unknown[]> {
  let events: unknown[] = [];
  await until(async () => {
    events = await readLogEvents(c, functionName);
    return events.length >= count;
  }, `${count} log events of ${functionName}`);
  return events;
}

async function readLogEvents(c: SqsMappingContext, functionName: string): Promise<unknown[]> {
  let lines: string[] = [];
  try {
    const read = await c.logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}` }));
    lines = (read.events ?? []).map((e) => e.message ?? '');
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return [];
    throw error;
  }
  return lines
    .filter((line) => line.trim() !== '' && !/^(INIT_START|START|END|REPORT)/.test(line))
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return line;
      }
    });
}

/**
 * ReceiveMessage of a queue the function writes to, as botocore reported it: waits (polling
 * briefly, as the recorded test's long poll does) until a message is there, moving the clock past
 * the source queue's visibility timeout when nothing is in flight (a failed batch's messages come
 * back after it). Gives up after `seconds` of clock time.
 */
export async function receiveWaiting(c: SqsMappingContext, QueueUrl: string, seconds = 60): Promise<Answer> {
  const until = c.clock.now() + seconds * 1000;
  for (;;) {
    const answer = await asBotoAnswer(() =>
      c.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 })),
    );
    if ((answer.Messages as unknown[] | undefined)?.length || c.clock.now() >= until) return answer;
    await idleStep(c);
  }
}

/** Lets real work in flight end, then moves the clock one second on: what waits on the clock (a visibility timeout) comes due. */
export async function idleStep(c: SqsMappingContext): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await c.clock.advanceTo(c.clock.now() + 1000, { timeoutMs: 15_000 });
}

/** Polls `check` every 50 ms (real time) until it holds; fails after 15 s. */
export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const ends = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > ends) throw new Error(`waited 15 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GetQueueUrl as botocore reported it (the delivery tests record their destination queue's). */
export const queueUrlOf = (c: SqsMappingContext, QueueName: string) =>
  asBotoAnswer(() => c.sqs.send(new GetQueueUrlCommand({ QueueName })));
