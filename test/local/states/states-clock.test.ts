import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatesService } from '../../../local/states/states-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { ACCOUNT, callbackState, createMachine, FakeEvents, FakeLambda, FakeSqs, historyTypes, REGION } from './helpers.js';
import { TASK_INTEGRATIONS } from './integrations.js';

const HOUR = 3_600_000;

let states: StatesService | undefined;
afterEach(async () => states?.close());

/** Moves the clock to the next thing that waits on it, once something does. */
async function advanceToNextWake(clock: AdvanceableClock): Promise<void> {
  await vi.waitFor(() => clock.advanceToNextWake() || Promise.reject(new Error('nothing waits on the clock')), { interval: 5 });
}

describe('StatesService on an AdvanceableClock', () => {
  it('runs a Wait state, a retry interval and a task timeout when the clock passes them, not in real time', async () => {
    const clock = new AdvanceableClock();
    const lambda = new FakeLambda();
    let calls = 0;
    lambda.handler = () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('try again'), { name: 'Flaky' });
      return { ok: true };
    };
    states = new StatesService({
      db: openDatabase(':memory:'),
      accountId: ACCOUNT,
      region: REGION,
      clock,
      integrations: TASK_INTEGRATIONS,
      services: { lambda, sqs: new FakeSqs(), events: new FakeEvents() },
    });
    await states.start();
    const stateMachineArn = await createMachine(states, 'slow', {
      StartAt: 'Hour',
      States: {
        Hour: { Type: 'Wait', Seconds: 3600, Next: 'Call' },
        Call: {
          Type: 'Task',
          Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:flaky`,
          Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 600, MaxAttempts: 1 }],
          Next: 'Ask',
        },
        Ask: { ...callbackState('Done'), TimeoutSeconds: 3600, Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Done' }] },
        Done: { Type: 'Succeed' },
      },
    });
    // Read before the start: real milliseconds pass between the start and this line, and each
    // timer is due relative to the instant it was set.
    const started = clock.now();
    const { executionArn } = await states.StartExecution({ stateMachineArn, input: '{}' });
    for (let wake = 0; wake < 3; wake++) await advanceToNextWake(clock);
    await vi.waitFor(async () => expect((await states?.DescribeExecution({ executionArn }))?.status).toBe('SUCCEEDED'), { interval: 5 });
    expect(calls).toBe(2);
    expect(await historyTypes(states, executionArn)).toContain('TaskTimedOut');
    // The clock moved the waits' hour, ten minutes and hour on; real time did not.
    expect(clock.now() - started).toBeGreaterThanOrEqual(2 * HOUR + 10 * 60_000);
  });
});
