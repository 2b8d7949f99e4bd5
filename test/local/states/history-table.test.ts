import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../local/states/engine/index.js';
import { ExecutionStore } from '../../../local/states/execution-store.js';
import { eventsOf, groupRow, HistoryRowUnreadable } from '../../../local/states/history-table.js';

const record = (name: string) => ({
  arn: `arn:aws:states:us-east-1:000000000000:execution:chain:${name}`,
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:chain',
  stateMachineName: 'chain',
  name,
  status: 'RUNNING' as const,
  definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
  roleArn: 'arn:aws:iam::000000000000:role/r',
  input: '{}',
  startDate: 1_700_000_000_000,
  redriveCount: 0,
});

/** The history of a Pass chain whose states each add a field to their input (a ResultPath), as the engine emits it. */
function passChain(states: number, first: Record<string, unknown>): HistoryEvent[] {
  const no = { truncated: false };
  let value = first;
  const events: HistoryEvent[] = [
    {
      id: 1,
      previousEventId: 0,
      timestamp: 1_700_000_000_000,
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: JSON.stringify(value), inputDetails: no, roleArn: 'r' },
    },
  ];
  for (let n = 0; n < states; n++) {
    const id = events.length + 1;
    const input = JSON.stringify(value);
    value = { ...value, [`r${n}`]: { step: 1, ticket: { id: 'T-1', subject: 'Charged twice' }, n } };
    events.push(
      {
        id,
        previousEventId: id - 1,
        timestamp: 1_700_000_000_000 + id,
        type: 'PassStateEntered',
        stateEnteredEventDetails: { input, inputDetails: no, name: `S${n}` },
      },
      {
        id: id + 1,
        previousEventId: id,
        timestamp: 1_700_000_000_000 + id,
        type: 'PassStateExited',
        stateExitedEventDetails: { name: `S${n}`, output: JSON.stringify(value), outputDetails: no },
      },
    );
  }
  const id = events.length + 1;
  events.push({
    id,
    previousEventId: id - 1,
    timestamp: 1_700_000_000_000 + id,
    type: 'ExecutionSucceeded',
    executionSucceededEventDetails: { output: JSON.stringify(value), outputDetails: no },
  });
  return events;
}

/** The history as SQLite holds and reads it back (its UTF-8 keeps no lone surrogate). */
async function storedAndRead(events: HistoryEvent[]): Promise<{ history: HistoryEvent[]; payloads: string; events: string }> {
  const db = new DatabaseSync(':memory:');
  const store = new ExecutionStore(db);
  const execution = record('x');
  store.queueExecution(execution);
  for (const event of events) store.queueEvent(execution.arn, event);
  await store.committed();
  const row = db.prepare('SELECT events, payloads FROM sfn_event_groups').get() as { events: string; payloads: string };
  return { history: store.history(execution.arn), ...row };
}

