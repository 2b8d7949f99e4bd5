import * as path from 'node:path';
import { InvokeCommand, type LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListStateMachinesCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { credentials, disposableData, eventually, executionEnded, region } from '../helpers.js';

/** A public CDK app's cloud assembly under test/fixtures/apps (see its README). */
export function appFixture(name: string): string {
  return path.join(import.meta.dirname, '..', '..', 'fixtures', 'apps', name);
}

export interface RunningApp {
  readonly runtime: LocalRuntime;
  /** Every line the runtime printed, function logs included (`[<function>] <line>`). */
  readonly logs: string[];
  /** SDK client settings for the local endpoint. */
  readonly config: { endpoint: string; region: string; credentials: typeof credentials };
}

export async function startApp(name: string): Promise<RunningApp> {
  const logs: string[] = [];
  const runtime = await LocalRuntime.start({ cdkOut: appFixture(name), ...disposableData(), port: 0, log: (line) => logs.push(line) });
  return { runtime, logs, config: { endpoint: runtime.url, region, credentials } };
}

/**
 * Runs the app for the test file: started (then `onStart`, which makes the clients) before
 * its tests, stopped after them. If it cannot start, every test fails with the reason,
 * rather than being reported as skipped.
 */
export function runApp(name: string, onStart: (app: RunningApp) => void | Promise<void>): () => RunningApp {
  let running: RunningApp | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      running = await startApp(name);
      await onStart(running);
    } catch (error) {
      failure = error;
    }
  });
  beforeEach(() => {
    if (failure !== undefined) throw failure;
  });
  afterAll(async () => {
    await running?.runtime.stop();
  });
  return () => {
    if (running === undefined) throw failure ?? new Error(`${name} has not started`);
    return running;
  };
}

/**
 * The one name (or URL, or ARN) that contains `fragment`, a piece of the resource's logical
 * id; without it, the only name there is. CloudFormation names unnamed resources
 * `<stack>-<logicalId>-<suffix>` and the local runtime `<stack>-<logicalId>`, both cut to
 * the service's limit, so only a piece from the start of the logical id finds a resource on both.
 */
export function only(names: readonly string[], fragment = ''): string {
  const found = names.filter((name) => name.includes(fragment));
  if (found.length !== 1)
    throw new Error(
      `expected one name${fragment ? ` containing ${fragment}` : ''}, found ${JSON.stringify(found)} among ${JSON.stringify(names)}`,
    );
  return found[0] as string;
}

export async function queueUrl(sqs: SQSClient, fragment: string): Promise<string> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  return only(QueueUrls, fragment);
}

export async function queueArn(sqs: SQSClient, url: string): Promise<string | undefined> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return Attributes.QueueArn;
}

export async function onlyFunctionName(lambda: LambdaClient, fragment = ''): Promise<string> {
  const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
  return only(
    Functions.map((f) => f.FunctionName ?? ''),
    fragment,
  );
}

export async function onlyTopicArn(sns: SNSClient): Promise<string> {
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  return only(Topics.map((t) => t.TopicArn ?? ''));
}

export async function onlyStateMachineArn(sfn: SFNClient): Promise<string> {
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  return only(stateMachines.map((m) => m.stateMachineArn ?? ''));
}

/** Visible plus in-flight messages: 0 when every message has been consumed and deleted. */
export async function messagesIn(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

export async function drained(sqs: SQSClient, url: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => ((await messagesIn(sqs, url)) === 0 ? true : undefined), timeoutMs, `${url} to drain`);
}

/** Receives messages (leaving them in flight) until `done` says the ones received so far are enough. */
export async function receiveUntil(
  sqs: SQSClient,
  url: string,
  done: (received: Message[]) => boolean,
  timeoutMs = 15_000,
): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(received)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; received ${JSON.stringify(received.map((m) => m.Body))}`);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    received.push(...Messages);
  }
  return received;
}

/** The function's log lines (the runtime prefixes each with `[<function name>]`). */
export function functionLog(logs: readonly string[], functionName: string): string {
  return logs.filter((line) => line.startsWith(`[${functionName}]`)).join('\n');
}

export function decodePayload(payload: Uint8Array | undefined): unknown {
  return payload === undefined ? undefined : JSON.parse(Buffer.from(payload).toString('utf8'));
}

/**
 * That the execution succeeded and its one Lambda task (lambda:invoke, which returns the
 * invocation's result) answered 200 with this API Gateway-style text body; the execution's end.
 */
export async function expectLambdaTaskAnswered(sfn: SFNClient, executionArn: string, body: string) {
  const done = await executionEnded(sfn, executionArn);
  expect({ status: done.status, error: done.error, cause: done.cause }).toEqual({
    status: 'SUCCEEDED',
    error: undefined,
    cause: undefined,
  });
  const output = JSON.parse(done.output ?? '{}');
  expect(output.StatusCode).toBe(200);
  expect(output.Payload).toEqual(textAnswer(body));
  return done;
}

/** What the packages' API Gateway-style handlers answer: 200 with this text body. */
export const textAnswer = (body: string) => ({ statusCode: 200, headers: { 'Content-Type': 'text/plain' }, body });

/** That the app's only function, invoked with `{ path }` (its CommonJS handler), answers 200 with this text body. */
export async function expectTextAnswer(lambda: LambdaClient, path: string, body: string): Promise<void> {
  const result = await lambda.send(new InvokeCommand({ FunctionName: await onlyFunctionName(lambda), Payload: JSON.stringify({ path }) }));
  expect(result.FunctionError).toBeUndefined();
  expect(decodePayload(result.Payload)).toEqual(textAnswer(body));
}

/** The log of function `name` once it holds `marker`; `what` names the wait if it times out. */
export function logHolding(logs: () => readonly string[], name: string, marker: string, what: string): Promise<string> {
  return eventually(
    async () => {
      const text = functionLog(logs(), name);
      return text.includes(marker) ? text : undefined;
    },
    15_000,
    what,
  );
}
