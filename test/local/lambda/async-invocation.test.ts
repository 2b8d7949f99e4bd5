import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceDestinations } from '../../../local/lambda/async/destinations.js';
import { LambdaService } from '../../../local/lambda/lambda-service.js';
import type { AsyncInvokeConfig, FunctionDefinition } from '../../../local/lambda/runtime/function-runtime.js';
import type { SqsService } from '../../../local/sqs/sqs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { eventually } from '../helpers.js';
import { arnOf, createSqs } from '../sqs/helpers.js';
import { codeFunction } from './fixtures/code-function.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FAILING = `export const handler = async (event) => { const e = new Error('cannot process ' + event.id); e.name = 'ProcessingError'; throw e; };`;
const SUCCEEDING = `export const handler = async (event) => ({ processed: event.id });`;

interface Setup {
  readonly lambda: LambdaService;
  readonly sqs: SqsService;
  readonly clock: ManualClock;
  readonly logs: string[];
  /** How many attempts started so far. */
  attempts(): number;
  /** The bodies and attributes of the messages in a queue (received once, left invisible). */
  messages(queue: string): Promise<{ body: unknown; attributes: Record<string, { DataType?: string; StringValue?: string }> }[]>;
}

function definition(
  source: string,
  asyncConfig: AsyncInvokeConfig | undefined,
  codePath?: string,
  overrides: Partial<FunctionDefinition> = {},
): FunctionDefinition {
  return codeFunction('async-fn', source, { ...(asyncConfig ? { asyncConfig } : {}), ...overrides }, codePath);
}

async function setup(
  source: string,
  asyncConfig: AsyncInvokeConfig | undefined,
  options: {
    dbFile?: string;
    clock?: ManualClock;
    codePath?: string;
    start?: boolean;
    sqs?: ReturnType<typeof createSqs>;
    overrides?: Partial<FunctionDefinition>;
  } = {},
): Promise<Setup> {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  const sqsHarness = options.sqs ?? createSqs({ clock });
  const { sqs } = sqsHarness;
  if (!options.sqs) {
    for (const name of ['on-success', 'on-failure', 'dead-letter']) await sqs.CreateQueue({ QueueName: name });
    cleanups.push(() => sqsHarness.close());
  }
  const db = openDatabase(options.dbFile ?? ':memory:');
  const logs: string[] = [];
  let lambda: LambdaService | undefined;
  lambda = new LambdaService({
    functions: [definition(source, asyncConfig, options.codePath, options.overrides)],
    sqsMappings: [],
    sqs,
    baseEnvironment: {},
    region: 'us-east-1',
    log: (_name, line) => logs.push(line),
    db,
    clock,
    destinations: new ServiceDestinations({
      sqs,
      lambda: { invokeAsync: (fn, event) => (lambda as LambdaService).invokeAsync(fn, event) },
      events: { putServiceEvent: () => {} },
    }),
    asyncTiming: { pollIntervalMs: 10 },
  });
  if (options.start !== false) await lambda.start();
  const service = lambda;
  cleanups.push(async () => {
    await service.stop();
    db.close();
  });
  return {
    lambda,
    sqs,
    clock,
    logs,
    attempts: () => logs.filter((l) => l.startsWith('START RequestId:')).length,
    async messages(queue) {
      const { Messages = [] } = await sqs.ReceiveMessage({
        QueueUrl: sqs.queueUrl(queue),
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      });
      return Messages.map((m) => ({ body: JSON.parse(m.Body ?? 'null'), attributes: m.MessageAttributes ?? {} }));
    },
  };
}

/** Waits for attempt `n` to have finished, then for the queue to settle. */
async function attemptsDone(s: Setup, n: number): Promise<void> {
  await eventually(async () => (s.attempts() >= n ? true : undefined), 10_000, `attempt ${n}`);
  await s.lambda.asyncIdle();
}

/** Gives the queue a few polls to prove nothing else runs. */
async function quietly(s: Setup): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  await s.lambda.asyncIdle();
}

async function messagesIn(s: Setup, queue: string, count = 1) {
  return eventually(
    async () => {
      const found = await s.messages(queue);
      return found.length >= count ? found : undefined;
    },
    10_000,
    `${count} message(s) in ${queue}`,
  );
}

