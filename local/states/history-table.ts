import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from '../store/transaction.js';
import { detailsKey, detailsOf, type HistoryEvent } from './engine/history-events.js';

/**
 * The history of STANDARD executions: one row per execution per group commit, holding the
 * events the engine emitted for it since the last commit as one JSON array (a Pass chain's
 * 22 events are one row, a task's execution two), keyed by the execution's start date
 * before its ARN so that the executions running now are written next to each other at the
 * end of the table. One row per event cost the Pass chain of bench/step-functions.ts 22
 * inserts and their key entries per execution, half of what the execution cost (a CPU
 * profile: the inserts and the commit's log writes). A rowid table, its key an index beside
 * it: in a WITHOUT ROWID table a row over about 1,000 bytes spills into overflow pages that
 * each hold one row's tail.
 */
const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS sfn_event_groups (
  start_date INTEGER NOT NULL, execution_arn TEXT NOT NULL, first_id INTEGER NOT NULL, last_id INTEGER NOT NULL,
  events TEXT NOT NULL, PRIMARY KEY (start_date, execution_arn, first_id))`;

/** The execution's start date, which leads the key, read from the execution's row. */
const START_DATE = '(SELECT start_date FROM sfn_executions WHERE arn = ?1)';

/** The store's statements on it. */
export const HISTORY_SQL = {
  appendEvents: `INSERT OR REPLACE INTO sfn_event_groups (start_date, execution_arn, first_id, last_id, events)
           VALUES (${START_DATE}, ?1, ?2, ?3, ?4)`,
  history: `SELECT events FROM sfn_event_groups WHERE start_date = ${START_DATE} AND execution_arn = ?1 ORDER BY first_id`,
  lastEventId: `SELECT MAX(last_id) AS id FROM sfn_event_groups WHERE start_date = ${START_DATE} AND execution_arn = ?1`,
};

/**
 * What a group's row holds in place of an event's `input` or `output` that repeats the last
 * `input` or `output` before it in the group: a state's input is the output of the state
 * before it, and an execution's input its first state's, so a Pass chain's history held each
 * of its payloads twice (half of its bytes, escaped inside JSON text). In a stored history
 * both are always strings, so a number stands for nothing else.
 */
const SAME_AS_LAST = 0;
const PAYLOADS = ['input', 'output'] as const;

/** The JSON text of a group of one execution's events, in order, each payload that repeats the last one written once (what `eventsOf` reads back). */
export function groupText(events: readonly HistoryEvent[]): string {
  let last: string | undefined;
  const texts = events.map((event) => {
    const details = detailsOf(event);
    let stored: Record<string, unknown> | undefined;
    for (const field of PAYLOADS) {
      const payload = details[field];
      if (typeof payload !== 'string') continue;
      // The event as written, its details a copy: the engine's event stays as it is.
      if (payload === last) {
        stored ??= { ...details };
        stored[field] = SAME_AS_LAST;
      }
      last = payload;
    }
    return JSON.stringify(stored ? { ...event, [detailsKey(event.type) as string]: stored } : event);
  });
  return `[${texts.join(',')}]`;
}

/** The events of the history's rows, in order, each repeated payload restored. */
export function eventsOf(rows: readonly Readonly<Record<string, unknown>>[]): HistoryEvent[] {
  return rows.flatMap((row) => {
    const events = JSON.parse(row.events as string) as HistoryEvent[];
    let last: string | undefined;
    for (const event of events) {
      const details = detailsOf(event);
      for (const field of PAYLOADS) {
        const payload = details[field];
        if (payload === SAME_AS_LAST && last !== undefined) details[field] = last;
        else if (typeof payload !== 'string') continue;
        last = details[field] as string;
      }
    }
    return events;
  });
}

/**
 * Creates the history table. A data folder of an earlier version has its events moved over,
 * each a group of its own: from sfn_events (a row per event, keyed by start date) or from
 * sfn_history (a row per event, keyed by the ARN alone).
 */
export function createHistoryTable(db: DatabaseSync): void {
  db.exec(HISTORY_TABLE);
  for (const [table, startDate] of [
    ['sfn_events', 'h.start_date'],
    ['sfn_history', 'e.start_date'],
  ] as const) {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)) continue;
    inTransaction(db, () => {
      // An event whose execution is gone could not be read before either (every read starts from the execution).
      db.exec(`INSERT OR REPLACE INTO sfn_event_groups (start_date, execution_arn, first_id, last_id, events)
        SELECT ${startDate}, h.execution_arn, h.id, h.id, '[' || h.event || ']' FROM ${table} h JOIN sfn_executions e ON e.arn = h.execution_arn`);
      db.exec(`DROP TABLE ${table}`);
    });
  }
}
