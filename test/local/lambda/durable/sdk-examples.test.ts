import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudDurableTestRunner, LocalDurableTestRunner, WaitingOperationStatus } from '@aws/durable-execution-sdk-js-testing';
import { type Event, InvocationType } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DurableApp, type Execution, outcome, startDurableApp } from './sdk-runners.js';

/**
 * The SDK's published example handlers (sdk-examples/, copied from
 * aws/aws-durable-execution-sdk-js, see its NOTICE) through the SDK's own runners:
 * `CloudDurableTestRunner` against the local runtime, `LocalDurableTestRunner` in process.
 * Each example is run as the SDK's own test for it runs it (payload, callbacks sent through
 * the runner, invoke targets), both runners must agree, and both must give what the SDK's
 * test expects. Where the SDK recorded a history (`.history.json`), the local runtime's
 * history must match it as the SDK's tests match one (`assertEventSignatures`).
 */
const folder = path.join(import.meta.dirname, 'sdk-examples');

type Runner = CloudDurableTestRunner<unknown> | LocalDurableTestRunner<unknown>;
type Operation = ReturnType<Runner['getOperation']>;

interface Example {
  /** The example's file in sdk-examples/, without `.mjs`; also its function's name. */
  handler: string;
  /** What the run is about, when an example is run more than once. */
  variant?: string;
  payload?: unknown;
  /** The callback the example waits for and what the "external system" sends to it once it has started. */
  callback?: { operation: (runner: Runner) => Operation; send: (operation: Operation) => Promise<unknown> };
  /**
   * What the SDK's own test of the example expects, except the callback errors' type: SDK 2.x
   * (installed here) throws `CallbackTimeoutError`/`CallbackExternalError`, subclasses of the
   * `CallbackError` that the tests at the copied commit (SDK 1.0.0) expect.
   */
  expected: { status: 'SUCCEEDED'; result: unknown } | { status: 'FAILED'; error: { errorType: string; errorMessage: string } };
  /** The SDK recorded a history for it (`<handler>.history.json`). */
  history?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const firstOperation = (runner: Runner) => runner.getOperationByIndex(0);
const longRunningTask = (runner: Runner) => runner.getOperation('long-running-task');

/** Durable invoke targets are named qualified, as AWS requires of a durable function; the local runner registers the same names. */
const STEP_NAMED = 'step-named:$LATEST';
const HANDLER_ERROR = 'handler-error:$LATEST';
const NON_DURABLE = 'non-durable';

const EXAMPLES: Example[] = [
  { handler: 'hello-world', expected: { status: 'SUCCEEDED', result: 'Hello World!' }, history: true },
  { handler: 'step-basic', expected: { status: 'SUCCEEDED', result: 'step completed' }, history: true },
  {
    handler: 'step-named',
    payload: { data: 'some data' },
    expected: { status: 'SUCCEEDED', result: 'processed: some data' },
    history: true,
  },
  {
    handler: 'run-in-child-context-failing-step',
    expected: { status: 'SUCCEEDED', result: { success: true } },
    history: true,
  },
  { handler: 'wait', expected: { status: 'SUCCEEDED', result: 'Function Completed' }, history: true },
  { handler: 'concurrent-wait', expected: { status: 'SUCCEEDED', result: 'Completed waits' }, history: true },
  {
    handler: 'create-callback',
    variant: 'a callback success',
    callback: { operation: firstOperation, send: (op) => op.sendCallbackSuccess('successful') },
    expected: { status: 'SUCCEEDED', result: 'successful' },
  },
  {
    handler: 'create-callback',
    variant: 'a callback failure',
    callback: { operation: firstOperation, send: (op) => op.sendCallbackFailure({ ErrorMessage: 'ERROR' }) },
    expected: { status: 'FAILED', error: { errorType: 'CallbackExternalError', errorMessage: 'ERROR' } },
  },
  {
    handler: 'create-callback-timeout',
    variant: 'its timeout',
    payload: { timeoutType: 'general' },
    expected: { status: 'FAILED', error: { errorType: 'CallbackTimeoutError', errorMessage: 'Callback timed out' } },
  },
  {
    handler: 'create-callback-timeout',
    variant: 'its heartbeat timeout',
    payload: { timeoutType: 'heartbeat' },
    expected: { status: 'FAILED', error: { errorType: 'CallbackTimeoutError', errorMessage: 'Callback timed out on heartbeat' } },
  },
  {
    handler: 'create-callback-failures',
    payload: { shouldCatchError: false },
    callback: {
      operation: (runner) => runner.getOperation('failing-operation'),
      send: (op) => op.sendCallbackFailure({ ErrorMessage: 'External API failure', ErrorType: 'APIException' }),
    },
    expected: { status: 'FAILED', error: { errorType: 'CallbackExternalError', errorMessage: 'External API failure' } },
  },
  {
    handler: 'create-callback-heartbeat',
    // Its 1 s heartbeat timeout (the SDK's "not cloud" setting): the two pauses outlast it, the heartbeat between them keeps it alive.
    payload: { isCloud: false },
    callback: {
      operation: longRunningTask,
      send: async (op) => {
        await sleep(500);
        await op.sendCallbackHeartbeat();
        await sleep(500);
        return op.sendCallbackSuccess(JSON.stringify({ processed: 1000, status: 'completed' }));
      },
    },
    expected: { status: 'SUCCEEDED', result: { longTaskResult: JSON.stringify({ processed: 1000, status: 'completed' }) } },
  },
  {
    handler: 'invoke-simple',
    variant: 'a durable function',
    payload: { functionName: STEP_NAMED, payload: { data: 'data from parent' } },
    expected: { status: 'SUCCEEDED', result: 'processed: data from parent' },
  },
  {
    handler: 'invoke-simple',
    variant: 'a durable function that fails',
    payload: { functionName: HANDLER_ERROR },
    expected: { status: 'FAILED', error: { errorType: 'InvokeError', errorMessage: 'Intentional handler failure' } },
  },
  {
    handler: 'invoke-simple',
    variant: 'a plain function',
    payload: { functionName: NON_DURABLE },
    expected: { status: 'SUCCEEDED', result: { status: 200, body: JSON.stringify({ message: 'Hello from Lambda!' }) } },
  },
  { handler: 'map-basic', expected: { status: 'SUCCEEDED', result: [2, 4, 6, 8, 10] }, history: true },
  {
    handler: 'parallel-basic',
    expected: { status: 'SUCCEEDED', result: ['task 1 completed', 'task 2 completed', 'task 3 completed after wait'] },
    history: true,
  },
  { handler: 'run-in-child-context', expected: { status: 'SUCCEEDED', result: 'child step completed' }, history: true },
  {
    handler: 'handler-error',
    expected: { status: 'FAILED', error: { errorType: 'Error', errorMessage: 'Intentional handler failure' } },
    history: true,
  },
  { handler: 'step-error-determinism', expected: { status: 'SUCCEEDED', result: true }, history: true },
];

const DURABLE = [...new Set(EXAMPLES.map((example) => example.handler))];
// All 20 runs take about 30 s, so npm test runs one of each kind (a step, a callback, an
// invoke, a map, a failure) and npm run test:conformance (SWITCHYARD_CONFORMANCE=1), which
// CI runs, runs every one.
const SAMPLE = new Set(['hello-world', 'create-callback', 'invoke-simple', 'map-basic', 'handler-error']);
const RUN = process.env.SWITCHYARD_CONFORMANCE
  ? EXAMPLES
  : EXAMPLES.filter((example, i) => SAMPLE.has(example.handler) && EXAMPLES.findIndex((e) => e.handler === example.handler) === i);

let app: DurableApp;

beforeAll(async () => {
  app = await startDurableApp([
    ...DURABLE.map((name) => ({ name, file: path.join(folder, `${name}.mjs`) })),
    { name: NON_DURABLE, file: path.join(folder, `${NON_DURABLE}.mjs`), durable: false },
  ]);
});
afterAll(async () => {
  await app?.stop();
});

type Handler = never;
const handlerOf = async (name: string) => ((await import(path.join(folder, `${name}.mjs`))) as { handler: Handler }).handler;

/** The in-process runner, with the invoke targets registered under the names the cloud runner's function invokes. */
async function localRunner(example: Example): Promise<LocalDurableTestRunner<unknown>> {
  return new LocalDurableTestRunner({ handlerFunction: await handlerOf(example.handler) })
    .registerDurableFunction(STEP_NAMED, await handlerOf('step-named'))
    .registerDurableFunction(HANDLER_ERROR, await handlerOf('handler-error'))
    .registerFunction(NON_DURABLE, await handlerOf(NON_DURABLE));
}

/** Runs the example as the SDK's test does: the callback is sent once its operation has started. */
async function run(runner: Runner, example: Example): Promise<Execution> {
  const operation = example.callback?.operation(runner);
  const running = runner.run({ payload: example.payload });
  if (operation && example.callback) {
    await operation.waitForData(WaitingOperationStatus.STARTED);
    await example.callback.send(operation);
  }
  return running;
}

/**
 * The SDK examples' own comparison of a history with a recorded one (their test-helper's
 * `assertEventSignatures`, as run against AWS, without time skipping): how many events of
 * each type, subtype and name, not ids, timestamps or payloads.
 */
function eventSignatures(events: readonly Event[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const named = !['ExecutionStarted', 'ExecutionSucceeded', 'ExecutionFailed'].includes(event.EventType ?? '') && event.Name;
    const signature = JSON.stringify({ EventType: event.EventType, SubType: event.SubType, ...(named ? { Name: event.Name } : {}) });
    counts[signature] = (counts[signature] ?? 0) + 1;
  }
  return counts;
}

const recorded = (name: string) => JSON.parse(readFileSync(path.join(folder, `${name}.history.json`), 'utf8')) as Event[];

describe('Lambda durable functions: the SDK’s published examples', () => {
  it.each(RUN.map((example) => ({ ...example, title: example.variant ? `${example.handler} (${example.variant})` : example.handler })))(
    'gives CloudDurableTestRunner against the local runtime what LocalDurableTestRunner gives for $title',
    async (example) => {
      const cloudRunner = new CloudDurableTestRunner<unknown>({
        functionName: `${example.handler}:$LATEST`,
        client: app.lambda,
        config: { pollInterval: 100, invocationType: example.callback ? InvocationType.Event : InvocationType.RequestResponse },
      });
      // Side by side: the examples' waits run on real time in both.
      const [cloud, local] = await Promise.all([run(cloudRunner, example), localRunner(example).then((runner) => run(runner, example))]);

      expect(outcome(cloud)).toEqual(outcome(local));
      const { status, result, error } = outcome(cloud);
      expect(example.expected.status === 'SUCCEEDED' ? { status, result } : { status, error }).toEqual(example.expected);
      if (example.history) expect(eventSignatures(cloud.getHistoryEvents())).toEqual(eventSignatures(recorded(example.handler)));
    },
    30_000,
  );
});
