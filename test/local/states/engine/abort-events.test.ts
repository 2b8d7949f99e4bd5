import { describe, expect, it } from 'vitest';
import { type HistoryEvent, TaskFailure, type TaskRequest } from '../../../../local/states/engine/index.js';
import { run, stubRunner, types } from './helpers.js';

/**
 * The `*StateAborted` and `MapIterationAborted` events of a failing Parallel or Map state, as
 * AWS's recorded histories show them (LocalStack's test_callback SQS_PARALLEL_WAIT_FOR_TASK_TOKEN,
 * test_error_output's Parallel cases, test_timeouts' test_service_lambda_map_timeout).
 */

const FAIL = 'arn:aws:states:::fail';
const HANG = 'arn:aws:states:::hang';
const OK = 'arn:aws:states:::ok';

/** A task that fails after a turn of the event loop, one that runs until it is stopped, one that succeeds. */
const runner = () =>
  stubRunner({
    [OK]: () => ({}),
    [FAIL]: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new TaskFailure('Boom', 'it broke');
    },
    [HANG]: (req: TaskRequest) =>
      new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(req.signal?.reason), { once: true })),
  });

const task = (resource: string, extra: Record<string, unknown> = {}) => ({ Type: 'Task', Resource: resource, End: true, ...extra });
const branch = (state: Record<string, unknown>, name = 'S') => ({ StartAt: name, States: { [name]: state } });
const parallel = (branches: unknown[], extra: Record<string, unknown> = {}) => ({
  StartAt: 'P',
  States: { P: { Type: 'Parallel', Branches: branches, End: true, ...extra } },
});

const byType = (events: readonly HistoryEvent[], type: string) => events.filter((e) => e.type === type);
const one = (events: readonly HistoryEvent[], type: string) => byType(events, type)[0] as HistoryEvent;

describe('a failing Parallel state', () => {
  it('records TaskStateAborted for the failed Task and ParallelStateFailed, both after its TaskFailed', async () => {
    const definition = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [branch(task(FAIL))],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fallback' }],
          Next: 'Fallback',
        },
        Fallback: { Type: 'Pass', End: true },
      },
    };
    const { events, result } = await run(definition, {}, { taskRunner: runner() });
    expect(result.status).toBe('SUCCEEDED');
    expect(types(events).slice(3, 10)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateAborted',
      'ParallelStateFailed',
      'ParallelStateExited',
    ]);
    const failed = one(events, 'TaskFailed').id;
    expect(one(events, 'TaskStateAborted').previousEventId).toBe(failed);
    expect(one(events, 'ParallelStateFailed').previousEventId).toBe(failed);
    expect(one(events, 'ParallelStateExited').previousEventId).toBe(one(events, 'ParallelStateFailed').id);
  });

  it('aborts the state of every branch still running, the failed one first, and a Parallel state in one with its own branches', async () => {
    const inner = { Type: 'Parallel', Branches: [branch(task(HANG), 'Hang')], End: true };
    const { events, result } = await run(parallel([branch(inner, 'Inner'), branch(task(FAIL), 'Fail')]), {}, { taskRunner: runner() });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'it broke' });
    const failed = one(events, 'TaskFailed').id;
    const after = events.slice(events.findIndex((e) => e.id === failed) + 1);
    expect(types(after)).toEqual([
      'TaskStateAborted',
      'ParallelStateAborted',
      'TaskStateAborted',
      'ParallelStateFailed',
      'ExecutionFailed',
    ]);
    expect(after.slice(0, 4).map((e) => e.previousEventId)).toEqual([failed, failed, failed, failed]);
  });

  it('starts its retry after the TaskFailed, with no ParallelStateFailed for the attempt retried', async () => {
    const retried = { Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 1, IntervalSeconds: 1 }] };
    const { events } = await run(parallel([branch(task(FAIL))], retried), {}, { taskRunner: runner() });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'ParallelStateEntered',
      ...['ParallelStateStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'TaskStateAborted'],
      ...['ParallelStateStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'TaskStateAborted'],
      'ParallelStateFailed',
      'ExecutionFailed',
    ]);
    expect(byType(events, 'ParallelStateStarted')[1]?.previousEventId).toBe(byType(events, 'TaskFailed')[0]?.id);
  });

  it('records no abort for a Task whose error its own Catch takes, nor for a Task failing outside a Parallel or Map', async () => {
    const inBranch = task(FAIL, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }] });
    const caughtInBranch = { StartAt: 'S', States: { S: inBranch, After: { Type: 'Pass', End: true } } };
    const { events } = await run(parallel([caughtInBranch]), {}, { taskRunner: runner() });
    expect(types(events)).not.toContain('TaskStateAborted');
    const top = await run({ StartAt: 'S', States: { S: task(FAIL) } }, {}, { taskRunner: runner() });
    expect(types(top.events).slice(-2)).toEqual(['TaskFailed', 'ExecutionFailed']);
  });
});

describe('a failing inline Map state', () => {
  /** Each iteration's Task runs the resource its item names. */
  const byItem = (extra: Record<string, unknown> = {}) => ({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'S',
          States: { S: { Type: 'Task', Resource: 'arn:aws:states:::by-item', Parameters: { 'resource.$': '$' }, End: true } },
        },
        End: true,
        ...extra,
      },
    },
  });
  const itemRunner = () => {
    const inner = runner();
    return { run: (req: TaskRequest) => inner.run({ ...req, resource: (req.input as { resource: string }).resource }) };
  };

  it('records MapIterationFailed, then TaskStateAborted for its Task and MapIterationAborted and TaskStateAborted for each other iteration', async () => {
    const { events, result } = await run(byItem(), [FAIL, HANG], { taskRunner: itemRunner() });
    expect(result.status).toBe('FAILED');
    const failed = one(events, 'TaskFailed').id;
    const after = events.slice(events.findIndex((e) => e.id === failed) + 1);
    expect(types(after)).toEqual([
      'MapIterationFailed',
      'TaskStateAborted',
      'MapIterationAborted',
      'TaskStateAborted',
      'MapStateFailed',
      'ExecutionFailed',
    ]);
    expect(after.slice(0, 5).map((e) => e.previousEventId)).toEqual([failed, failed, failed, failed, failed]);
    expect(one(events, 'MapIterationAborted').mapIterationAbortedEventDetails).toEqual({ index: 1, name: 'M' });
  });

  it('closes a tolerated failed iteration’s Task after its MapIterationFailed and goes on', async () => {
    const { events, result } = await run(byItem({ ToleratedFailureCount: 1, MaxConcurrency: 1 }), [FAIL, OK], { taskRunner: itemRunner() });
    expect(result.status).toBe('SUCCEEDED');
    const failed = one(events, 'MapIterationFailed');
    expect(events[events.indexOf(failed) + 1]).toMatchObject({ type: 'TaskStateAborted', previousEventId: failed.previousEventId });
    expect(types(events)).not.toContain('MapIterationAborted');
  });
});