describe('groupRow', () => {
  it("writes of each state's output only what it adds to the payload before it, and reads the history back as it was emitted", async () => {
    const events = passChain(10, { step: 1, ticket: { id: 'T-1', subject: 'Charged twice' }, items: [1, 2, 3] });
    const emitted = structuredClone(events);
    const stored = await storedAndRead(events);
    expect(JSON.stringify(stored.history)).toBe(JSON.stringify(emitted));
    expect(events).toEqual(emitted);
    // The execution's input whole, then of each output the field its state added (all but the closing brace is the input's).
    const payloads = emitted.flatMap((e) => {
      const details = (e.executionStartedEventDetails ?? e.stateExitedEventDetails) as { input?: string; output?: string } | undefined;
      return details ? [details.input ?? details.output ?? ''] : [];
    });
    expect(stored.payloads).toBe(
      payloads.map((payload, n) => (n === 0 ? payload : payload.slice(String(payloads[n - 1]).length - 1))).join(''),
    );
    expect(stored.payloads.length / payloads.join('').length).toBeLessThan(0.25);
  });

  it('writes each type once a row, then how many events back it was', async () => {
    const events = passChain(10, { a: 1 });
    const row = groupRow(events);
    expect(row.events.match(/"PassStateEntered"/g)).toHaveLength(1);
    expect(row.events.match(/"PassStateExited"/g)).toHaveLength(1);
    expect(eventsOf([{ ...row }]).map((e) => e.type)).toEqual(events.map((e) => e.type));
  });

  it("writes an event's details as their values when an event of its type before it in the row has their keys", async () => {
    const iteration = (id: number, details: Record<string, unknown>): HistoryEvent => ({
      id,
      previousEventId: 1,
      timestamp: 1_700_000_000_000 + id,
      type: 'MapIterationStarted',
      mapIterationStartedEventDetails: details,
    });
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, timestamp: 1_700_000_000_000, type: 'MapStateStarted', mapStateStartedEventDetails: { length: 3 } },
      iteration(2, { index: 0, name: 'Fan' }),
      iteration(3, { index: 1, name: 'Fan' }),
      // Other keys, or the same in another order: written as they are.
      iteration(4, { index: 2, name: 'Fan', extra: { a: [1] } }),
      iteration(5, { name: 'Fan', index: 3, extra: { a: [1] } }),
      iteration(6, { name: 'Fan', index: 4, extra: [2] }),
      // A key whose value is undefined, which JSON leaves out of an object.
      iteration(7, { name: 'Fan', index: 5, extra: undefined }),
    ];
    const stored = await storedAndRead(structuredClone(events));
    expect(JSON.stringify(stored.history)).toBe(JSON.stringify(events));
    expect(stored.history.at(-1)?.mapIterationStartedEventDetails).toEqual({ name: 'Fan', index: 5 });
    expect(stored.events).toContain('[3,1,1,1,[1,"Fan"]]');
    expect(stored.events).toContain('[6,1,1,1,["Fan",4,[2]]]');
    expect(stored.events.match(/"index"/g)).toHaveLength(4);
  });

  it('shares no prefix that ends between the halves of a surrogate pair', async () => {
    const head = `{"text":"${'x'.repeat(40)}`;
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionStarted', executionStartedEventDetails: { input: `${head}😀"}` } },
      { id: 2, previousEventId: 1, timestamp: 2, type: 'PassStateEntered', stateEnteredEventDetails: { name: 'P', input: `${head}😁"}` } },
      { id: 3, previousEventId: 2, timestamp: 3, type: 'PassStateExited', stateExitedEventDetails: { name: 'P', output: `${head}😀!"}` } },
    ];
    const stored = await storedAndRead(events);
    expect(stored.history).toEqual(events);
    // Shared up to the pair, which is written whole.
    expect(stored.payloads).toBe(`${head}😀"}😁"}😀!"}`);
  });

  it('reads a row as the version before this one wrote it (each type, no shared prefix)', () => {
    // groupRow of main at dd989304, for a two-state chain.
    const row = {
      events:
        '[[1,0,1700000000000,"ExecutionStarted",{"input":-9,"roleArn":"r"}],[2,0,1,"PassStateEntered",{"input":-1,"name":"P"}],' +
        '[3,2,0,"PassStateExited",{"name":"P","output":-15}],[4,3,1,"PassStateEntered",{"input":-1,"name":"Q"}],' +
        '[5,4,0,"PassStateExited",{"name":"Q","output":-21}],[6,5,1,"ExecutionSucceeded",{"output":-1}]]',
      payloads: '{"a":1}{"a":1,"b":2}{"a":1,"b":2,"c":3}',
    };
    const no = { truncated: false };
    const [a, ab, abc] = ['{"a":1}', '{"a":1,"b":2}', '{"a":1,"b":2,"c":3}'];
    const events = [
      {
        id: 1,
        previousEventId: 0,
        timestamp: 1_700_000_000_000,
        type: 'ExecutionStarted',
        executionStartedEventDetails: { input: a, inputDetails: no, roleArn: 'r' },
      },
      {
        id: 2,
        previousEventId: 0,
        timestamp: 1_700_000_000_001,
        type: 'PassStateEntered',
        stateEnteredEventDetails: { input: a, inputDetails: no, name: 'P' },
      },
      {
        id: 3,
        previousEventId: 2,
        timestamp: 1_700_000_000_001,
        type: 'PassStateExited',
        stateExitedEventDetails: { name: 'P', output: ab, outputDetails: no },
      },
      {
        id: 4,
        previousEventId: 3,
        timestamp: 1_700_000_000_002,
        type: 'PassStateEntered',
        stateEnteredEventDetails: { input: ab, inputDetails: no, name: 'Q' },
      },
      {
        id: 5,
        previousEventId: 4,
        timestamp: 1_700_000_000_002,
        type: 'PassStateExited',
        stateExitedEventDetails: { name: 'Q', output: abc, outputDetails: no },
      },
      {
        id: 6,
        previousEventId: 5,
        timestamp: 1_700_000_000_003,
        type: 'ExecutionSucceeded',
        executionSucceededEventDetails: { output: abc, outputDetails: no },
      },
    ];
    expect(JSON.stringify(eventsOf([row]))).toBe(JSON.stringify(events));
  });

  it('refuses a row that names a type or keys by an event it does not hold', () => {
    expect(() => eventsOf([{ events: '[[1,0,1,"ExecutionStarted"],[2,1,0,2]]', payloads: '' }])).toThrow(HistoryRowUnreadable);
    // Values its type's event before it has no keys for.
    const values = '[[1,0,1,"MapIterationStarted",{"index":0}],[2,1,0,1,[1,"Fan"]]]';
    expect(() => eventsOf([{ events: values, payloads: '' }])).toThrow(
      /has 2 details' values the event of its type before it does not name/,
    );
  });
});
