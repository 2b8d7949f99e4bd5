import { describe, expect, it } from 'vitest';
import { withForkEntry } from '../../contracts/fork.js';
import { FORK_ENTRY_STATE } from '../../contracts/fork-names.js';
import { type ForkHistoryEvent, forkStart, forkStarts, withoutForkEntry } from '../../contracts/fork-starts.js';

/** A history as GetExecutionHistory gives it, from `[type, name, input or assigned variables]` rows. */
function history(rows: readonly (readonly [string, string, unknown?])[]): ForkHistoryEvent[] {
  return rows.map(([type, name, data], i) => {
    if (type.endsWith('StateEntered')) return { id: i + 1, type, stateEnteredEventDetails: { name, input: JSON.stringify(data ?? {}) } };
    if (type.endsWith('StateExited')) {
      const assigned = Object.fromEntries(Object.entries((data ?? {}) as object).map(([k, v]) => [k, JSON.stringify(v)]));
      return { id: i + 1, type, stateExitedEventDetails: { name, output: '{}', assignedVariables: assigned } };
    }
    return { id: i + 1, type };
  });
}

describe('forkStarts', () => {
  it('lists each top-level state as last entered, with its input and the variables set before it, and none inside a Parallel', () => {
    const events = history([
      ['ExecutionStarted', ''],
      ['PassStateEntered', 'Outline', { n: 1 }],
      ['PassStateExited', 'Outline', { topic: 'otters' }],
      ['ParallelStateEntered', 'Both', { n: 2 }],
      ['PassStateEntered', 'Left', { n: 3 }],
      ['PassStateExited', 'Left'],
      ['ParallelStateExited', 'Both'],
      ['PassStateEntered', 'Outline', { n: 4 }],
      ['PassStateExited', 'Outline'],
    ]);
    expect(forkStarts(events).map((s) => [s.name, JSON.parse(s.input), s.variables])).toEqual([
      ['Both', { n: 2 }, { topic: 'otters' }],
      ['Outline', { n: 4 }, { topic: 'otters' }],
    ]);
    expect(() => forkStart(events, 'Left')).toThrow(
      'Cannot fork from Left: Left ran inside a Parallel branch or a Map iteration, which a fork cannot begin in; a fork can begin at Both, Outline',
    );
  });

  it("leaves out a Workflow's fork entry and the state it routed a fork to, keeping the variables that state restored", () => {
    const events = history([
      ['ExecutionStarted', ''],
      ['ChoiceStateEntered', FORK_ENTRY_STATE, { switchyardFork: { from: 'Draft' } }],
      ['ChoiceStateExited', FORK_ENTRY_STATE],
      ['PassStateEntered', 'Fork to Draft', { switchyardFork: { from: 'Draft' } }],
      ['PassStateExited', 'Fork to Draft', { topic: 'otters' }],
      ['PassStateEntered', 'Draft', { prompt: 'p' }],
      ['PassStateExited', 'Draft'],
    ]);
    expect(forkStarts(events)).toEqual([{ name: 'Draft', input: '{"prompt":"p"}', variables: { topic: 'otters' }, enteredEventId: 6 }]);
    expect(() => forkStart(events, 'Fork to Draft')).toThrow(
      'Cannot fork from Fork to Draft: Fork to Draft is a state of the fork entry, which routes a fork to its state; a fork can begin at Draft',
    );
  });

  it('keeps a flow state named like a fork state when no fork entry routed to it', () => {
    const events = history([
      ['PassStateEntered', 'Fork to sea', { n: 1 }],
      ['PassStateExited', 'Fork to sea'],
    ]);
    expect(forkStarts(events).map((s) => s.name)).toEqual(['Fork to sea']);
  });
});

describe('withoutForkEntry', () => {
  it('gives back the definition withForkEntry was given, and any other as it is', () => {
    const flow = { StartAt: 'Draft', States: { Draft: { Type: 'Pass', Assign: { n: 1 }, Next: 'Done' }, Done: { Type: 'Succeed' } } };
    expect(withoutForkEntry(withForkEntry(flow))).toEqual(flow);
    expect(withoutForkEntry(flow)).toBe(flow);
  });
});
