import { describe, expect, it } from 'vitest';
import { type HistoryEvent, parseDefinition, resumeExecution, startExecution } from '../../../../local/states/engine/index.js';
import { ARNS, fakeTime, stubRunner, types } from './helpers.js';

const definition = JSON.stringify({
  StartAt: 'A',
  States: {
    A: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'n.$': '$.n', step: 'A' },
      ResultSelector: { 'n.$': '$.n' },
      Next: 'Check',
    },
    Check: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 1, Next: 'B' }], Default: 'Done' },
    B: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'n.$': '$.n', step: 'B' },
      ResultSelector: { 'n.$': '$.n' },
      Assign: { 'seenB.$': '$.n' },
      Next: 'Wait',
    },
    Wait: { Type: 'Wait', Seconds: 10, Next: 'C' },
    C: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'n.$': '$.n', 'b.$': '$seenB', step: 'C' }, End: true },
    Done: { Type: 'Succeed' },
  },
});

function runner() {
  return stubRunner({ 'arn:aws:states:::lambda:invoke': (req) => ({ ...(req.input as object), n: (req.input as { n: number }).n + 1 }) });
}

async function fullRun() {
  const time = fakeTime();
  const r = runner();
  const handle = startExecution({ ...ARNS, definition, input: '{"n":1}', taskRunner: r, clock: time.clock, sleep: time.sleep });
  const result = await handle.result;
  return { result, events: [...handle.events], calls: r.calls.map((c) => (c.input as { step: string }).step) };
}

async function resumeAfter(events: HistoryEvent[], cut: number) {
  const time = fakeTime(events[cut - 1]?.timestamp);
  const r = runner();
  const sunk: HistoryEvent[] = [];
  const handle = resumeExecution(events.slice(0, cut), {
    ...ARNS,
    definition: parseDefinition(definition),
    taskRunner: r,
    clock: time.clock,
    sleep: time.sleep,
    onHistoryEvent: (e) => {
      sunk.push(e);
    },
  });
  const result = await handle.result;
  return { result, events: [...handle.events], sunk, calls: r.calls.map((c) => (c.input as { step: string }).step) };
}

describe('resumeExecution', () => {
  it('runs the reference execution through every state', async () => {
    const { result, calls } = await fullRun();
    expect(result).toEqual({ status: 'SUCCEEDED', output: '{"n":4,"b":3,"step":"C"}' });
    expect(calls).toEqual(['A', 'B', 'C']);
  });

  // Kill the process after every event in turn: the resumed run must end the same way
  // and never call the runner again for a task whose success is in the history.
  it('reaches the same output from any point of the history without re-running completed tasks', async () => {
    const full = await fullRun();
    for (let cut = 1; cut < full.events.length; cut++) {
      const prefix = full.events.slice(0, cut);
      const resumed = await resumeAfter(full.events, cut);
      expect(resumed.result, `cut after ${prefix.at(-1)?.type} (#${cut})`).toEqual(full.result);
      const completed = prefix.filter((e) => e.type === 'TaskSucceeded').length;
      expect(resumed.calls, `cut after #${cut}`).toEqual(['A', 'B', 'C'].slice(completed));
      expect(types(resumed.events).filter((t) => t.endsWith('StateEntered'))).toEqual(
        types(full.events).filter((t) => t.endsWith('StateEntered')),
      );
      expect(resumed.events.map((e) => e.id)).toEqual(resumed.events.map((_, i) => i + 1));
      expect(resumed.sunk.map((e) => e.id)).toEqual(resumed.events.slice(cut).map((e) => e.id));
    }
  });

  it('restores the variables assigned before the restart', async () => {
    const full = await fullRun();
    const cut = full.events.findIndex((e) => e.type === 'WaitStateEntered') + 1;
    const resumed = await resumeAfter(full.events, cut);
    expect(JSON.parse(resumed.result.output as string).b).toBe(3);
  });

  it('waits only for the rest of a Wait state that had begun', async () => {
    const full = await fullRun();
    const entered = full.events.find((e) => e.type === 'WaitStateEntered') as HistoryEvent;
    const cut = full.events.indexOf(entered) + 1;
    const time = fakeTime(entered.timestamp + 4_000);
    const handle = resumeExecution(full.events.slice(0, cut), {
      ...ARNS,
      definition,
      taskRunner: runner(),
      clock: time.clock,
      sleep: time.sleep,
    });
    await handle.result;
    expect(time.waits).toEqual([6_000]);
  });

  it('returns the recorded result of an execution that had already finished', async () => {
    const full = await fullRun();
    const r = runner();
    const handle = resumeExecution(full.events, { ...ARNS, definition, taskRunner: r });
    expect(await handle.result).toEqual(full.result);
    expect(r.calls).toHaveLength(0);
  });

  it('fails if the history does not start with ExecutionStarted', () => {
    expect(() => resumeExecution([], { ...ARNS, definition })).toThrow(/ExecutionStarted/);
  });
});