const ON_SUCCESS = arnOf('on-success');
const ON_FAILURE = arnOf('on-failure');
const DEAD_LETTER = arnOf('dead-letter');

describe('LambdaService asynchronous invocation', () => {
  it('retries a failing event twice, one then two minutes apart, then sends the failure record and the dead-letter message', async () => {
    const s = await setup(FAILING, { onFailure: ON_FAILURE, deadLetterArn: DEAD_LETTER });
    const { requestId } = await s.lambda.invokeAsync('async-fn', { id: 'E-1' });
    await attemptsDone(s, 1);
    s.clock.advance(59_000);
    await quietly(s);
    expect(s.attempts()).toBe(1);
    s.clock.advance(1_000);
    await attemptsDone(s, 2);
    s.clock.advance(119_000);
    await quietly(s);
    expect(s.attempts()).toBe(2);
    s.clock.advance(1_000);
    await attemptsDone(s, 3);

    const [failure] = await messagesIn(s, 'on-failure');
    expect(failure?.body).toEqual({
      version: '1.0',
      timestamp: new Date(s.clock.now()).toISOString(),
      requestContext: {
        requestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:async-fn:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { id: 'E-1' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'ProcessingError', errorMessage: 'cannot process E-1', trace: expect.any(Array) },
    });
    const [dead] = await messagesIn(s, 'dead-letter');
    expect(dead?.body).toEqual({ id: 'E-1' });
    expect(dead?.attributes).toMatchObject({
      RequestID: { DataType: 'String', StringValue: requestId },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'cannot process E-1' },
    });
    expect(s.lambda.queuedAsyncEvents('async-fn')).toBe(0);
    // Every attempt of an event carries its request id, as Lambda's retries do.
    expect(s.logs.filter((l) => l.startsWith(`START RequestId: ${requestId}`))).toHaveLength(3);
  });

  it('gives up after the first attempt with MaximumRetryAttempts 0', async () => {
    const s = await setup(FAILING, { maximumRetryAttempts: 0, onFailure: ON_FAILURE });
    await s.lambda.invokeAsync('async-fn', { id: 'E-2' });
    const [failure] = await messagesIn(s, 'on-failure');
    expect(failure?.body).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 } });
    s.clock.advance(600_000);
    await quietly(s);
    expect(s.attempts()).toBe(1);
  });

  it('fails an event as EventAgeExceeded at once when its next retry would come at or past MaximumEventAgeInSeconds', async () => {
    const s = await setup(FAILING, { maximumEventAgeSeconds: 60, onFailure: ON_FAILURE, deadLetterArn: DEAD_LETTER });
    const { requestId } = await s.lambda.invokeAsync('async-fn', { id: 'E-3' });
    await attemptsDone(s, 1);
    // The first retry would be a minute on, at the event's maximum age: no waiting for it (the clock stands still).
    const [failure] = await messagesIn(s, 'on-failure');
    expect(failure?.body).toMatchObject({
      requestContext: { requestId, condition: 'EventAgeExceeded', approximateInvokeCount: 1 },
      responseContext: { functionError: 'Unhandled' },
    });
    expect(s.attempts()).toBe(1);
    const [dead] = await messagesIn(s, 'dead-letter');
    expect(dead?.attributes.RequestID?.StringValue).toBe(requestId);
  });

  it('sends the success record to the OnSuccess destination', async () => {
    const s = await setup(SUCCEEDING, { onSuccess: ON_SUCCESS, onFailure: ON_FAILURE });
    const { requestId } = await s.lambda.invokeAsync('arn:aws:lambda:us-east-1:000000000000:function:async-fn', { id: 'E-4' });
    const [success] = await messagesIn(s, 'on-success');
    expect(success?.body).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^2026-01-01T/),
      requestContext: {
        requestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:async-fn:$LATEST',
        condition: 'Success',
        approximateInvokeCount: 1,
      },
      requestPayload: { id: 'E-4' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { processed: 'E-4' },
    });
    expect(await s.messages('on-failure')).toEqual([]);
  });

  it('keeps an accepted event across a restart and runs it then', async () => {
    const dbFile = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-async-db-')), 'lambda.sqlite');
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sqs = createSqs({ clock });
    await sqs.sqs.CreateQueue({ QueueName: 'on-success' });
    cleanups.push(() => sqs.close());
    // Accepted while the queue is not running (as if the process died right after the 202).
    const first = await setup(SUCCEEDING, { onSuccess: ON_SUCCESS }, { dbFile, clock, sqs, start: false });
    const { requestId } = await first.lambda.invokeAsync('async-fn', { id: 'E-5' });
    await cleanups.pop()?.();

    const second = await setup(SUCCEEDING, { onSuccess: ON_SUCCESS }, { dbFile, clock, sqs });
    const [success] = await messagesIn(second, 'on-success');
    expect(success?.body).toMatchObject({ requestContext: { requestId, condition: 'Success' }, requestPayload: { id: 'E-5' } });
  });

  it('runs an attempt cut short by a stop again after the restart, counting it', async () => {
    const dbFile = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-async-db-')), 'lambda.sqlite');
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sqs = createSqs({ clock });
    await sqs.sqs.CreateQueue({ QueueName: 'on-success' });
    cleanups.push(() => sqs.close());
    const slow = `export const handler = async (event) => { await new Promise((r) => setTimeout(r, 400)); return event.id; };`;
    const first = await setup(slow, { onSuccess: ON_SUCCESS }, { dbFile, clock, sqs });
    await first.lambda.invokeAsync('async-fn', { id: 'E-6' });
    await eventually(async () => (first.attempts() === 1 ? true : undefined), 10_000, 'first attempt');
    await cleanups.pop()?.();

    const second = await setup(slow, { onSuccess: ON_SUCCESS }, { dbFile, clock, sqs });
    const [success] = await messagesIn(second, 'on-success');
    expect(success?.body).toMatchObject({ requestContext: { condition: 'Success', approximateInvokeCount: 2 }, responsePayload: 'E-6' });
    expect(await second.messages('on-success')).toEqual([]);
  });

  it('returns a throttled event to the queue without using up a retry, and runs it once there is room', async () => {
    const source = `export const handler = async (event) => {
      await new Promise((r) => setTimeout(r, event.wait ?? 0));
      if (event.fail) throw new Error('failed after the throttle');
      return 'done';
    };`;
    const s = await setup(source, { maximumRetryAttempts: 1, onFailure: ON_FAILURE }, { overrides: { reservedConcurrency: 1 } });
    const busy = s.lambda.invoke('async-fn', { wait: 300 });
    await eventually(async () => (s.attempts() === 1 ? true : undefined), 10_000, 'the synchronous invocation');
    await s.lambda.invokeAsync('async-fn', { fail: true });
    await quietly(s);
    expect(s.attempts()).toBe(1);
    await busy;
    s.clock.advance(1_000);
    await attemptsDone(s, 2);
    // The throttle did not count: the function error still has its one retry.
    s.clock.advance(60_000);
    await attemptsDone(s, 3);
    const [failure] = await messagesIn(s, 'on-failure');
    expect(failure?.body).toMatchObject({
      requestContext: { condition: 'RetriesExhausted' },
      responsePayload: { errorMessage: 'failed after the throttle' },
    });
  });

  it('answers an in-process synchronous invoke asked to throttle with TooManyRequestsException at the reserved concurrency, and makes others wait', async () => {
    const source = `export const handler = async (event) => { await new Promise((r) => setTimeout(r, event.wait ?? 0)); return 'done'; };`;
    const s = await setup(source, undefined, { overrides: { reservedConcurrency: 1 } });
    const busy = s.lambda.invoke('async-fn', { wait: 300 });
    await eventually(async () => (s.attempts() === 1 ? true : undefined), 10_000, 'the first invocation');
    await expect(s.lambda.invoke('async-fn', {}, { throttle: true })).rejects.toMatchObject({
      code: 'TooManyRequestsException',
      status: 429,
    });
    const waiting = s.lambda.invoke('async-fn', {});
    expect(await busy).toMatchObject({ ok: true });
    expect(await waiting).toMatchObject({ ok: true });
    expect(s.attempts()).toBe(2);
  });

  it('answers Invoke with X-Amz-Invocation-Type Event with 202 and the request id', async () => {
    const s = await setup(SUCCEEDING, { onSuccess: ON_SUCCESS });
    const response = await s.lambda.protocol.handle({
      method: 'POST',
      path: '/2015-03-31/functions/async-fn/invocations',
      query: new URLSearchParams(),
      headers: { 'x-amz-invocation-type': 'Event' },
      body: Buffer.from('{"id":"E-7"}'),
    });
    expect(response.status).toBe(202);
    const requestId = response.headers?.['x-amzn-requestid'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [success] = await messagesIn(s, 'on-success');
    expect(success?.body).toMatchObject({ requestContext: { requestId } });
  });

  it('serves GetFunctionEventInvokeConfig from the template, and ResourceNotFoundException without one', async () => {
    const get = (lambda: LambdaService) =>
      lambda.protocol.handle({
        method: 'GET',
        path: '/2019-09-25/functions/async-fn/event-invoke-config',
        query: new URLSearchParams(),
        headers: {},
        body: Buffer.alloc(0),
      });
    const configured = await setup(SUCCEEDING, { maximumRetryAttempts: 1, onFailure: ON_FAILURE, deadLetterArn: DEAD_LETTER });
    const response = await get(configured.lambda);
    expect(response.status).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:async-fn:$LATEST',
      LastModified: 0,
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: ON_FAILURE } },
    });
    const plain = await setup(SUCCEEDING, undefined);
    expect(await get(plain.lambda)).toMatchObject({ status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' } });
  });

  it('fails if the function does not exist or does not run locally', async () => {
    const s = await setup(SUCCEEDING, undefined);
    await expect(s.lambda.invokeAsync('no-such-fn', {})).rejects.toMatchObject({ code: 'ResourceNotFoundException', status: 404 });
    const ruby = await setup('', undefined, { overrides: { runtime: 'ruby3.3' } });
    await expect(ruby.lambda.invokeAsync('async-fn', {})).rejects.toMatchObject({ code: 'InvalidRuntimeException', status: 502 });
    expect(ruby.lambda.queuedAsyncEvents('async-fn')).toBe(0);
  });
});

