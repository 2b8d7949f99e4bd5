import { describe, expect, it } from 'vitest';
import { durableForkStart, durableForkStarts, planDurableFork } from '../../contracts/durable-fork.js';
import { forkCheckpointUpdates, recordedOperations } from '../../contracts/durable-fork-checkpoint.js';
import { ForkNotPossible } from '../../contracts/fork.js';

const op = (Id: string, Name: string | undefined, extra: { Type?: string; Status?: string; ParentId?: string } = {}) => ({
  Id,
  Type: extra.Type ?? 'STEP',
  Status: extra.Status ?? 'SUCCEEDED',
  ...(Name === undefined ? {} : { Name }),
  ...(extra.ParentId ? { ParentId: extra.ParentId } : {}),
});

const PARENT = {
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/run-1/u',
  name: 'run-1',
  input: '{"a":1,"b":2}',
};

describe('durableForkStarts', () => {
  it('names each operation of the handler a fork can begin at, once, in the order they started', () => {
    const operations = [
      op('e', undefined, { Type: 'EXECUTION', Status: 'STARTED' }),
      op('1', 'fetch'),
      op('2', 'review', { Type: 'CONTEXT' }),
      op('3', 'critique', { ParentId: '2' }),
      op('4', 'ask'),
      op('5', 'ask'),
      op('6', 'beside', { Status: 'STARTED' }),
      op('7', 'after'),
    ];
    // `after` comes after `beside`, which had not ended: the fork would have no outcome of it.
    expect(durableForkStarts(operations)).toEqual(['fetch', 'review', 'ask', 'beside']);
  });
});

describe('durableForkStart', () => {
  it('copies the operations of the handler before the step and everything under them, in the order they started', () => {
    const operations = [
      op('e', undefined, { Type: 'EXECUTION', Status: 'STARTED' }),
      op('1', 'fetch'),
      op('2', 'approval', { Type: 'CONTEXT' }),
      op('3', undefined, { Type: 'CALLBACK', ParentId: '2' }),
      op('4', 'pause', { Type: 'WAIT' }),
      op('5', 'summarize', { Type: 'CONTEXT' }),
      op('6', 'inner', { ParentId: '5' }),
      op('7', 'after'),
    ];
    const { start, copied } = durableForkStart(operations, 'summarize');
    expect(start.Id).toBe('5');
    expect(copied.map((o) => o.Id)).toEqual(['1', '2', '3', '4']);
  });

  it('begins at the last run of a step run several times (a loop)', () => {
    const operations = [op('1', 'ask'), op('2', 'ask'), op('3', 'ask')];
    const { start, copied } = durableForkStart(operations, 'ask');
    expect(start.Id).toBe('3');
    expect(copied.map((o) => o.Id)).toEqual(['1', '2']);
  });

  it('fails if an operation before the step had not ended, naming it', () => {
    const operations = [op('1', 'slow', { Status: 'STARTED' }), op('2', 'fast')];
    expect(() => durableForkStart(operations, 'fast')).toThrow(ForkNotPossible);
    expect(() => durableForkStart(operations, 'fast')).toThrow(
      'Cannot fork from fast: slow had not ended when the parent ran it (it is STARTED), so the fork has no outcome of it to begin with; fork from slow instead',
    );
  });

  it('fails if the parent ran no operation of that name, naming those a fork can begin at (named, of the handler itself)', () => {
    const operations = [op('1', 'one'), op('2', undefined), op('3', 'two', { Type: 'WAIT' })];
    expect(() => durableForkStart(operations, 'three')).toThrow(
      'Cannot fork from three: the parent execution never ran an operation named three; a fork can begin at one, two',
    );
  });
});

