import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { type Clock, systemClock, wakeAfter } from '../time/clock.js';
import { inTransaction } from './transaction.js';

/**
 * Where an outbox keeps its work: a table in the owner's database, in the owner's format
 * (so that data folders written before stay readable). Names are the owner's and are
 * written into SQL as they are.
 */
export interface OutboxTable {
  readonly name: string;
  /** The integer primary key: among rows due at the same time, the older goes first. */
  readonly id: string;
  /** The column holding when the row is due next (clock milliseconds). */
  readonly dueAt: string;
  /** A further SQL condition on a due row, the row aliased as `row` (SNS: only the head of each ordered group). */
  readonly dueWhere?: string;
  /** A column splitting rows into lanes, each with a concurrency of its own (Lambda: the function's name). */
  readonly lane?: string;
}

/**
 * What became of a row once its handler is done with it. `done` removes it; `retry` makes it
 * due again at `at`, with `set` written to the owner's columns (attempt counts, last error);
 * `keep` leaves it as it is, to be taken up after a restart. `settled` runs once that is written.
 */
export type OutboxOutcome =
  | { readonly kind: 'done'; readonly settled?: () => void }
  | { readonly kind: 'retry'; readonly at: number; readonly set?: Readonly<Record<string, SQLInputValue>>; readonly settled?: () => void }
  | { readonly kind: 'keep' };

export interface DurableOutboxOptions<Row> {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly table: OutboxTable;
  /** Works on one due row; the outcome says what becomes of it. */
  readonly handle: (row: Row) => Promise<OutboxOutcome>;
  /** Rows handled at once (in all, and in each lane when `laneLimit` is not given). */
  readonly concurrency: number;
  /** Rows of one lane handled at once (Lambda: the function's concurrency). */
  readonly laneLimit?: (lane: string) => number;
  /** The longest the timer sleeps, so that a clock moved on (a test's, a laptop waking) is noticed within it. */
  readonly maxSleepMs: number;
  /** Told of a handler that threw or an outcome that could not be written; the row is due again after `failureDelayMs`. */
  readonly onError: (error: OutboxHandlerError, row: Row) => void;
  /** @default 60000 */
  readonly failureDelayMs?: number;
}

