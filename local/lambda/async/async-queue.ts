import type { DatabaseSync } from 'node:sqlite';
import { addMissingColumns } from '../../store/added-columns.js';

/**
 * The asynchronous invocation queue: every event Lambda accepted with a 202 and has not
 * finished with. A row is written before the 202 goes out and deleted only after the
 * event's outcome (and its destination record) is delivered, so a SIGKILL at any moment
 * loses nothing: after a restart every row is due again (an attempt cut short runs again,
 * as Lambda's at-least-once processing allows).
 *
 * `function_errors` counts the attempts that ended in a function error (what
 * MaximumRetryAttempts limits); `invoke_count` every attempt (the record's
 * approximateInvokeCount); `throttles` the attempts turned back before running, which
 * back off without counting as retries.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS lambda_async_event (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  function_name TEXT NOT NULL,
  request_id TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  accepted_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  invoke_count INTEGER NOT NULL DEFAULT 0,
  function_errors INTEGER NOT NULL DEFAULT 0,
  throttles INTEGER NOT NULL DEFAULT 0,
  last_response TEXT
);
CREATE INDEX IF NOT EXISTS lambda_async_event_function_due ON lambda_async_event (function_name, due_at, seq);
`;

export interface AsyncEventRow {
  seq: number;
  function_name: string;
  request_id: string;
  payload: string;
  accepted_at: number;
  due_at: number;
  invoke_count: number;
  function_errors: number;
  throttles: number;
  /** JSON of the last attempt's error: `{ statusCode, functionError?, payload }`. */
  last_response: string | null;
  /** The X-Ray trace header the event was invoked with (`X-Amzn-Trace-Id`, or the caller's). */
  trace_header?: string | null;
  /** The version that runs it and the ARN it was invoked by, when a qualifier named them (JSON `{ version, arn }`); else `$LATEST`. */
  target?: string | null;
}

/**
 * The queue's own bookkeeping; the outbox (`DurableOutbox` in async-invoker.ts) adds, claims,
 * reschedules and removes its rows.
 */
export class AsyncQueueStore {
  readonly #started;
  readonly #count;
  readonly #functionNames;
  readonly #deleteFunction;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    // Added with trace propagation: queues from before get the column, their events no header.
    // Added with trace propagation, then with versions that run their own code: queues from before get the columns, their events none.
    addMissingColumns(db, [
      { table: 'lambda_async_event', column: 'trace_header', definition: 'TEXT' },
      { table: 'lambda_async_event', column: 'target', definition: 'TEXT' },
    ]);
    this.#started = db.prepare('UPDATE lambda_async_event SET invoke_count = invoke_count + 1 WHERE seq = ?');
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM lambda_async_event WHERE function_name = ?');
    this.#functionNames = db.prepare('SELECT DISTINCT function_name FROM lambda_async_event');
    this.#deleteFunction = db.prepare('DELETE FROM lambda_async_event WHERE function_name = ?');
  }

  /** The functions that have events queued (a function may have left the app since). */
  functionNames(): string[] {
    return (this.#functionNames.all() as { function_name: string }[]).map((row) => row.function_name);
  }

  /** Drops the events of a function that is no longer in the app; returns how many. */
  deleteFunction(functionName: string): number {
    return Number(this.#deleteFunction.run(functionName).changes);
  }

  /** Counts an attempt before it runs, so a crash mid-attempt still counts it. */
  started(seq: number): void {
    this.#started.run(seq);
  }

  /** How many events of a function are queued or in flight. */
  count(functionName: string): number {
    return Number((this.#count.get(functionName) as { n: number }).n);
  }
}
