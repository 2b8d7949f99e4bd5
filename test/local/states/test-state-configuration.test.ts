import { afterEach, describe, expect, it } from 'vitest';
import { createStates, type TestStates } from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

/** A Lambda task with one retrier for Throttled (at most 2 retries, 2 s then 6 s apart) and a catch-all. */
const TASK = JSON.stringify({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: 'judge' },
  Retry: [
    { ErrorEquals: ['Throttled'], MaxAttempts: 2, IntervalSeconds: 2, BackoffRate: 3 },
    { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
  ],
  Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }],
  Next: 'Done',
});
const throttled = { errorOutput: { error: 'Throttled', cause: 'slow down' } };

describe('StatesService TestState stateConfiguration.retrierRetryCount', () => {
  it('reports RETRIABLE while the retrier that applies has attempts left, with its index and backoff', async () => {
    t = await createStates();
    const first = await t.states.TestState({ definition: TASK, mock: throttled, inspectionLevel: 'DEBUG' });
    expect(first).toMatchObject({ status: 'RETRIABLE', error: 'Throttled', cause: 'slow down' });
    expect(first.inspectionData).toMatchObject({ errorDetails: { retryIndex: 0, retryBackoffIntervalSeconds: 2 } });
    const second = await t.states.TestState({
      definition: TASK,
      mock: throttled,
      inspectionLevel: 'DEBUG',
      stateConfiguration: { retrierRetryCount: 1 },
    });
    expect(second).toMatchObject({ status: 'RETRIABLE' });
    expect(second.inspectionData).toMatchObject({ errorDetails: { retryIndex: 0, retryBackoffIntervalSeconds: 6 } });
  });

  it('goes to the Catch once that retrier is spent, never to a later retrier that also matches', async () => {
    t = await createStates();
    const spent = await t.states.TestState({
      definition: TASK,
      mock: throttled,
      inspectionLevel: 'DEBUG',
      stateConfiguration: { retrierRetryCount: 2 },
    });
    expect(spent).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'Recover', error: 'Throttled' });
    expect(spent.inspectionData).toMatchObject({ errorDetails: { catchIndex: 0 } });
  });

  it('fails when the retrier is spent and nothing catches the error', async () => {
    t = await createStates();
    const uncaught = JSON.stringify({ ...JSON.parse(TASK), Catch: undefined });
    const result = await t.states.TestState({ definition: uncaught, mock: throttled, stateConfiguration: { retrierRetryCount: 2 } });
    expect(result).toEqual({ status: 'FAILED', error: 'Throttled', cause: 'slow down' });
  });

  it('names the spent retrier in the error details of a state that fails (as AWS answered, recorded)', async () => {
    t = await createStates();
    const uncaught = JSON.stringify({ ...JSON.parse(TASK), Catch: undefined });
    const result = await t.states.TestState({
      definition: uncaught,
      mock: throttled,
      inspectionLevel: 'DEBUG',
      stateConfiguration: { retrierRetryCount: 2 },
    });
    expect(result).toMatchObject({ status: 'FAILED', inspectionData: { errorDetails: { retryIndex: 0 } } });
  });
});

/** A Map over the input's orders whose iterations would call a Lambda function; its result goes to $.charged. */
const MAP = JSON.stringify({
  Type: 'Map',
  ItemsPath: '$.orders',
  ItemProcessor: {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: 'Charge',
    States: { Charge: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'charge' }, End: true } },
  },
  ResultPath: '$.charged',
  Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Refund' }],
  Next: 'Ship',
});
const PARALLEL = JSON.stringify({
  Type: 'Parallel',
  Branches: [
    {
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'a' }, End: true } },
    },
  ],
  ResultSelector: { 'first.$': '$[0]' },
  End: true,
});

describe('StatesService TestState with a Map or Parallel state', () => {
  it('fails without a mock, as AWS documents (an InvalidDefinition, as recorded)', async () => {
    t = await createStates();
    await expect(t.states.TestState({ definition: MAP, input: '{"orders":[1]}' })).rejects.toMatchObject({ code: 'InvalidDefinition' });
    await expect(t.states.TestState({ definition: PARALLEL })).rejects.toMatchObject({ code: 'InvalidDefinition' });
  });

  it('takes the mock as the state s result, through its own result processing, without running an iteration', async () => {
    t = await createStates();
    const map = await t.states.TestState({ definition: MAP, input: '{"orders":[1,2]}', mock: { result: '[{"ok":1},{"ok":2}]' } });
    expect(map).toMatchObject({ status: 'SUCCEEDED', nextState: 'Ship' });
    expect(JSON.parse(String(map.output))).toEqual({ orders: [1, 2], charged: [{ ok: 1 }, { ok: 2 }] });
    const parallel = await t.states.TestState({ definition: PARALLEL, mock: { result: '["a-done"]' } });
    expect(parallel).toEqual({ status: 'SUCCEEDED', output: '{"first":"a-done"}' });
    expect(t.lambda.calls).toEqual([]);
  });

  it('takes a mocked error as the state s failure, which its Catch handles', async () => {
    t = await createStates();
    const result = await t.states.TestState({
      definition: MAP,
      input: '{"orders":[1]}',
      mock: { errorOutput: { error: 'States.ExceedToleratedFailureThreshold', cause: 'too many' } },
    });
    expect(result).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'Refund', error: 'States.ExceedToleratedFailureThreshold' });
  });
});
