import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../local/store/data-folder.js';
import {
  DurableOutbox,
  type DurableOutboxOptions,
  nextRetry,
  type OutboxHandlerError,
  type OutboxOutcome,
} from '../../../local/store/outbox.js';
import { ManualClock } from '../../../local/time/clock.js';

interface WorkRow {
  id: number;
  body: string;
  lane: string;
  attempts: number;
  next_at: number;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function openWork(file: string): DatabaseSync {
  const db = openDatabase(file);
  db.exec(
    "CREATE TABLE IF NOT EXISTS work (id INTEGER PRIMARY KEY, body TEXT NOT NULL, lane TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL)",
  );
  return db;
}

function outbox(
  db: DatabaseSync,
  clock: ManualClock,
  handle: (row: WorkRow) => Promise<OutboxOutcome>,
  overrides: Partial<DurableOutboxOptions<WorkRow>> = {},
) {
  const errors: OutboxHandlerError[] = [];
  const box = new DurableOutbox<WorkRow>({
    db,
    clock,
    table: { name: 'work', id: 'id', dueAt: 'next_at' },
    handle,
    concurrency: 8,
    maxSleepMs: 20,
    onError: (error) => errors.push(error),
    ...overrides,
  });
  cleanups.push(() => box.stop());
  return { box, errors };
}

function tempFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-outbox-')), 'work.sqlite');
}

function remaining(db: DatabaseSync): WorkRow[] {
  return db.prepare('SELECT * FROM work ORDER BY id').all() as unknown as WorkRow[];
}

