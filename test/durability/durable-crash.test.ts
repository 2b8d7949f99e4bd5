import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  SendDurableExecutionCallbackSuccessCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { useCrashableApps } from '../helpers/crashable-apps.js';
import { durableExecutionEnded } from '../helpers/durable-executions.js';
import { credentials, eventually, region } from '../local/helpers.js';
import { callbackIdOf, durableApp, effectsOf, expectOrderShipped } from '../local/lambda/durable/fixture.js';

const crashable = useCrashableApps();

describe('Lambda durable functions durability', () => {
  it('finishes an execution killed with SIGKILL while it waits for its callback, each step’s side effect once', async () => {
    const app = durableApp();
    const runtime = await crashable(app.cdkOut);
    const lambda = new LambdaClient({ endpoint: runtime.endpoint, region, credentials, maxAttempts: 1 });

    const { DurableExecutionArn: arn = '' } = await lambda.send(
      new InvokeCommand({
        FunctionName: 'order-flow:$LATEST',
        InvocationType: 'Event',
        DurableExecutionName: 'crash-1',
        Payload: Buffer.from(JSON.stringify({ orderId: 'k1' })),
      }),
    );
    const callbackId = await eventually(async () => callbackIdOf(app, 'k1'), 30_000, 'the callback id');
    // Killed once the execution is suspended on its callback (its last invocation ended), so
    // that no step is cut short: a step killed mid-way runs again, at least once by design.
    await eventually(
      async () => {
        const { Events = [] } = await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }));
        const started = Events.findIndex((e) => e.EventType === 'CallbackStarted');
        return started >= 0 &&
          Events.at(-1)?.EventType === 'InvocationCompleted' &&
          Events.slice(started).some((e) => e.EventType === 'StepSucceeded')
          ? true
          : undefined;
      },
      30_000,
      'the execution to suspend on its callback',
    );
    await runtime.crash();
    expect((await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }))).Status).toBe('RUNNING');
    await lambda.send(
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('{"approvedBy":"kim"}') }),
    );
    const ended = await durableExecutionEnded(lambda, arn, 'the execution to end after the restart');

    expectOrderShipped(ended, 'k1', 'kim');
    expect(effectsOf(app)).toEqual([
      'reserve k1',
      'charge-attempt k1',
      'charge-attempt k1',
      'charge k1',
      `callback k1 ${callbackId}`,
      'ship k1',
    ]);
  }, 120_000);

  it('invokes again an execution killed in the middle of a step, and ends a wait that was running when it was killed', async () => {
    const app = durableApp();
    const runtime = await crashable(app.cdkOut);
    const lambda = new LambdaClient({ endpoint: runtime.endpoint, region, credentials, maxAttempts: 1 });
    const history = async (arn: string) =>
      (await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }))).Events?.map((e) => e.EventType) ?? [];

    const { DurableExecutionArn: arn = '' } = await lambda.send(
      new InvokeCommand({
        FunctionName: 'slow-step-and-wait:$LATEST',
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ id: 's1' })),
      }),
    );
    await eventually(async () => (effectsOf(app).includes('slow-start s1') ? true : undefined), 30_000, 'the slow step to start');
    // Nothing is due for it after the restart (no wait, no retry): only the invocation it was in owes it a new one.
    await runtime.crash();
    await eventually(
      async () => {
        const types = await history(arn);
        return types.includes('WaitStarted') && types.at(-1) === 'InvocationCompleted' ? true : undefined;
      },
      30_000,
      'the execution to suspend on its wait',
    );
    await runtime.crash();
    const ended = await durableExecutionEnded(lambda, arn, 'the execution to end after the second restart');
    expect(ended.Status).toBe('SUCCEEDED');
    expect(ended.Result).toBe('"done s1"');
    // The step cut short ran again (at least once); the one after the wait ran once.
    expect(effectsOf(app)).toEqual(['slow-start s1', 'slow-start s1', 'slow-end s1', 'after s1']);
    expect(await history(arn)).toEqual(expect.arrayContaining(['WaitStarted', 'WaitSucceeded', 'ExecutionSucceeded']));
  }, 120_000);
});
