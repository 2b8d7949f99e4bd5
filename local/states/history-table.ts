import type { DatabaseSync } from 'node:sqlite';
import { addMissingColumns } from '../store/added-columns.js';
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
  events TEXT NOT NULL, payloads TEXT, PRIMARY KEY (start_date, execution_arn, first_id))`;

/** The execution's start date, which leads the key, read from the execution's row. */
const START_DATE = '(SELECT start_date FROM sfn_executions WHERE arn = ?1)';

/** The store's statements on it. */
export const HISTORY_SQL = {
  appendEvents: `INSERT OR REPLACE INTO sfn_event_groups (start_date, execution_arn, first_id, last_id, events, payloads)
           VALUES (${START_DATE}, ?1, ?2, ?3, ?4, ?5)`,
  history: `SELECT events, payloads FROM sfn_event_groups WHERE start_date = ${START_DATE} AND execution_arn = ?1 ORDER BY first_id`,
  lastEventId: `SELECT MAX(last_id) AS id FROM sfn_event_groups WHERE start_date = ${START_DATE} AND execution_arn = ?1`,
};

/**
 * A group's row holds each event's `input` and `output` (JSON text, what a state got and gave)
 * out of the events' JSON, one after the other in `payloads`, each where its event has a
 * number: the payload's length plus one, or SAME_AS_LAST for one that repeats the last payload
 * before it in the group (a state's input is the output of the state before it, an execution's
 * input its first state's: a Pass chain's history held each payload twice). Inside the events'
 * JSON, a payload was escaped (every quote of it written again) by one JSON.stringify of the
 * whole event, a third of what a Pass chain's group cost to write. Rows of the last version have
 * no `payloads` (NULL) and their payloads in the events, SAME_AS_LAST the same; a payload that is
 * not well-formed UTF-16 (a lone surrogate, which JSON escapes and SQLite's UTF-8 would not keep)
 * stays in its event. In a stored history both fields are strings, so a number stands for nothing else.
 */
const SAME_AS_LAST = 0;
/** In unicode mode a surrogate pair is one code point: this matches only a surrogate alone. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const PAYLOADS = ['input', 'output'] as const;

/** A group's row: its events' JSON and their payloads (what `eventsOf` reads back). */
export interface GroupRow {
  readonly events: string;
  readonly payloads: string;
}

/**
 * An event as a group's row holds it when it has the engine's shape (`id`, `previousEventId`,
 * `timestamp`, `type` and its type's details, in that order): an array of its id, the event
 * before it, its timestamp less the one of the event before it in the group, its type and its
 * details, if it has them. Their names were half of a Map machine's row (a Map iteration's events
 * hold little else); an event of another shape is written as an object, as it is.
 */
type CompactEvent = [id: number, previousEventId: number, sinceLast: number, type: string, details?: Record<string, unknown>];

/** Whether an event's keys are the engine's, in its order, and its details (if any) an object. */
function engineShaped(event: HistoryEvent, key: string | undefined): boolean {
  let at = 0;
  for (const name in event) {
    if (name !== ENGINE_KEYS[at] && !(at === 4 && name === key)) return false;
    at++;
  }
  if (at < 4 || typeof event.id !== 'number' || typeof event.previousEventId !== 'number' || typeof event.timestamp !== 'number')
    return false;
  return at === 4 || (typeof event[key as string] === 'object' && event[key as string] !== null);
}
const ENGINE_KEYS = ['id', 'previousEventId', 'timestamp', 'type'] as const;

/** The row of a group of one execution's events, in order. */
export function groupRow(events: readonly HistoryEvent[]): GroupRow {
  let last: string | undefined;
  let payloads = '';
  let time = 0;
  const stored = events.map((event): HistoryEvent | CompactEvent => {
    const key = detailsKey(event.type);
    const details = (key && (event[key] as Record<string, unknown> | undefined)) || {};
    let copy: Record<string, unknown> | undefined;
    for (const field of PAYLOADS) {
      const payload = details[field];
      if (typeof payload !== 'string') continue;
      if (payload === last) {
        copy ??= { ...details };
        copy[field] = SAME_AS_LAST;
      } else if (!LONE_SURROGATE.test(payload)) {
        copy ??= { ...details };
        copy[field] = payload.length + 1;
        payloads += payload;
      }
      last = payload;
    }
    const since = time;
    time = event.timestamp;
    // The event as written, its details a copy: the engine's event stays as it is.
    if (!engineShaped(event, key)) return copy ? { ...event, [key as string]: copy } : event;
    const compact: CompactEvent = [event.id, event.previousEventId, event.timestamp - since, event.type];
    if (key !== undefined && key in event) compact.push(copy ?? details);
    return compact;
  });
  return { events: JSON.stringify(stored), payloads };
}

/** The events of the history's rows, in order, each payload back in its event. */
export function eventsOf(rows: readonly Readonly<Record<string, unknown>>[]): HistoryEvent[] {
  return rows.flatMap((row) => {
    let time = 0;
    const events = (JSON.parse(row.events as string) as (HistoryEvent | CompactEvent)[]).map((stored) => {
      const event = Array.isArray(stored) ? eventOf(stored, time) : stored;
      time = event.timestamp;
      return event;
    });
    const payloads = typeof row.payloads === 'string' ? row.payloads : '';
    let at = 0;
    let last: string | undefined;
    for (const event of events) {
      const details = detailsOf(event);
      for (const field of PAYLOADS) {
        const payload = details[field];
        if (payload === SAME_AS_LAST && last !== undefined) details[field] = last;
        else if (typeof payload === 'number' && payload > SAME_AS_LAST) {
          details[field] = payloads.slice(at, at + payload - 1);
          at += payload - 1;
        } else if (typeof payload !== 'string') continue;
        last = details[field] as string;
      }
    }
    return events;
  });
}

/** An event of a group's row written as an array (`CompactEvent`), `time` the timestamp of the event before it in the group. */
function eventOf([id, previousEventId, sinceLast, type, details]: CompactEvent, time: number): HistoryEvent {
  const event: HistoryEvent = { id, previousEventId, timestamp: time + sinceLast, type };
  const key = detailsKey(type);
  if (details !== undefined && key !== undefined) event[key] = details;
  return event;
}

/**
 * Creates the history table. A data folder of an earlier version has its events moved over,
 * each a group of its own: from sfn_events (a row per event, keyed by start date) or from
 * sfn_history (a row per event, keyed by the ARN alone).
 */
export function createHistoryTable(db: DatabaseSync): void {
  db.exec(HISTORY_TABLE);
  addMissingColumns(db, [{ table: 'sfn_event_groups', column: 'payloads', definition: 'TEXT' }]);
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