describe('DurableOutbox', () => {
  it('handles due rows in the order they are due, the older first among rows due at once', async () => {
    const db = openWork(':memory:');
    const clock = new ManualClock();
    const seen: string[] = [];
    const { box } = outbox(
      db,
      clock,
      async (row) => {
        seen.push(row.body);
        return { kind: 'done' };
      },
      { concurrency: 1 },
    );
    const now = clock.now();
    box.enqueue({ body: 'later', next_at: now + 1000 });
    box.enqueue({ body: 'first' });
    box.enqueue({ body: 'earliest', next_at: now - 5 });
    box.enqueue({ body: 'second' });
    await box.runDue();
    expect(seen).toEqual(['earliest', 'first', 'second']);
    clock.advance(1000);
    await box.runDue();
    expect(seen).toEqual(['earliest', 'first', 'second', 'later']);
    expect(remaining(db)).toEqual([]);
  });

  it('writes a retry with its columns and takes the row up again only when it is due', async () => {
    const db = openWork(':memory:');
    const clock = new ManualClock();
    let calls = 0;
    const { box } = outbox(db, clock, async (row) => {
      calls++;
      if (row.attempts < 2) return { kind: 'retry', at: clock.now() + 1000 * (row.attempts + 1), set: { attempts: row.attempts + 1 } };
      return { kind: 'done' };
    });
    box.enqueue({ body: 'flaky' });
    await box.runDue();
    expect(calls).toBe(1);
    expect(remaining(db)).toMatchObject([{ attempts: 1, next_at: clock.now() + 1000 }]);
    clock.advance(999);
    await box.runDue();
    expect(calls).toBe(1);
    clock.advance(1);
    await box.runDue();
    expect(remaining(db)).toMatchObject([{ attempts: 2, next_at: clock.now() + 2000 }]);
    clock.advance(2000);
    await box.runDue();
    expect(calls).toBe(3);
    expect(remaining(db)).toEqual([]);
  });

  it('wakes on its own timer at the next due time, once started', async () => {
    const db = openWork(':memory:');
    const clock = { now: () => Date.now() } as ManualClock;
    const handled: number[] = [];
    const { box } = outbox(db, clock, async () => {
      handled.push(Date.now());
      return { kind: 'done' };
    });
    box.start();
    const due = Date.now() + 100;
    box.enqueue({ body: 'soon', next_at: due });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(handled).toHaveLength(1);
    expect(handled[0]).toBeGreaterThanOrEqual(due);
  });

  it('takes up a row that falls due while it looks, not a whole longest sleep later', async () => {
    const db = openWork(':memory:');
    // Each look at this clock moves it on a millisecond, as real time moves between two reads on a loaded machine:
    // a row due one tick after the outbox looked for due rows must not be missed when it then looks for the next one.
    let time = Date.UTC(2026, 0, 1);
    const clock = { now: () => time++ } as ManualClock;
    const handled: string[] = [];
    const { box } = outbox(
      db,
      clock,
      async (row) => {
        handled.push(row.body);
        return { kind: 'done' };
      },
      { maxSleepMs: 60_000 },
    );
    for (let n = 1; n <= 20; n++) box.enqueue({ body: `row ${n}`, next_at: time + n });
    box.start();
    await vi.waitFor(() => expect(handled).toHaveLength(20), { timeout: 5_000 });
  });

  it('loses nothing across a crash: rows queued or in flight when the process died are handled after a restart', async () => {
    const file = tempFile();
    const clock = new ManualClock();
    const first = openWork(file);
    // Never settles while the test runs: the process is killed mid-attempt.
    const hung: (() => void)[] = [];
    const { box: before } = outbox(first, clock, () => new Promise<OutboxOutcome>((resolve) => hung.push(() => resolve({ kind: 'keep' }))));
    cleanups.push(() => {
      for (const release of hung) release();
    });
    before.start();
    before.enqueue({ body: 'a' });
    before.enqueue({ body: 'b' });
    await new Promise((resolve) => setImmediate(resolve));
    // The process dies: no stop(), the database is simply left.
    const restarted = openWork(file);
    cleanups.push(() => restarted.close());
    const seen: string[] = [];
    const { box: after } = outbox(restarted, clock, async (row) => {
      seen.push(row.body);
      return { kind: 'done' };
    });
    after.start();
    await after.idle();
    expect(seen).toEqual(['a', 'b']);
    expect(remaining(restarted)).toEqual([]);
  });

  it('leaves nothing to deliver when the transaction that enqueued rolls back', async () => {
    const db = openWork(':memory:');
    const clock = new ManualClock();
    const seen: string[] = [];
    const { box } = outbox(db, clock, async (row) => {
      seen.push(row.body);
      return { kind: 'done' };
    });
    box.start();
    db.exec('BEGIN');
    box.enqueue({ body: 'rolled back' });
    db.exec('ROLLBACK');
    db.exec('BEGIN');
    box.enqueue({ body: 'committed' });
    db.exec('COMMIT');
    await box.idle();
    expect(seen).toEqual(['committed']);
  });

  it('stop waits for the rows in flight and writes their outcomes', async () => {
    const db = openWork(':memory:');
    const clock = new ManualClock();
    let finish: (() => void) | undefined;
    const { box } = outbox(
      db,
      clock,
      (row) =>
        new Promise<OutboxOutcome>((resolve) => {
          finish = () => resolve({ kind: 'done' });
          expect(row.body).toBe('slow');
        }),
    );
    box.start();
    box.enqueue({ body: 'slow' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    let stopped = false;
    const stopping = box.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stopped).toBe(false);
    finish?.();
    await stopping;
    expect(remaining(db)).toEqual([]);
  });

  it('holds a lane to its limit while other lanes go on', async () => {
    const db = openWork(':memory:');
    const clock = new ManualClock();
    const running = new Map<string, number>();
    let most = 0;
    const { box } = outbox(
      db,
      clock,
      async (row) => {
        running.set(row.lane, (running.get(row.lane) ?? 0) + 1);
        if (row.lane === 'narrow') most = Math.max(most, running.get(row.lane) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running.set(row.lane, (running.get(row.lane) ?? 1) - 1);
        return { kind: 'done' };
      },
      { table: { name: 'work', id: 'id', dueAt: 'next_at', lane: 'lane' }, laneLimit: (lane) => (lane === 'narrow' ? 1 : 8) },
    );
    for (let i = 0; i < 4; i++) box.enqueue({ body: `n${i}`, lane: 'narrow' });
    for (let i = 0; i < 4; i++) box.enqueue({ body: `w${i}`, lane: 'wide' });
    await box.runDue();
    expect(most).toBe(1);
    expect(remaining(db)).toEqual([]);
  });

  it('fails if a handler throws: the error is reported with its cause and the row is kept, due again later', async () => {
    const db = openWork(':memory:');
    const clock = new ManualClock();
    const { box, errors } = outbox(db, clock, async () => {
      throw new Error('handler broke');
    });
    box.start();
    box.enqueue({ body: 'x' });
    await box.idle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'OutboxHandlerError', table: 'work' });
    expect(errors[0]?.cause).toMatchObject({ message: 'handler broke' });
    expect(remaining(db)).toMatchObject([{ body: 'x', next_at: clock.now() + 60_000 }]);
  });
});

describe('nextRetry', () => {
  const policy = { maximumRetryAttempts: 3, maximumEventAgeMs: 3_600_000 };

  it('backs off exponentially from one second, with jitter of up to half', () => {
    const now = 1_000_000;
    const delays = [1, 2, 3].map((failures) => {
      const next = nextRetry(policy, { failures, firstAt: now, now }, () => 1);
      return 'at' in next ? next.at - now : undefined;
    });
    expect(delays).toEqual([1000, 2000, 4000]);
    const jittered = nextRetry(policy, { failures: 1, firstAt: now, now }, () => 0);
    expect(jittered).toEqual({ at: now + 500 });
  });

  it('gives up after the maximum retry attempts, or when the next attempt would be past the maximum age', () => {
    expect(nextRetry(policy, { failures: 4, firstAt: 0, now: 0 })).toEqual({ exhausted: 'MaximumRetryAttempts' });
    expect(nextRetry(policy, { failures: 1, firstAt: 0, now: 3_599_600 }, () => 1)).toEqual({ exhausted: 'MaximumEventAgeInSeconds' });
  });
});