/** A handler threw, or its outcome could not be written: the row stays and is tried again later. */
export class OutboxHandlerError extends Error {
  override readonly name = 'OutboxHandlerError';
  constructor(
    readonly table: string,
    readonly rowId: number,
    cause: unknown,
  ) {
    super(`outbox ${table}: row ${rowId} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * One durable outbox: the work a service accepted and still owes, kept in a table of its
 * database. A row is written in the transaction that accepts the work (`enqueue`), so
 * "accepted" and "will be done" are one commit; due rows are claimed oldest first into an
 * in-flight set, handled at a bounded concurrency, and removed or rescheduled by their
 * outcome. One timer wakes the outbox at the next due time. Because nothing but the table
 * says what is owed, `start()` after a crash takes up whatever the crash left, rows that
 * were in flight included (at least once, as AWS delivers).
 */
export class DurableOutbox<Row extends object> {
  readonly #table: OutboxTable;
  readonly #statements: Record<'due' | 'dueLanes' | 'dueInLane' | 'delete' | 'nextAfter' | 'any', StatementSync>;
  readonly #inserts = new Map<string, StatementSync>();
  readonly #updates = new Map<string, StatementSync>();
  /** Each row in flight, by id, with the work that settles it. */
  readonly #inFlight = new Map<number, { lane: string; work: Promise<void> }>();
  readonly #laneCounts = new Map<string, number>();
  #timer?: { cancel(): void };
  #scheduled = false;
  #started = false;
  #idleWaiters: (() => void)[] = [];
  /** Rows done whose delete waits for the end of this run of microtasks (#deleteDone). */
  #done: { readonly row: Row; readonly rowId: number; readonly settled?: () => void; readonly resolve: () => void }[] = [];

  constructor(private readonly options: DurableOutboxOptions<Row>) {
    const { db, table } = options;
    this.#table = table;
    const due = `${table.dueAt} <= ?${table.dueWhere ? ` AND (${table.dueWhere})` : ''}`;
    const order = `ORDER BY ${table.dueAt}, ${table.id}`;
    this.#statements = {
      due: db.prepare(`SELECT * FROM ${table.name} AS row WHERE ${due} ${order} LIMIT ?`),
      dueLanes: db.prepare(
        table.lane ? `SELECT DISTINCT ${table.lane} AS lane FROM ${table.name} AS row WHERE ${due}` : 'SELECT NULL AS lane',
      ),
      dueInLane: db.prepare(
        table.lane ? `SELECT * FROM ${table.name} AS row WHERE ${table.lane} = ? AND ${due} ${order} LIMIT ?` : 'SELECT NULL',
      ),
      delete: db.prepare(`DELETE FROM ${table.name} WHERE ${table.id} = ?`),
      nextAfter: db.prepare(`SELECT MIN(${table.dueAt}) AS next FROM ${table.name} WHERE ${table.dueAt} > ?`),
      any: db.prepare(`SELECT EXISTS (SELECT 1 FROM ${table.name}) AS any`),
    };
  }

  /**
   * Writes a row of work, due now unless `values` says when. Call it inside the transaction
   * that accepts the work; the outbox looks for it once the current task is over, which with
   * synchronous SQLite is after that transaction committed (or rolled back). Returns its id.
   */
  enqueue(values: Readonly<Record<string, SQLInputValue>>): number {
    const row = { [this.#table.dueAt]: this.options.clock.now(), ...values };
    const columns = Object.keys(row);
    const key = columns.join(',');
    let insert = this.#inserts.get(key);
    if (!insert) {
      insert = this.options.db.prepare(`INSERT INTO ${this.#table.name} (${key}) VALUES (${columns.map(() => '?').join(', ')})`);
      this.#inserts.set(key, insert);
    }
    const { lastInsertRowid } = insert.run(...Object.values(row));
    this.wake();
    return Number(lastInsertRowid);
  }

  /** Starts handling due rows, those a crash or a stop left included. */
  start(): void {
    this.#started = true;
    this.wake();
  }

  /** Stops claiming rows and resolves once the rows in flight are settled (their outcomes written). */
  async stop(): Promise<void> {
    this.#started = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#settled();
    this.#notifyIdle();
  }

  /** Looks for due rows soon (after new work was accepted, or a row settled). */
  wake(): void {
    if (!this.#started || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  /** Resolves once nothing is in flight and nothing that could start now is waiting. */
  idle(): Promise<void> {
    if (!this.#started) return this.#settled();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.wake();
    });
  }

  /** Handles every row due now, started or not, and resolves when none is due or in flight (tests step a manual clock with it). */
  async runDue(): Promise<void> {
    for (;;) {
      this.#claim();
      if (this.#inFlight.size === 0) return;
      await this.#settled();
    }
  }

  #drain(): void {
    if (!this.#started) return;
    // One reading of the clock for both looks: a row falling due between two readings would be
    // neither claimed (not due at the first) nor next (not after the second), and wait out a
    // whole longest sleep; a loaded machine hit that window (a retry 60 s late).
    const now = this.options.clock.now();
    this.#claim(now);
    if (this.#inFlight.size > 0) return; // each row that settles wakes the outbox again
    this.#notifyIdle();
    const next = (this.#statements.nextAfter.get(now) as { next: number | null }).next;
    // Rows due but not claimable (a lane with no room) are looked at again within the longest sleep.
    if (next === null && (this.#statements.any.get() as { any: number }).any === 0) return;
    this.#timer?.cancel();
    // A row due later (a retry's backoff) is a wake of the clock: a test moving its clock reaches it, and is not idle before.
    this.#timer =
      next === null
        ? wakeAfter(systemClock, this.options.maxSleepMs, () => this.wake())
        : wakeAfter(this.options.clock, Math.max(next - now, 1), () => this.wake(), this.options.maxSleepMs, { background: false });
  }

  /** Claims the due rows there is room for; the rows in flight are due too and come first, so it reads past them. */
  #claim(now = this.options.clock.now()): void {
    const { lane, id } = this.#table;
    if (!lane) {
      const room = this.options.concurrency - this.#inFlight.size;
      if (room <= 0) return;
      const rows = this.#statements.due.all(now, this.#inFlight.size + room) as Record<string, SQLInputValue>[];
      for (const row of rows.filter((r) => !this.#inFlight.has(Number(r[id]))).slice(0, room)) this.#start(row, '');
      return;
    }
    for (const { lane: name } of this.#statements.dueLanes.all(now) as { lane: string }[]) {
      const running = this.#laneCounts.get(name) ?? 0;
      const room = Math.min(
        (this.options.laneLimit?.(name) ?? this.options.concurrency) - running,
        this.options.concurrency - this.#inFlight.size,
      );
      if (room <= 0) continue;
      const rows = this.#statements.dueInLane.all(name, now, running + room) as Record<string, SQLInputValue>[];
      for (const row of rows.filter((r) => !this.#inFlight.has(Number(r[id]))).slice(0, room)) this.#start(row, name);
    }
  }

  #start(row: Record<string, SQLInputValue>, lane: string): void {
    const rowId = Number(row[this.#table.id]);
    this.#laneCounts.set(lane, (this.#laneCounts.get(lane) ?? 0) + 1);
    const work = this.options
      .handle(row as Row)
      .then(
        (outcome) => this.#settle(row as Row, rowId, outcome),
        (error: unknown) => this.#failed(row as Row, rowId, error),
      )
      .finally(() => {
        this.#inFlight.delete(rowId);
        this.#laneCounts.set(lane, (this.#laneCounts.get(lane) ?? 1) - 1);
        this.wake();
      });
    this.#inFlight.set(rowId, { lane, work });
  }

  #settle(row: Row, rowId: number, outcome: OutboxOutcome): void | Promise<void> {
    if (outcome.kind === 'done') return this.#deleteSoon(row, rowId, outcome.settled);
    try {
      if (outcome.kind === 'retry') this.#update(rowId, { ...outcome.set, [this.#table.dueAt]: outcome.at });
    } catch (error) {
      this.#failed(row, rowId, error);
      return;
    }
    if (outcome.kind !== 'keep') outcome.settled?.();
  }

  /**
   * Removes a row that is done together with the rows done in the same run of microtasks (the
   * ten deliveries one SendMessageBatch answered), in one transaction: a commit per row cost
   * the main thread a commit an event. The delete is written before any other task of the
   * event loop runs (a microtask, not the next turn: a kill, a stop or a claim in a later task
   * finds it as if each row had been deleted at once), and before the row's `settled` and its
   * leaving the in-flight set, so nothing observes a row done that is still owed, nor claims
   * it again. A process killed before the commit leaves the rows owed: done again after the
   * restart (at least once, as ever).
   */
  #deleteSoon(row: Row, rowId: number, settled: (() => void) | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.#done.push({ row, rowId, settled, resolve });
      if (this.#done.length === 1) queueMicrotask(() => this.#deleteDone());
    });
  }

  #deleteDone(): void {
    const done = this.#done;
    this.#done = [];
    try {
      inTransaction(this.options.db, () => {
        for (const { rowId } of done) this.#statements.delete.run(rowId);
      });
    } catch (error) {
      for (const { row, rowId, resolve } of done) {
        this.#failed(row, rowId, error);
        resolve();
      }
      return;
    }
    for (const { row, rowId, settled, resolve } of done) {
      try {
        settled?.();
      } catch (error) {
        // The row is gone, as its outcome said; what its owner does after is the owner's to report.
        this.options.onError(new OutboxHandlerError(this.#table.name, rowId, error), row);
      }
      resolve();
    }
  }

  /** The row stays, due again after a while: a failure here must neither lose the work nor spin on it. */
  #failed(row: Row, rowId: number, cause: unknown): void {
    this.options.onError(new OutboxHandlerError(this.#table.name, rowId, cause), row);
    if (!this.#started) return; // stopping: the row is taken up again at the next start
    try {
      this.#update(rowId, { [this.#table.dueAt]: this.options.clock.now() + (this.options.failureDelayMs ?? 60_000) });
    } catch (error) {
      this.options.onError(new OutboxHandlerError(this.#table.name, rowId, error), row);
    }
  }

  #update(rowId: number, set: Record<string, SQLInputValue>): void {
    const columns = Object.keys(set);
    const key = columns.join(',');
    let update = this.#updates.get(key);
    if (!update) {
      update = this.options.db.prepare(
        `UPDATE ${this.#table.name} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${this.#table.id} = ?`,
      );
      this.#updates.set(key, update);
    }
    update.run(...Object.values(set), rowId);
  }

  async #settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight.values()].map((entry) => entry.work));
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A target's retry policy as EventBridge and Scheduler state it. */
export interface RetryPolicy {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeMs: number;
}

/**
 * Exponential backoff with jitter, as EventBridge and Scheduler retry: about 1 s, 2 s, 4 s
 * ... at most 5 minutes apart, after `failures` failed attempts (1 for the first).
 */
function backoffMs(failures: number, random: () => number = Math.random): number {
  return Math.min(300_000, 1000 * 2 ** Math.min(failures - 1, 16)) * (0.5 + random() / 2);
}

/**
 * After a failed attempt: when to try again, or which limit of the policy is spent (the
 * attempt count, or the age the next attempt would have).
 */
export function nextRetry(
  policy: RetryPolicy,
  attempt: { readonly failures: number; readonly firstAt: number; readonly now: number },
  random: () => number = Math.random,
): { readonly at: number } | { readonly exhausted: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' } {
  if (attempt.failures > policy.maximumRetryAttempts) return { exhausted: 'MaximumRetryAttempts' };
  const at = attempt.now + backoffMs(attempt.failures, random);
  if (at - attempt.firstAt > policy.maximumEventAgeMs) return { exhausted: 'MaximumEventAgeInSeconds' };
  return { at };
}

/**
 * A part of a service that keeps its work in a DurableOutbox (EventBridge's target deliveries,
 * SES's event publishing, trace forwarding): the outbox's start, stop, idle and wake are its own.
 */
export abstract class OutboxOwner<Row extends object> {
  protected abstract readonly outbox: DurableOutbox<Row>;

  /** Starts working through what is owed, what a crash or a stop left included. */
  start(): void {
    this.outbox.start();
  }

  /** Stops; resolves once the work in flight is settled. */
  stop(): Promise<void> {
    return this.outbox.stop();
  }

  /** Resolves once nothing is due or in flight. */
  idle(): Promise<void> {
    return this.outbox.idle();
  }

  /** Looks for due work soon (after work was accepted, or a target came back). */
  wake(): void {
    this.outbox.wake();
  }
}
