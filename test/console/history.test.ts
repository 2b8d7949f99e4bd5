import { describe, expect, it } from 'vitest';
import { executionOutcome, stateVisits, type WireHistoryEvent } from '../../clients/history-reader.js';

/** History events in order, ids from 1, each pointing at the one before unless given. */
function history(...events: (Omit<WireHistoryEvent, 'id'> & { previousEventId?: number })[]): WireHistoryEvent[] {
  return events.map((e, i) => ({ id: i + 1, previousEventId: i, timestamp: 1_700_000_000 + i, ...e }));
}
const entered = (type: string, name: string, input = '{}') => ({ type: `${type}StateEntered`, stateEnteredEventDetails: { name, input } });
const exited = (type: string, name: string, output = '{}') => ({ type: `${type}StateExited`, stateExitedEventDetails: { name, output } });

describe('stateVisits', () => {
  it('gives each visit its input, output and one succeeded try', () => {
    const visits = stateVisits(
      history(
        { type: 'ExecutionStarted' },
        entered('Task', 'Classify', '{"ticketId":"T-1"}'),
        { type: 'TaskScheduled' },
        { type: 'TaskStarted' },
        { type: 'TaskSucceeded' },
        exited('Task', 'Classify', '{"queue":"billing"}'),
        { type: 'ExecutionSucceeded' },
      ),
    );
    expect(visits).toMatchObject([
      {
        name: 'Classify',
        type: 'Task',
        input: '{"ticketId":"T-1"}',
        output: '{"queue":"billing"}',
        status: 'succeeded',
        attempts: [{ outcome: 'succeeded' }],
      },
    ]);
    expect(visits[0]?.eventIds).toEqual([2, 3, 4, 5, 6]);
  });

  it('shows retries as failed tries before the one that succeeded', () => {
    const [visit] = stateVisits(
      history(
        entered('Task', 'Classify'),
        { type: 'TaskScheduled' },
        { type: 'TaskFailed', taskFailedEventDetails: { error: 'ModelThrottled', cause: 'slow down' } },
        { type: 'TaskScheduled' },
        { type: 'TaskTimedOut', taskTimedOutEventDetails: { error: 'States.Timeout' } },
        { type: 'TaskScheduled' },
        { type: 'TaskSucceeded' },
        exited('Task', 'Classify'),
      ),
    );
    expect(visit?.attempts).toEqual([
      { outcome: 'failed', error: 'ModelThrottled', cause: 'slow down' },
      { outcome: 'timed out', error: 'States.Timeout', cause: undefined },
      { outcome: 'succeeded' },
    ]);
    expect(visit?.status).toBe('succeeded');
  });

  it('marks a state whose error a Catch took as caught, with the state it went to', () => {
    const visits = stateVisits(
      history(
        entered('Task', 'Classify'),
        { type: 'LambdaFunctionScheduled' },
        { type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error: 'Boom', cause: 'bad' } },
        exited('Task', 'Classify'),
        entered('Pass', 'ModelFailed'),
        exited('Pass', 'ModelFailed'),
      ),
    );
    expect(visits.map((v) => [v.name, v.status])).toEqual([
      ['Classify', 'caught'],
      ['ModelFailed', 'succeeded'],
    ]);
    expect(visits[0]).toMatchObject({ error: { error: 'Boom', cause: 'bad' }, caughtNext: 'ModelFailed' });
  });

  it('fails the state that was open when the execution failed', () => {
    const visits = stateVisits(
      history(
        entered('Task', 'Call'),
        { type: 'TaskScheduled' },
        { type: 'TaskFailed', taskFailedEventDetails: { error: 'Nope', cause: 'no' } },
        { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'Nope', cause: 'no' } },
      ),
    );
    expect(visits).toMatchObject([{ name: 'Call', status: 'failed', error: { error: 'Nope' } }]);
  });

  it('says which states a stopped or timed-out execution cut off, and not of a state that failed by itself', () => {
    const stopped = stateVisits(
      history(
        entered('Wait', 'Hold'),
        entered('Task', 'Call'),
        { type: 'TaskScheduled' },
        { type: 'TaskStateAborted' },
        { type: 'ExecutionAborted' },
      ),
    );
    expect(stopped).toMatchObject([
      { name: 'Hold', status: 'failed', cutOffBy: 'ABORTED' },
      { name: 'Call', status: 'failed', cutOffBy: 'ABORTED' },
    ]);
    const timedOut = stateVisits(
      history(entered('Wait', 'Hold'), { type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: 'States.Timeout' } }),
    );
    expect(timedOut).toMatchObject([{ name: 'Hold', status: 'failed', cutOffBy: 'TIMED_OUT', error: { error: 'States.Timeout' } }]);
    const failed = stateVisits(
      history(
        entered('Task', 'Call'),
        { type: 'TaskFailed', taskFailedEventDetails: { error: 'Nope' } },
        { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'Nope' } },
      ),
    );
    expect(failed[0]?.cutOffBy).toBeUndefined();
  });

  it('marks the visits the execution failed in as redriven when a redrive runs it again, and only those', () => {
    const visits = stateVisits(
      history(
        entered('Pass', 'Prepare'),
        exited('Pass', 'Prepare'),
        entered('Task', 'Reserve'),
        { type: 'TaskScheduled' },
        { type: 'TaskFailed', taskFailedEventDetails: { error: 'Error', cause: 'no stock' } },
        { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'Error', cause: 'no stock' } },
        { type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount: 1 } },
        entered('Task', 'Reserve'),
        { type: 'TaskScheduled' },
        { type: 'TaskSucceeded', taskSucceededEventDetails: { output: '{}' } },
        exited('Task', 'Reserve'),
        { type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '{}' } },
      ),
    );
    expect(visits.map((v) => [v.name, v.status, v.redriven ?? false])).toEqual([
      ['Prepare', 'succeeded', false],
      ['Reserve', 'failed', true],
      ['Reserve', 'succeeded', false],
    ]);
  });

  it('keeps a waiting task running', () => {
    const [visit] = stateVisits(history(entered('Task', 'AwaitDecision'), { type: 'TaskScheduled' }, { type: 'TaskStarted' }));
    expect(visit).toMatchObject({ status: 'running', attempts: [{ outcome: 'running' }] });
    expect(visit?.output).toBeUndefined();
  });

  it('keeps interleaved Parallel branches apart by previousEventId', () => {
    // 1 Parallel entered, 2 started; branch A (3,5,7,9) and branch B (4,6,8,10) interleave.
    const events: WireHistoryEvent[] = [
      { id: 1, previousEventId: 0, ...entered('Parallel', 'Both') },
      { id: 2, previousEventId: 1, type: 'ParallelStateStarted' },
      { id: 3, previousEventId: 2, ...entered('Task', 'A') },
      { id: 4, previousEventId: 2, ...entered('Task', 'B') },
      { id: 5, previousEventId: 3, type: 'TaskScheduled' },
      { id: 6, previousEventId: 4, type: 'TaskScheduled' },
      { id: 7, previousEventId: 5, type: 'TaskFailed', taskFailedEventDetails: { error: 'AErr' } },
      { id: 8, previousEventId: 6, type: 'TaskSucceeded' },
      { id: 9, previousEventId: 7, type: 'TaskScheduled' },
      { id: 10, previousEventId: 8, ...exited('Task', 'B') },
      { id: 11, previousEventId: 9, type: 'TaskSucceeded' },
      { id: 12, previousEventId: 11, ...exited('Task', 'A') },
      { id: 13, previousEventId: 12, type: 'ParallelStateSucceeded' },
      { id: 14, previousEventId: 13, ...exited('Parallel', 'Both') },
    ];
    const visits = stateVisits(events);
    const byName = Object.fromEntries(visits.map((v) => [v.name, v]));
    expect(byName.A?.attempts.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(byName.B?.attempts.map((a) => a.outcome)).toEqual(['succeeded']);
    expect(visits.map((v) => v.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('fails the branch states still open when a Parallel state exits caught', () => {
    const visits = stateVisits(
      history(
        entered('Parallel', 'Both'),
        { type: 'ParallelStateStarted' },
        entered('Task', 'A'),
        { type: 'TaskScheduled' },
        { type: 'TaskFailed', taskFailedEventDetails: { error: 'AErr' } },
        { type: 'ParallelStateFailed', parallelStateFailedEventDetails: { error: 'AErr' } },
        exited('Parallel', 'Both'),
        entered('Pass', 'Fallback'),
      ),
    );
    expect(visits.map((v) => [v.name, v.status])).toEqual([
      ['Both', 'caught'],
      ['A', 'failed'],
      ['Fallback', 'running'],
    ]);
  });
});

describe('executionOutcome', () => {
  it('is RUNNING until an end event, then its status with error and cause', () => {
    expect(executionOutcome(history({ type: 'ExecutionStarted' })).status).toBe('RUNNING');
    expect(
      executionOutcome(
        history({ type: 'ExecutionStarted' }, { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'E', cause: 'C' } }),
      ),
    ).toEqual({ status: 'FAILED', error: 'E', cause: 'C', output: undefined });
    expect(executionOutcome(history({ type: 'ExecutionTimedOut' })).status).toBe('TIMED_OUT');
  });
});
