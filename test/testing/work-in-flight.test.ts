import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../testing/index.js';
import { blockingApp, windowApp } from './small-app.js';

/** Each test's signal folder: the handler writes `started` there and waits for `release`. */
let signals: string;
afterEach(() => rmSync(signals, { recursive: true, force: true }));

function newSignals(): string {
  signals = mkdtempSync(path.join(tmpdir(), 'switchyard-work-in-flight-'));
  return signals;
}

/** The invocations that started, as `<messageId> <receive count>`. */
function started(): string[] {
  const file = path.join(signals, 'started');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

const release = () => writeFileSync(path.join(signals, 'release'), '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, app: TestApp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the runtime printed:\n${app.logs().slice(-20).join('\n')}`);
    await sleep(20);
  }
}

/** A queue's messages, visible and in flight. */
async function depth(app: TestApp, queue: string): Promise<number> {
  const { Attributes = {} } = await app.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: `${app.endpoint}/000000000000/${queue}`,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

describe('TestApp virtual time and work in flight', () => {
  it("never moves the clock past a queue's visibility timeout while its consumer's call still runs: the message is handled once and deleted", async () => {
    await using app = await startApp({ cdkOut: blockingApp(newSignals()) }, { virtualTime: true });
    const send = (body: string) =>
      app.clients.sqs.send(new SendMessageCommand({ QueueUrl: `${app.endpoint}/000000000000/blocking-inbox`, MessageBody: body }));
    await send('first expense');
    await until('the consumer to be called', () => started().length === 1, app);
    // An hour is far past the 30 s visibility timeout; the call is still running, in real time.
    let moved = false;
    const moving = app.advance('1h').then(() => {
      moved = true;
    });
    await sleep(200);
    // Another message wakes a poller, which takes whatever is visible: the first message too, had the clock jumped.
    await send('second expense');
    await until('the second message to be handled', () => started().length === 2, app);
    await sleep(200);
    expect(await depth(app, 'blocking-dlq')).toBe(0);
    expect(moved).toBe(false);
    release();
    await moving;
    // Each handled once, at its first receive, deleted when its call succeeded, never dead-lettered.
    expect(started().map((line) => line.split(' ')[1])).toEqual(['1', '1']);
    expect(await depth(app, 'blocking-inbox')).toBe(0);
    expect(await depth(app, 'blocking-dlq')).toBe(0);
    await app.runUntilIdle();
    expect(started()).toHaveLength(2);
  });

  it("never times a Step Functions task out while its function's call still runs, however far the clock moves", async () => {
    await using app = await startApp({ cdkOut: blockingApp(newSignals()) }, { virtualTime: true });
    const { executionArn } = await app.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:blocking-task', input: '{}' }),
    );
    await until('the task to call the function', () => started().length === 1, app);
    const moving = app.advance('1h');
    await sleep(300);
    release();
    await moving;
    const describe = () => app.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    let execution = await describe();
    for (let i = 0; i < 100 && execution.status === 'RUNNING'; i++) {
      await sleep(20);
      execution = await describe();
    }
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ handled: 1 });
  });

  it('never times out a task that calls a service while the call is still under way, however far the clock moves', async () => {
    await using app = await startApp({ cdkOut: blockingApp(newSignals()) }, { virtualTime: true });
    const { executionArn } = await app.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:receive-task', input: '{}' }),
    );
    // The task's ReceiveMessage long-polls the empty mailbox, in real time, within its 30 s TimeoutSeconds.
    await sleep(300);
    const moving = app.advance('1h');
    await sleep(300);
    await app.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: `${app.endpoint}/000000000000/blocking-mailbox`, MessageBody: 'receipt' }),
    );
    await moving;
    let execution = await app.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    for (let i = 0; i < 100 && execution.status === 'RUNNING'; i++) {
      await sleep(20);
      execution = await app.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ bodies: ['receipt'] });
  });

  it('lets a call that outlives its timeout end as Lambda ends it, in real time, then moves the clock: its message comes back', async () => {
    await using app = await startApp({ cdkOut: blockingApp(newSignals(), { timeoutSeconds: 1 }) }, { virtualTime: true });
    await app.clients.sqs.send(new SendMessageCommand({ QueueUrl: `${app.endpoint}/000000000000/blocking-inbox`, MessageBody: 'slow' }));
    await until('the consumer to be called', () => started().length === 1, app);
    const before = performance.now();
    await app.advance('1m');
    // The call ran out its 1 s timeout (Sandbox.Timedout) before the clock moved past the 30 s visibility timeout.
    expect(performance.now() - before).toBeGreaterThan(500);
    expect(app.logs().some((line) => line.includes('Task timed out after 1.00 seconds'))).toBe(true);
    // Its message was not handled: it came back, and at its second receive went to the dead-letter queue.
    await app.runUntilIdle();
    expect(await depth(app, 'blocking-dlq')).toBe(1);
    release();
  });

  it('fails if work in flight is still running after timeoutMs, naming it', async () => {
    await using app = await startApp({ cdkOut: blockingApp(newSignals()) }, { virtualTime: true });
    await app.clients.sqs.send(new SendMessageCommand({ QueueUrl: `${app.endpoint}/000000000000/blocking-inbox`, MessageBody: 'stuck' }));
    await until('the consumer to be called', () => started().length === 1, app);
    const error = await app.advance('1h', { timeoutMs: 200 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('advance("1h") waited 200 ms of real time for work in flight to end');
    expect((error as Error).message).toContain('an invocation of blocking-fn (its timeout 20 s), running');
    await expect(app.advance('1h', { timeoutMs: -1 })).rejects.toThrow('takes a timeoutMs of 0 or more, not -1');
    release();
    await app.advance('1h');
    expect(started()).toHaveLength(1);
    expect(await depth(app, 'blocking-dlq')).toBe(0);
  });

  it("closes an SQS mapping's batching window when the clock passes its end, not after it in real time", async () => {
    await using app = await startApp({ cdkOut: windowApp(newSignals()) }, { virtualTime: true });
    const batches = () =>
      existsSync(path.join(signals, 'batches')) ? readFileSync(path.join(signals, 'batches'), 'utf8').trim().split('\n') : [];
    const send = (body: string) =>
      app.clients.sqs.send(new SendMessageCommand({ QueueUrl: `${app.endpoint}/000000000000/window-inbox`, MessageBody: body }));
    await send('one');
    await sleep(300);
    await send('two');
    await sleep(300);
    // The 60 s window is open on the clock: nothing is delivered yet.
    expect(batches()).toEqual([]);
    // The window ends 60 s on: moving 90 s ends it there, within advance's 10 s wait for work in flight, and the batch is delivered before advance returns.
    await app.advance('90s');
    // Each poller gathers a batch of its own (the mapping's several), so the two may come in one batch or two.
    expect(
      batches()
        .flatMap((line) => line.split(' '))
        .sort(),
    ).toEqual(['one', 'two']);
    expect(await depth(app, 'window-inbox')).toBe(0);
  });

  it("runs an SQS mapping's batch whose batching window is open when runUntilIdle is called", async () => {
    await using app = await startApp({ cdkOut: windowApp(newSignals()) }, { virtualTime: true });
    const batches = () =>
      existsSync(path.join(signals, 'batches')) ? readFileSync(path.join(signals, 'batches'), 'utf8').trim().split('\n') : [];
    await app.clients.sqs.send(new SendMessageCommand({ QueueUrl: `${app.endpoint}/000000000000/window-inbox`, MessageBody: 'alone' }));
    await sleep(300);
    await app.runUntilIdle();
    expect(batches()).toEqual(['alone']);
  });
});