describe('LambdaService asynchronous invocation across a SIGKILL', () => {
  it('runs an event accepted before the process was killed mid-attempt, after the restart', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-async-kill-'));
    const dbFile = path.join(folder, 'lambda.sqlite');
    const codePath = path.join(folder, 'code');
    mkdirSync(codePath);
    writeFileSync(
      path.join(codePath, 'index.mjs'),
      `export const handler = async (event) => { if (process.env.SLOW) await new Promise((r) => setTimeout(r, 60_000)); return event.id; };`,
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'accept-async-event.ts'), dbFile, codePath],
      {
        cwd: path.join(import.meta.dirname, '..', '..', '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not start an attempt:\n${output}`)), 30_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('accepted') && output.includes('attempt started')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const requestId = /accepted (\S+)/.exec(output)?.[1];
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const records: unknown[] = [];
    const db = openDatabase(dbFile);
    const lambda = new LambdaService({
      functions: [
        definition(SUCCEEDING, { onSuccess: ON_SUCCESS }, codePath, {
          name: 'durable-fn',
          arn: 'arn:aws:lambda:us-east-1:000000000000:function:durable-fn',
        }),
      ],
      sqsMappings: [],
      sqs: {} as never,
      baseEnvironment: {},
      region: 'us-east-1',
      log: () => {},
      db,
      destinations: { send: async (_arn, payload) => void records.push(JSON.parse(payload)) },
      asyncTiming: { pollIntervalMs: 10 },
    });
    cleanups.push(async () => {
      await lambda.stop();
      db.close();
    });
    await lambda.start();
    const [record] = await eventually(async () => (records.length > 0 ? records : undefined), 10_000, 'the success record');
    expect(record).toMatchObject({
      requestContext: { requestId, condition: 'Success', approximateInvokeCount: 2 },
      requestPayload: { id: 'K-1' },
    });
  });
});
