import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { durableExecutionEnded } from '../helpers/durable-executions.js';
import { credentials, disposableData, eventually, region } from '../local/helpers.js';
import { callbackIdOf, type DurableApp, durableApp } from '../local/lambda/durable/fixture.js';
import { withStarter } from './durable-starter.js';
import { runCli } from './run-cli.js';

let runtime: LocalRuntime;
let lambda: LambdaClient;
let app: DurableApp;
let orderArn: string;
let refusedArn: string;

const payload = (value: unknown) => Buffer.from(JSON.stringify(value));
const cli = (...args: string[]) => runCli([...args, '--endpoint', runtime.url, '--cdk-out', app.cdkOut]);

async function start(functionName: string, name: string, input: unknown): Promise<string> {
  const started = await lambda.send(
    new InvokeCommand({
      FunctionName: `${functionName}:$LATEST`,
      InvocationType: 'Event',
      DurableExecutionName: name,
      Payload: payload(input),
    }),
  );
  return started.DurableExecutionArn ?? '';
}

const ended = (arn: string) => durableExecutionEnded(lambda, arn);

/** The callback id `switchyard durable <name>` prints, once the execution waits for one. */
async function waitingCallbackId(name: string): Promise<string> {
  return eventually(
    async () => {
      const shown = await cli('durable', name, '--json');
      const ids = (JSON.parse(shown.stdout || '{}').waitingCallbacks ?? []) as { callbackId: string }[];
      return ids[0]?.callbackId;
    },
    30_000,
    `a waiting callback in ${name}`,
  );
}

beforeAll(async () => {
  app = durableApp();
  withStarter(app);
  runtime = await LocalRuntime.start({ cdkOut: app.cdkOut, ...disposableData(), port: 0, log: () => {} });
  lambda = new LambdaClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  orderArn = await start('order-flow', 'order-7', { orderId: 'o7' });
  refusedArn = await start('callback-only', 'ask-1', {});
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('switchyard durable', () => {
  it("lists the app's durable executions, newest first, with their function and status", async () => {
    const listed = await cli('durable');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^FUNCTION\s+NAME\s+STATUS/);
    expect(listed.stdout).toMatch(/order-flow\s+order-7\s+RUNNING/);
    expect(listed.stdout).toMatch(/callback-only\s+ask-1\s+RUNNING/);
    const one = await cli('durable', '--function', 'callback-only', '--json');
    expect(JSON.parse(one.stdout).map((e: { DurableExecutionName: string }) => e.DurableExecutionName)).toEqual(['ask-1']);
  });

  it('shows an execution as a timeline: steps with results, the retried try, the wait until when, the waiting callback with its id', async () => {
    const callbackId = await waitingCallbackId('order-7');
    expect(callbackId).toBe(await eventually(async () => callbackIdOf(app, 'o7')));
    const shown = await cli('durable', 'order-7');
    expect(shown.code, shown.stderr).toBe(0);
    const out = shown.stdout;
    expect(out).toMatch(/^order-7 {2}RUNNING {2}\(durable function order-flow\)/);
    expect(out).toMatch(/1\. reserve {2}\[Step\] {2}SUCCEEDED/);
    expect(out).toContain('result: {"orderId":"o7","reserved":true}');
    expect(out).toMatch(
      /2\. charge {2}\[Step\] {2}SUCCEEDED[^\n]*\n\s+try 1 failed: Error: card declined, retried after 1s\n\s+try 2 succeeded/,
    );
    expect(out).toMatch(/3\. cool-off {2}\[Wait\] {2}SUCCEEDED[^\n]*\n\s+until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
    expect(out).toContain(`callback id: ${callbackId} (times out after 600s)`);
    expect(out).toMatch(
      /4\. approval {2}\[Context WaitForCallback\] {2}STARTED[^\n]*\n\s+5\. approval\/callback {2}\[Callback\] {2}STARTED/,
    );
    expect(out).toContain(`Waiting at approval/callback for callback ${callbackId}`);
  });

  it('approves a waiting callback by its id, and the execution goes on to SUCCEEDED with the result it sent', async () => {
    const callbackId = await waitingCallbackId('order-7');
    const approved = await cli('durable', 'approve', callbackId, '--result', '{"approvedBy":"ana"}');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`approved callback ${callbackId}`);
    expect((await ended(orderArn)).Status).toBe('SUCCEEDED');
    const shown = await cli('durable', orderArn);
    expect(shown.stdout).toMatch(/^order-7 {2}SUCCEEDED/);
    expect(shown.stdout).toMatch(
      /approval\/callback {2}\[Callback\] {2}SUCCEEDED[^\n]*\n\s+callback id: .*\n\s+result: {"approvedBy":"ana"}/,
    );
    expect(shown.stdout).toContain('"approval":{"approvedBy":"ana"}');
    expect(shown.stdout).not.toContain('Waiting at');
  });

  it('refuses a waiting callback, and the execution fails with the error it sent', async () => {
    const callbackId = await waitingCallbackId('ask-1');
    const refused = await cli('durable', 'refuse', callbackId, '--error', 'Refused', '--reason', 'not this one');
    expect(refused.code, refused.stderr).toBe(0);
    expect((await ended(refusedArn)).Status).toBe('FAILED');
    const shown = await cli('durable', 'ask-1');
    expect(shown.stdout).toMatch(/^ask-1 {2}FAILED/);
    expect(shown.stdout).toContain('error: Refused: not this one');
  });

  it('switchyard failures lists the failed durable execution with its error, as a source of its own', async () => {
    await ended(refusedArn);
    const all = await cli('failures');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(
      /callback-only\s+execution\s+ask-1\s+-\s+FAILED \S+: not this one \[durable: not redrivable, start it again\]/,
    );
    expect(all.stdout).not.toContain('order-7');
    const one = await cli('failures', '--source', 'callback-only', '--json');
    expect(JSON.parse(one.stdout).executions).toMatchObject([{ flow: 'callback-only', type: 'DURABLE', name: 'ask-1', status: 'FAILED' }]);
  });

  it('switchyard trace follows an invocation into the durable execution it started, with its status', async () => {
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'starter', Payload: payload({ name: 'from-cli' }) }));
    const traced = await cli('trace', invoked.$metadata.requestId ?? '');
    expect(traced.code, traced.stderr).toBe(0);
    expect(traced.stdout).toMatch(/starter[^\n]*\n(.*\n)*?.*execution: callback-only durable execution from-cli {2}\[running\]/);
  });

  it('fails if the callback does not exist or is already answered', async () => {
    const missing = await cli('durable', 'approve', 'bm9wZQ==');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no callback bm9wZQ==');
  });

  it('fails if no durable execution has the name', async () => {
    const shown = await cli('durable', 'no-such-order');
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain('no durable execution named "no-such-order"');
  });
});
