import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type HistoryEvent, realSleep } from '../../../local/states/engine/index.js';
import { type ExecutionRecord, ExecutionStore } from '../../../local/states/execution-store.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { createMachine, createStates, errorCode, executionArn, finished, historyTypes, type TestStates } from './helpers.js';

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:bench';
const execution = (name: string, startDate: number): ExecutionRecord => ({
  arn: `arn:aws:states:us-east-1:000000000000:execution:bench:${name}`,
  stateMachineArn: MACHINE,
  stateMachineName: 'bench',
  name,
  status: 'RUNNING',
  definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
  roleArn: 'arn:aws:iam::000000000000:role/r',
  input: '{}',
  startDate,
  redriveCount: 0,
});
/** A state's entry as the engine records it, its input about 800 bytes of JSON (as a pass chain's). */
const entered = (id: number): HistoryEvent => ({
  id,
  previousEventId: id - 1,
  timestamp: 1_700_000_000_000 + id,
  type: 'PassStateEntered',
  stateEnteredEventDetails: { name: `S${id}`, input: JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ i, id })) }) },
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'execution-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ExecutionStore', () => {
  it('writes the history of executions running side by side in a few pages a commit, not a page per execution', async () => {
    const file = path.join(dir, 'states.sqlite');
    const db = openDatabase(file);
    db.exec('PRAGMA wal_autocheckpoint = 0');
    const store = new ExecutionStore(db);
    // Names are UUIDs unless given: executions running together are anywhere in ARN order.
    const records = Array.from({ length: 200 }, (_, i) => execution(`${((i * 7919) % 1000).toString(16)}-${i}`, 1_700_000_000_000 + i));
    for (const record of records) store.queueExecution(record);
    await store.committed();
    const walBefore = statSync(`${file}-wal`).size;
    let eventBytes = 0;
    for (let batch = 0; batch < records.length; batch += 10) {
      // Ten at a time, each state's events committed in one group as the engine emits them.
      for (let id = 1; id <= 20; id++) {
        for (const record of records.slice(batch, batch + 10)) {
          const event = entered(id);
          eventBytes += JSON.stringify(event).length;
          store.queueEvent(record.arn, event);
        }
        await store.committed();
      }
    }
    const written = statSync(`${file}-wal`).size - walBefore;
    const one = records.at(17);
    expect(store.history(String(one?.arn)).map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // About 4 bytes of log per byte of history; keyed by the ARN alone it was over 15.
    expect(written / eventBytes).toBeLessThan(6);
    db.close();
  });

  it('writes the events an execution emits between two commits as one row, not a row each', async () => {
    const file = path.join(dir, 'states.sqlite');
    const db = openDatabase(file);
    db.exec('PRAGMA wal_autocheckpoint = 0');
    const store = new ExecutionStore(db);
    const records = Array.from({ length: 100 }, (_, i) => execution(`whole-${i}`, 1_700_000_000_000 + i));
    for (const record of records) store.queueExecution(record);
    await store.committed();
    const walBefore = statSync(`${file}-wal`).size;
    let eventBytes = 0;
    for (let batch = 0; batch < records.length; batch += 10) {
      // A Pass chain's: every event of ten executions in one group commit.
      for (const record of records.slice(batch, batch + 10)) {
        for (let id = 1; id <= 20; id++) {
          const event = entered(id);
          eventBytes += JSON.stringify(event).length;
          store.queueEvent(record.arn, event);
        }
      }
      await store.committed();
    }
    const written = statSync(`${file}-wal`).size - walBefore;
    expect(store.history(String(records.at(42)?.arn))).toEqual(Array.from({ length: 20 }, (_, i) => entered(i + 1)));
    expect(store.lastEventId(String(records.at(42)?.arn))).toBe(20);
    // 1.15 bytes of log per byte of history; a row per event (and its key entry) wrote 1.5.
    expect(written / eventBytes).toBeLessThan(1.3);
    db.close();
  });

  it('stores a payload that repeats the one before it once, and reads the history back as it was emitted', async () => {
    const db = new DatabaseSync(':memory:');
    const store = new ExecutionStore(db);
    const record = execution('chain', 1_700_000_000_000);
    store.queueExecution(record);
    const payload = (n: number) => JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ i, n })) });
    const events: HistoryEvent[] = [
      {
        id: 1,
        previousEventId: 0,
        timestamp: 1,
        type: 'ExecutionStarted',
        executionStartedEventDetails: { input: payload(0), roleArn: 'r' },
      },
    ];
    for (let n = 0; n < 5; n++) {
      const id = events.length + 1;
      events.push(
        {
          id,
          previousEventId: id - 1,
          timestamp: id,
          type: 'PassStateEntered',
          stateEnteredEventDetails: { name: `S${n}`, input: payload(n) },
        },
        {
          id: id + 1,
          previousEventId: id,
          timestamp: id + 1,
          type: 'PassStateExited',
          stateExitedEventDetails: { name: `S${n}`, output: payload(n + 1) },
        },
      );
    }
    events.push({
      id: 12,
      previousEventId: 11,
      timestamp: 12,
      type: 'ExecutionSucceeded',
      executionSucceededEventDetails: { output: payload(5) },
    });
    const emitted = structuredClone(events);
    for (const event of events) store.queueEvent(record.arn, event);
    await store.committed();
    expect(store.history(record.arn)).toEqual(emitted);
    // Its keys in their order too: GetExecutionHistory's JSON is as it was.
    expect(JSON.stringify(store.history(record.arn))).toBe(JSON.stringify(emitted));
    expect(events).toEqual(emitted);
    // The engine's keys are not written: each event is an array of its fields.
    expect(db.prepare('SELECT events FROM sfn_event_groups').get()?.events).not.toMatch(/previousEventId|timestamp|EventDetails/);
    const stored = db.prepare('SELECT SUM(length(events) + length(payloads)) AS n FROM sfn_event_groups').get()?.n as number;
    // Six payloads written once each instead of twelve.
    expect(stored / JSON.stringify(events).length).toBeLessThan(0.6);
    // Beside the events, as they are: not escaped inside the events' JSON.
    expect(db.prepare('SELECT payloads FROM sfn_event_groups').get()?.payloads).toBe(
      Array.from({ length: 6 }, (_, n) => payload(n)).join(''),
    );
  });

  it('leaves out a moved payload\'s `{"truncated":false}` details and reads them back in their place', async () => {
    const db = new DatabaseSync(':memory:');
    const store = new ExecutionStore(db);
    const record = execution('details', 1_700_000_000_000);
    store.queueExecution(record);
    const no = { truncated: false };
    const events: HistoryEvent[] = [
      {
        id: 1,
        previousEventId: 0,
        timestamp: 1,
        type: 'ExecutionStarted',
        executionStartedEventDetails: { input: '{"a":1}', inputDetails: no, roleArn: 'r' },
      },
      // Its input repeats the last payload; its details are not `{"truncated":false}` alone.
      {
        id: 2,
        previousEventId: 1,
        timestamp: 2,
        type: 'PassStateEntered',
        stateEnteredEventDetails: { input: '{"a":1}', inputDetails: { truncated: true }, name: 'P' },
      },
      // Its details' key not right after its payload; then a payload that stays in its event.
      {
        id: 3,
        previousEventId: 2,
        timestamp: 3,
        type: 'PassStateExited',
        stateExitedEventDetails: { output: '2', name: 'P', outputDetails: no },
      },
      {
        id: 4,
        previousEventId: 3,
        timestamp: 4,
        type: 'PassStateEntered',
        stateEnteredEventDetails: { input: '"\ud800"', inputDetails: no, name: 'Q' },
      },
      {
        id: 5,
        previousEventId: 4,
        timestamp: 5,
        type: 'PassStateExited',
        stateExitedEventDetails: { name: 'Q', output: '"\ud800"', outputDetails: no },
      },
      {
        id: 6,
        previousEventId: 5,
        timestamp: 6,
        type: 'ExecutionSucceeded',
        executionSucceededEventDetails: { output: '3', outputDetails: no },
      },
    ];
    const emitted = structuredClone(events);
    for (const event of events) store.queueEvent(record.arn, event);
    await store.committed();
    expect(JSON.stringify(store.history(record.arn))).toBe(JSON.stringify(emitted));
    expect(events).toEqual(emitted);
    const row = db.prepare('SELECT events FROM sfn_event_groups').get()?.events as string;
    // Left out of the first event, the fifth (a repeat) and the last; kept where they are something else or apart from their payload.
    expect(row.match(/"truncated":false/g)).toHaveLength(2);
    expect(row.match(/"truncated":true/g)).toHaveLength(1);
  });

  it('reads back a payload that holds a lone surrogate and an empty one as they were emitted', async () => {
    const store = new ExecutionStore(new DatabaseSync(':memory:'));
    const record = execution('odd', 1_700_000_000_000);
    store.queueExecution(record);
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionStarted', executionStartedEventDetails: { input: '{"a":"\ud800"}' } },
      {
        id: 2,
        previousEventId: 1,
        timestamp: 2,
        type: 'PassStateEntered',
        stateEnteredEventDetails: { name: 'P', input: '"\ud800 alone"' },
      },
      { id: 3, previousEventId: 2, timestamp: 3, type: 'PassStateExited', stateExitedEventDetails: { name: 'P', output: '' } },
      { id: 4, previousEventId: 3, timestamp: 4, type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '"😀"' } },
    ];
    for (const event of events) store.queueEvent(record.arn, event);
    await store.committed();
    expect(store.history(record.arn)).toEqual(events);
  });

  it('reads back events of other shapes than the engine gives them as they were emitted', async () => {
    const store = new ExecutionStore(new DatabaseSync(':memory:'));
    const record = execution('shapes', 1_700_000_000_000);
    store.queueExecution(record);
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, timestamp: 5, type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}' } },
      // No details, a timestamp before the last one's, keys in another order, a key of its own.
      { id: 2, previousEventId: 1, timestamp: 3, type: 'WaitStateAborted' },
      { type: 'PassStateEntered', id: 3, previousEventId: 2, timestamp: 6, stateEnteredEventDetails: { name: 'P', input: '{}' } },
      {
        id: 4,
        previousEventId: 3,
        timestamp: 7,
        type: 'PassStateExited',
        stateExitedEventDetails: { name: 'P', output: '1' },
        extra: true,
      },
      { id: 5, previousEventId: 4, timestamp: 8, type: 'SomethingNew', somethingNewEventDetails: { output: '2' } },
    ];
    for (const event of events) store.queueEvent(record.arn, event);
    await store.committed();
    expect(JSON.stringify(store.history(record.arn))).toBe(JSON.stringify(events));
  });

  it('reads the history rows the last version wrote, their payloads inside their events', () => {
    const db = new DatabaseSync(':memory:');
    const store = new ExecutionStore(db);
    const record = execution('last-version', 1_700_000_000_000);
    const input = JSON.stringify({ quoted: '"a"' });
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionStarted', executionStartedEventDetails: { input, roleArn: 'r' } },
      {
        id: 2,
        previousEventId: 1,
        timestamp: 2,
        type: 'PassStateEntered',
        stateEnteredEventDetails: { name: 'P', input, inputDetails: { truncated: false } },
      },
    ];
    store.queueExecution(record);
    return store.committed().then(() => {
      const stored = [events[0], { ...events[1], stateEnteredEventDetails: { name: 'P', input: 0, inputDetails: { truncated: false } } }];
      db.prepare('INSERT INTO sfn_event_groups (start_date, execution_arn, first_id, last_id, events) VALUES (?, ?, 1, 2, ?)').run(
        record.startDate,
        record.arn,
        JSON.stringify(stored),
      );
      expect(JSON.stringify(store.history(record.arn))).toBe(JSON.stringify(events));
    });
  });

  it('keeps the history a data folder of an earlier version held, and drops its table', () => {
    const db = new DatabaseSync(':memory:');
    db.exec(`CREATE TABLE sfn_executions (
        arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL, state_machine_name TEXT NOT NULL, name TEXT NOT NULL,
        status TEXT NOT NULL, definition TEXT NOT NULL, role_arn TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT,
        cause TEXT, start_date INTEGER NOT NULL, stop_date INTEGER, redrive_count INTEGER NOT NULL DEFAULT 0,
        redrive_date INTEGER, trace_header TEXT);
      CREATE TABLE sfn_history (
        execution_arn TEXT NOT NULL, id INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (execution_arn, id)) WITHOUT ROWID;`);
    const record = execution('old', 1_700_000_000_000);
    db.prepare(
      `INSERT INTO sfn_executions (arn, state_machine_arn, state_machine_name, name, status, definition, role_arn, input, start_date)
       VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?)`,
    ).run(record.arn, MACHINE, 'bench', 'old', record.definition, record.roleArn, '{}', record.startDate);
    const insert = db.prepare('INSERT INTO sfn_history (execution_arn, id, event) VALUES (?, ?, ?)');
    for (const id of [2, 1]) insert.run(record.arn, id, JSON.stringify(entered(id)));
    const store = new ExecutionStore(db);
    expect(store.history(record.arn)).toEqual([entered(1), entered(2)]);
    expect(store.lastEventId(record.arn)).toBe(2);
    // Its definition, held in its row.
    expect(store.execution(record.arn)?.definition).toBe(record.definition);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'sfn_history'").get()).toBeUndefined();
    store.queueEvent(record.arn, entered(3));
    expect(new ExecutionStore(db).history(record.arn).map((e) => e.id)).toEqual([1, 2]);
  });

  it('keeps the history a data folder of the last version held, a row per event, and drops its table', async () => {
    const db = new DatabaseSync(':memory:');
    const record = execution('per-event', 1_700_000_000_000);
    const before = new ExecutionStore(db);
    before.queueExecution(record);
    await before.committed();
    db.exec(`CREATE TABLE sfn_events (
        start_date INTEGER NOT NULL, execution_arn TEXT NOT NULL, id INTEGER NOT NULL, event TEXT NOT NULL,
        PRIMARY KEY (start_date, execution_arn, id))`);
    const insert = db.prepare('INSERT INTO sfn_events (start_date, execution_arn, id, event) VALUES (?, ?, ?, ?)');
    for (const id of [2, 1, 3]) insert.run(record.startDate, record.arn, id, JSON.stringify(entered(id)));
    const store = new ExecutionStore(db);
    expect(store.history(record.arn)).toEqual([entered(1), entered(2), entered(3)]);
    expect(store.lastEventId(record.arn)).toBe(3);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'sfn_events'").get()).toBeUndefined();
  });

  it('keeps a definition once for all the executions started with it, and each execution the definition it started with', async () => {
    const db = new DatabaseSync(':memory:');
    const store = new ExecutionStore(db);
    const updated = '{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}';
    const records = [execution('a', 1), execution('b', 2), { ...execution('c', 3), definition: updated }];
    for (const record of records) store.queueExecution(record);
    await store.committed();
    // Its text once a definition, not once an execution.
    expect(
      db
        .prepare('SELECT text FROM sfn_definitions ORDER BY id')
        .all()
        .map((row) => row.text),
    ).toEqual([records[0]?.definition, updated]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sfn_executions WHERE definition = ''").get()?.n).toBe(3);
    const again = new ExecutionStore(db);
    expect(records.map((record) => again.execution(record.arn)?.definition)).toEqual(records.map((record) => record.definition));
    expect(again.queueExecution(execution('d', 4))).toBe(true);
    await again.committed();
    expect(db.prepare('SELECT COUNT(*) AS n FROM sfn_definitions').get()?.n).toBe(2);
    expect(again.execution(execution('d', 4).arn)?.definition).toBe(records[0]?.definition);
  });

  it("closes what an execution waited on in its terminal event's transaction", async () => {
    const store = new ExecutionStore(new DatabaseSync(':memory:'));
    const record = execution('ends', 1_700_000_000_000);
    store.queueExecution(record);
    await store.committed();
    store.openTask('token-1', record.arn, 'token', 1_700_000_000_001);
    store.appendEvent(record.arn, { id: 1, previousEventId: 0, timestamp: 1_700_000_000_002, type: 'ExecutionSucceeded' });
    expect(store.task('token-1')).toMatchObject({ status: 'CLOSED', updatedAt: 1_700_000_000_002 });
    expect(store.execution(record.arn)?.status).toBe('SUCCEEDED');
  });

  it('fails to record an event of an execution it does not hold', async () => {
    const store = new ExecutionStore(new DatabaseSync(':memory:'));
    expect(() => store.appendEvent(execution('missing', 1).arn, entered(1))).toThrow(
      /NOT NULL constraint failed: sfn_event_groups.start_date/,
    );
  });
});