describe('planDurableFork', () => {
  const operations = [op('1', 'one'), op('2', 'two')];

  it("keeps the parent's event, replaces it with the input or patches it (RFC 7396)", () => {
    expect(planDurableFork(PARENT, operations, { from: 'two' }).input).toBe('{"a":1,"b":2}');
    expect(planDurableFork(PARENT, operations, { from: 'two', input: { c: 3 } }).input).toBe('{"c":3}');
    expect(planDurableFork(PARENT, operations, { from: 'two', patch: { a: null, c: 3 } }).input).toBe('{"b":2,"c":3}');
  });

  it('names the fork after the parent and a digest of the step, the event and the effects, within 64 characters', () => {
    const name = (edit: Parameters<typeof planDurableFork>[2], parent = PARENT) => planDurableFork(parent, operations, edit).name;
    expect(name({ from: 'two' })).toMatch(/^run-1-fork-[A-Za-z0-9]{16}$/);
    expect(name({ from: 'two' })).toBe(name({ from: 'two', effects: 'skip' }));
    expect(name({ from: 'two', patch: { a: 5 } })).not.toBe(name({ from: 'two' }));
    expect(name({ from: 'two', effects: 'rerun' })).not.toBe(name({ from: 'two' }));
    const long = name({ from: 'two' }, { ...PARENT, name: 'x'.repeat(64) });
    expect(long).toHaveLength(64);
  });

  it("fails if the input and a patch are both given, or the parent's event is not JSON and no input replaces it", () => {
    expect(() => planDurableFork(PARENT, operations, { from: 'two', input: {}, patch: {} })).toThrow(
      'Give the input or a patch of it, not both',
    );
    const notJson = { ...PARENT, input: 'not json' };
    expect(() => planDurableFork(notJson, operations, { from: 'two', patch: {} })).toThrow(
      /^Cannot fork .*: its event is not JSON \(give the fork's whole event as its input\)$/,
    );
    expect(planDurableFork(notJson, operations, { from: 'two', input: 'now JSON' }).input).toBe('"now JSON"');
  });
});

describe('recordedOperations', () => {
  it('reads each operation of a history as it ended, with its result or error, in the order they started', () => {
    const events = [
      { EventType: 'ExecutionStarted', Id: 'e' },
      { EventType: 'StepStarted', Id: '1', Name: 'fetch', SubType: 'Step' },
      {
        EventType: 'StepFailed',
        Id: '1',
        Name: 'fetch',
        StepFailedDetails: { Error: { Payload: { ErrorType: 'E' } }, RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 2 } },
      },
      { EventType: 'ContextStarted', Id: '2', Name: 'approval', SubType: 'WaitForCallback' },
      {
        EventType: 'StepSucceeded',
        Id: '1',
        Name: 'fetch',
        StepSucceededDetails: { Result: { Payload: '"page"' }, RetryDetails: { CurrentAttempt: 2 } },
      },
      { EventType: 'CallbackStarted', Id: '3', ParentId: '2', CallbackStartedDetails: { CallbackId: 'c' } },
      { EventType: 'StepStarted', Id: '4', Name: 'slow' },
      {
        EventType: 'StepFailed',
        Id: '4',
        Name: 'slow',
        StepFailedDetails: { Error: { Payload: { ErrorType: 'E' } }, RetryDetails: { NextAttemptDelaySeconds: 5 } },
      },
    ];
    expect(recordedOperations(events)).toEqual([
      { Id: '1', Type: 'STEP', Status: 'SUCCEEDED', Name: 'fetch', SubType: 'Step', result: '"page"' },
      { Id: '2', Type: 'CONTEXT', Status: 'STARTED', Name: 'approval', SubType: 'WaitForCallback' },
      { Id: '3', Type: 'CALLBACK', Status: 'STARTED', ParentId: '2' },
      { Id: '4', Type: 'STEP', Status: 'PENDING', Name: 'slow', error: { ErrorType: 'E' } },
    ]);
  });
});

describe('forkCheckpointUpdates', () => {
  const recorded = (Id: string, Type: string, extra: object = {}) => ({ Id, Type, Status: 'SUCCEEDED', Name: `op${Id}`, ...extra });

  it('starts and ends each step and child context as it ended, leaves a context’s children out, and waits a second for a wait', () => {
    const updates = forkCheckpointUpdates(
      [
        recorded('1', 'STEP', { result: '1' }),
        recorded('2', 'STEP', { Status: 'FAILED', error: { ErrorType: 'E' } }),
        recorded('3', 'CONTEXT', { SubType: 'WaitForCallback', result: '"yes"' }),
        recorded('4', 'CALLBACK', { ParentId: '3' }),
        recorded('5', 'WAIT'),
      ],
      'next',
    );
    expect(updates).toEqual([
      { Id: '1', Name: 'op1', Type: 'STEP', Action: 'START' },
      { Id: '1', Name: 'op1', Type: 'STEP', Action: 'SUCCEED', Payload: '1' },
      { Id: '2', Name: 'op2', Type: 'STEP', Action: 'START' },
      { Id: '2', Name: 'op2', Type: 'STEP', Action: 'FAIL', Error: { ErrorType: 'E' } },
      { Id: '3', Name: 'op3', SubType: 'WaitForCallback', Type: 'CONTEXT', Action: 'START' },
      { Id: '3', Name: 'op3', SubType: 'WaitForCallback', Type: 'CONTEXT', Action: 'SUCCEED', Payload: '"yes"' },
      { Id: '5', Name: 'op5', Type: 'WAIT', Action: 'START', WaitOptions: { WaitSeconds: 1 } },
    ]);
  });

  it('fails if a callback the handler created, a chained invoke or a context summarized for its size comes first, naming it', () => {
    expect(() => forkCheckpointUpdates([recorded('1', 'CALLBACK')], 'next')).toThrow(
      'Cannot fork from next in AWS: op1 comes before it, and it is answered from outside the execution (a callback the handler created, a chained invoke), which a checkpoint cannot record; fork from it instead, or on the local runtime, which forks any durable execution',
    );
    expect(() => forkCheckpointUpdates([recorded('1', 'CHAINED_INVOKE')], 'next')).toThrow(ForkNotPossible);
    expect(() => forkCheckpointUpdates([recorded('1', 'CONTEXT', { result: '' })], 'next')).toThrow(/its result was too large/);
  });
});
