import { afterEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { ACCOUNT, catchInto, caught, createStates, REGION, runCaughtTask, runTaskState, type TestStates } from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:model`;

/** Lambda answering TooManyRequestsException for the first `times` throttled calls, as a function at its reserved concurrency does. */
function throttleFirst(times: number) {
  let throttled = 0;
  const original = t.lambda.invoke.bind(t.lambda);
  t.lambda.invoke = async (name, event, options) => {
    if (options?.throttle && throttled < times) {
      throttled++;
      t.lambda.options.push(options);
      throw new AwsError('TooManyRequestsException', 'Rate Exceeded.', 429);
    }
    return original(name, event, options);
  };
}

describe('Lambda tasks and reserved concurrency', () => {
  it('invokes synchronously with throttling, from lambda:invoke, a function ARN and aws-sdk:lambda:invoke', async () => {
    t = await createStates();
    await runTaskState(
      t.states,
      { Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: FUNCTION, Payload: {} } },
      {},
      'a',
    );
    await runTaskState(t.states, { Resource: FUNCTION }, {}, 'b');
    await runTaskState(t.states, { Resource: 'arn:aws:states:::aws-sdk:lambda:invoke', Parameters: { FunctionName: FUNCTION } }, {}, 'c');
    expect(t.lambda.options.map((options) => options?.throttle)).toEqual([true, true, true]);
    // Every form hands the task's signal to Lambda: a call still waiting for one of the
    // function's local environments when the task gives up is dropped.
    expect(t.lambda.options.map((options) => options?.signal instanceof AbortSignal)).toEqual([true, true, true]);
  });

  it('fails the task with Lambda.TooManyRequestsException when the function is at its concurrency', async () => {
    t = await createStates();
    throttleFirst(1);
    const { status, result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: FUNCTION, Payload: {} },
      ...catchInto('Lambda.TooManyRequestsException'),
    });
    expect(status).toBe('SUCCEEDED');
    expect(caught(result).Error).toBe('Lambda.TooManyRequestsException');
    expect(caught(result).Cause).toContain('Error Code: TooManyRequestsException');
    expect(t.lambda.calls).toEqual([]);
  });

  it('retries a throttled call like any transient Lambda error, and runs it once there is room', async () => {
    t = await createStates();
    throttleFirst(2);
    t.lambda.handler = () => ({ answer: 42 });
    const { status, result } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: FUNCTION, Payload: {} },
      ResultSelector: { 'answer.$': '$.Payload.answer' },
      Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 3 }],
    });
    expect(status).toBe('SUCCEEDED');
    expect(result).toEqual({ answer: 42 });
    expect(t.lambda.calls).toHaveLength(1);
  }, 20_000);
});