describe('LiveExecutions', () => {
  it('reads no execution that ends back: the status change and whoever waits on its outcome get it as its commit wrote it', async () => {
    let release: () => void = () => {};
    const t = await createStates({ sleep: () => new Promise<void>((resolve) => (release = resolve)) });
    try {
      await createMachine(t.states, 'waits', { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } });
      const { executionArn } = await t.states.StartExecution({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:waits',
      });
      const reads = vi.spyOn(StatementSync.prototype, 'get');
      const outcome = t.states.executionOutcome(executionArn, new AbortController().signal);
      release();
      expect(await outcome).toMatchObject({ executionArn, status: 'SUCCEEDED' });
      expect(
        reads.mock.contexts.filter((statement) => (statement as StatementSync).sourceSQL.endsWith('FROM sfn_executions WHERE arn = ?')),
      ).toHaveLength(0);
      // As the store holds it.
      expect(t.events.serviceEvents.at(-1)?.event.detail).toMatchObject({ executionArn, status: 'SUCCEEDED', output: '{}' });
      expect(await t.states.DescribeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED', output: '{}' });
    } finally {
      vi.restoreAllMocks();
      await t.close();
    }
  });
});

describe('StartExecution of STANDARD executions', () => {
  let t: TestStates;
  beforeEach(async () => {
    // Waits a minute on the real clock: the executions stay RUNNING until the test closes the service.
    t = await createStates({ sleep: realSleep });
    await createMachine(t.states, 'waits', { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } });
  });
  afterEach(() => t.close());
  const start = (name: string, input = '{}') =>
    t.states.StartExecution({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:waits', name, input });

  it('stores executions started together and their first events in one commit, not one commit per execution', async () => {
    const commits = vi.spyOn(t.db, 'exec');
    await Promise.all(Array.from({ length: 10 }, (_, i) => start(`e${i}`)));
    expect(commits.mock.calls.filter(([sql]) => sql === 'COMMIT')).toHaveLength(1);
    for (let i = 0; i < 10; i++)
      expect(await historyTypes(t.states, executionArn('waits', `e${i}`))).toEqual(['ExecutionStarted', 'WaitStateEntered']);
  });

  it('looks no execution up to start one it names itself, and looks one up to start one of a given name', async () => {
    const reads = vi.spyOn(StatementSync.prototype, 'get');
    const lookups = () =>
      reads.mock.contexts.filter((statement) => (statement as StatementSync).sourceSQL.startsWith('SELECT 1 FROM sfn_executions')).length;
    const { executionArn } = await t.states.StartExecution({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:waits' });
    expect(executionArn).toMatch(/:execution:waits:[0-9a-f-]{36}$/);
    expect(lookups()).toBe(0);
    await start('named');
    expect(lookups()).toBe(1);
    vi.restoreAllMocks();
  });

  it('answers two starts of one name at once with the one execution, and refuses one with another input', async () => {
    const [first, again] = await Promise.all([start('same'), start('same')]);
    expect(again.executionArn).toBe(first.executionArn);
    const [started, refused] = await Promise.allSettled([start('twice'), errorCode(start('twice', '{"other":1}'))]);
    expect(started.status).toBe('fulfilled');
    expect(refused).toEqual({ status: 'fulfilled', value: 'ExecutionAlreadyExists' });
  });

  it('fails a start whose commit fails, leaving no execution behind', async () => {
    const queue = ExecutionStore.prototype.queueEvent;
    // An event of no stored execution is refused by the store: the group commit it is in fails.
    vi.spyOn(ExecutionStore.prototype, 'queueEvent').mockImplementationOnce(function (this: ExecutionStore, _arn, event) {
      queue.call(this, executionArn('waits', 'nowhere'), event);
    });
    await expect(start('lost')).rejects.toThrow(/NOT NULL constraint failed/);
    expect(await errorCode(t.states.DescribeExecution({ executionArn: executionArn('waits', 'lost') }))).toBe('ExecutionDoesNotExist');
    vi.restoreAllMocks();
    expect((await start('next')).executionArn).toBe(executionArn('waits', 'next'));
    // The definition the failed commit stored is stored again with the next execution.
    const { definition } = await t.states.DescribeStateMachineForExecution({ executionArn: executionArn('waits', 'next') });
    expect(JSON.parse(definition)).toMatchObject({ StartAt: 'Wait' });
  });
});

describe('The execution rows of STANDARD executions', () => {
  let t: TestStates;
  let file: string;
  const PASS_CHAIN = {
    StartAt: 'S0',
    States: Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `S${i}`,
        {
          Type: 'Pass',
          Comment: `Step ${i} of ten`,
          Result: { i },
          ResultPath: `$.r${i}`,
          ...(i === 9 ? { End: true } : { Next: `S${i + 1}` }),
        },
      ]),
    ),
  };
  beforeEach(async () => {
    file = path.join(dir, 'states.sqlite');
    t = await createStates({ file });
    t.db.exec('PRAGMA wal_autocheckpoint = 0');
    await createMachine(t.states, 'chain', PASS_CHAIN);
  });
  afterEach(() => t.close());
  const run = async (count: number) => {
    for (let batch = 0; batch < count; batch += 10) {
      const started = await Promise.all(
        Array.from({ length: 10 }, () => {
          t.clock.advance(1);
          return t.states.StartExecution({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:chain' });
        }),
      );
      for (const { executionArn } of started) await finished(t.states, executionArn);
    }
  };

  it('names executions started without a name by UUIDs in the order they started', async () => {
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      t.clock.advance(1);
      const { executionArn } = await t.states.StartExecution({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:chain',
      });
      names.push(executionArn.split(':').at(-1) as string);
    }
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...names].sort()).toEqual(names);
  });

  it('writes the rows and index entries of executions started one after another next to each other', async () => {
    await run(500);
    const walBefore = statSync(`${file}-wal`).size;
    await run(500);
    const pagesPerExecution = (statSync(`${file}-wal`).size - walBefore) / 500 / 4096;
    // 2.8 pages; 4.5 with random names, an index by machine in descending order and each row holding its definition.
    expect(pagesPerExecution).toBeLessThan(3);
  });
});
