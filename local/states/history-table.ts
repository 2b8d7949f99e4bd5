import type { DatabaseSync } from 'node:sqlite';
import { addMissingColumns } from '../store/added-columns.js';
import { inTransaction } from '../store/transaction.js';
import { detailsKey, type HistoryEvent } from './engine/history-events.js';

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
 * A payload moved out whose `inputDetails` / `outputDetails` (the key right after it, as the
 * engine writes them) is `{"truncated":false}` has that key left out and its number written
 * negative, minus one (`-(n + 1)`): that object was a fifth of a Map iteration's row, in every
 * event with a payload. A payload that begins as the last one before it in the group (at least
 * SHARED_MIN characters: a ResultPath adds a field to the state's input, which is the output of
 * the state before) is written as that shared length and its number, `[shared, n]`, and only its
 * rest is in `payloads`: a Pass chain's eleven outputs, each its input and one field more, were
 * 5.7 KB of payloads and its row two pages (a leaf and an overflow page); they are 0.9 KB so.
 * The versions before wrote no negative number, always the details' key, and no shared prefix.
 */
const SAME_AS_LAST = 0;
/** The shortest prefix shared with the last payload that is written as its length (`[shared, n]` costs a few characters more than `n`). */
const SHARED_MIN = 32;
/** In unicode mode a surrogate pair is one code point: this matches only a surrogate alone. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

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
 * hold little else); an event of another shape is written as an object, as it is. A type that an
 * event before it in the row has is written as how many events back that one is (a Pass chain's
 * types are its row's longest repeated text, `"PassStateEntered"` and `"PassStateExited"` ten times
 * each), and its details, when their keys (as written) are that event's, as an array of their
 * values (a Map iteration's events are little more than `{"index":3,"name":"Fan"}`); the versions
 * before wrote each type and each key.
 */
type CompactEvent = [
  id: number,
  previousEventId: number,
  sinceLast: number,
  type: string | number,
  details?: Record<string, unknown> | unknown[],
];

/** Whether an event's keys are the engine's, in its order, and its details (if any) an object. */
function engineShaped(event: HistoryEvent, key: string | undefined): boolean {
  let at = 0;
  for (const name in event) {
    if (name !== ENGINE_KEYS[at] && !(at === 4 && name === key)) return false;
    at++;
  }
  if (at < 4 || typeof event.id !== 'number' || typeof event.previousEventId !== 'number' || typeof event.timestamp !== 'number')
    return false;
  const details = event[key as string];
  return at === 4 || (typeof details === 'object' && details !== null && !Array.isArray(details));
}
const ENGINE_KEYS = ['id', 'previousEventId', 'timestamp', 'type'] as const;

/**
 * `details`' values when its keys are `keys`, in their order; else undefined. Not when one is
 * undefined: JSON leaves such a key out of an object, but writes null for it in an array.
 */
function valuesOf(details: Record<string, unknown>, keys: readonly string[]): unknown[] | undefined {
  const values: unknown[] = [];
  for (const name in details) {
    const value = details[name];
    if (name !== keys[values.length] || value === undefined) return undefined;
    values.push(value);
  }
  return values.length === keys.length ? values : undefined;
}

/** The row of a group of one execution's events, in order. */
export function groupRow(events: readonly HistoryEvent[]): GroupRow {
  const moved: Moved = { last: undefined, payloads: '' };
  let time = 0;
  // Where in the row each type was last met, and its details' keys as written.
  const types = new Map<string, { at: number; keys: string[] | undefined }>();
  const stored = events.map((event, at): HistoryEvent | CompactEvent => {
    const key = detailsKey(event.type);
    const details = key === undefined ? undefined : (event[key] as Record<string, unknown> | undefined);
    const copy = details && typeof details === 'object' ? storedDetails(details, moved) : undefined;
    const since = time;
    time = event.timestamp;
    // The event as written, its details a copy: the engine's event stays as it is.
    if (!engineShaped(event, key)) return copy ? { ...event, [key as string]: copy } : event;
    const before = types.get(event.type);
    const written = key !== undefined && key in event ? (copy ?? (details as Record<string, unknown>)) : undefined;
    const values = written && before?.keys ? valuesOf(written, before.keys) : undefined;
    types.set(event.type, { at, keys: values ? before?.keys : written && Object.keys(written) });
    const compact: CompactEvent = [event.id, event.previousEventId, event.timestamp - since, before ? at - before.at : event.type];
    if (written) compact.push(values ?? written);
    return compact;
  });
  return { events: JSON.stringify(stored), payloads: moved.payloads };
}

/** A group's payloads written so far, and the last payload met (moved out or not). */
interface Moved {
  last: string | undefined;
  payloads: string;
}

/**
 * The details as a group's row holds them, each payload moved out to `moved` (its number in its
 * place, see SAME_AS_LAST), or undefined when no payload moves (the details are written as they are).
 */
function storedDetails(details: Record<string, unknown>, moved: Moved): Record<string, unknown> | undefined {
  let copy: Record<string, unknown> | undefined;
  // The payload just moved out, whose details' key, if it comes next and is `{"truncated":false}`, is left out.
  let pending: 'input' | 'output' | undefined;
  for (const name in details) {
    const value = details[name];
    if (pending !== undefined && copy !== undefined) {
      const field = pending;
      pending = undefined;
      if (name === DETAILS_OF[field] && untruncated(value)) {
        const code = copy[field] as PayloadCode;
        copy[field] = typeof code === 'number' ? -code - 1 : [code[0], -code[1] - 1];
        continue;
      }
    }
    if ((name === 'input' || name === 'output') && typeof value === 'string') {
      const code = payloadCode(value, moved);
      moved.last = value;
      if (code !== undefined) {
        copy ??= copyUpTo(details, name);
        copy[name] = code;
        pending = name;
        continue;
      }
    }
    if (copy !== undefined) copy[name] = value;
  }
  return copy;
}

const DETAILS_OF = { input: 'inputDetails', output: 'outputDetails' } as const;

/** What a moved payload's event holds in its place: its number, or the prefix it shares with the last payload and its rest's number. */
type PayloadCode = number | [shared: number, code: number];

/**
 * `value`'s code, its text (or its rest after a shared prefix) added to `moved.payloads`; undefined
 * when it stays in its event (a lone surrogate).
 */
function payloadCode(value: string, moved: Moved): PayloadCode | undefined {
  const last = moved.last;
  if (value === last) return SAME_AS_LAST;
  if (LONE_SURROGATE.test(value)) return undefined;
  const shared = last === undefined || last.length < SHARED_MIN || value.length < SHARED_MIN ? 0 : sharedPrefix(last, value);
  if (shared < SHARED_MIN) {
    moved.payloads += value;
    return value.length + 1;
  }
  moved.payloads += value.slice(shared);
  return [shared, value.length - shared + 1];
}

/**
 * How many leading characters `value` shares with `last`, never ending between the two halves of
 * a surrogate pair (the rest would begin with a lone one, which SQLite's UTF-8 does not keep).
 * Compared as slices (one memcmp each), not a character at a time (12 µs for a Pass chain's
 * payloads, 0.5 so): first all of `last` but its closing brace or bracket (a ResultPath's
 * output), else by halving.
 */
function sharedPrefix(last: string, value: string): number {
  const head = last.length - 1;
  let shared: number;
  if (head >= SHARED_MIN && value.length > head && value.slice(0, head) === last.slice(0, head)) shared = head;
  else {
    let low = 0;
    let high = Math.min(last.length, value.length);
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (value.slice(0, mid) === last.slice(0, mid)) low = mid;
      else high = mid - 1;
    }
    shared = low;
  }
  const end = value.charCodeAt(shared - 1);
  return end >= 0xd800 && end <= 0xdbff ? shared - 1 : shared;
}

/** Whether `value` is `{ truncated: false }` and nothing else. */
function untruncated(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  let keys = 0;
  for (const name in value) if (name !== 'truncated' || ++keys > 1) return false;
  return keys === 1 && (value as { truncated: unknown }).truncated === false;
}

/** A copy of `details`' keys before `stop`, in their order. */
function copyUpTo(details: Record<string, unknown>, stop: string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const name in details) {
    if (name === stop) break;
    copy[name] = details[name];
  }
  return copy;
}

/** The events of the history's rows, in order, each payload back in its event. */
export function eventsOf(rows: readonly Readonly<Record<string, unknown>>[]): HistoryEvent[] {
  return rows.flatMap((row) => {
    let time = 0;
    const events: HistoryEvent[] = [];
    for (const stored of JSON.parse(row.events as string) as (HistoryEvent | CompactEvent)[]) {
      const event = Array.isArray(stored) ? eventOf(stored, time, events) : stored;
      time = event.timestamp;
      events.push(event);
    }
    const moved: Restoring = { payloads: typeof row.payloads === 'string' ? row.payloads : '', at: 0, last: undefined };
    for (const event of events) {
      const key = detailsKey(event.type);
      const details = key === undefined ? undefined : (event[key] as Record<string, unknown> | undefined);
      if (details && typeof details === 'object') (event as Record<string, unknown>)[key as string] = restoredDetails(details, moved);
    }
    return events;
  });
}

/** A group's payloads read back: where the next one starts (`at`) and the last one met. */
interface Restoring extends Moved {
  at: number;
}

/** `details` with each payload back in its place (and its details' key after it, if it was left out). */
function restoredDetails(details: Record<string, unknown>, moved: Restoring) {
  let restored: Record<string, unknown> | undefined;
  for (const name in details) {
    let value = details[name];
    if (name === 'input' || name === 'output') {
      const shared =
        Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number' ? (value as [number, number]) : undefined;
      if (shared) value = shared[1];
      if (typeof value === 'number') {
        const elided = value < 0;
        const code = elided ? -value - 1 : value;
        if (code === SAME_AS_LAST && moved.last !== undefined) value = moved.last;
        else if (code > SAME_AS_LAST) {
          const rest = moved.payloads.slice(moved.at, moved.at + code - 1);
          value = shared ? (moved.last ?? '').slice(0, shared[0]) + rest : rest;
          moved.at += code - 1;
        }
        if (typeof value === 'string') moved.last = value;
        if (elided) {
          restored ??= copyUpTo(details, name);
          restored[name] = value;
          restored[DETAILS_OF[name]] = { truncated: false };
          continue;
        }
        details[name] = value;
      } else if (typeof value === 'string') moved.last = value;
    }
    if (restored !== undefined) restored[name] = value;
  }
  return restored ?? details;
}

/**
 * An event of a group's row written as an array (`CompactEvent`), `time` the timestamp of the
 * event before it in the group, `before` the group's events read before it.
 */
function eventOf(
  [id, previousEventId, sinceLast, code, details]: CompactEvent,
  time: number,
  before: readonly HistoryEvent[],
): HistoryEvent {
  const same = typeof code === 'number' ? before[before.length - code] : undefined;
  const type = typeof code === 'number' ? same?.type : code;
  if (type === undefined)
    throw new HistoryRowUnreadable(id, `names its type as the one of the event ${code} before it, which its row does not hold`);
  const event: HistoryEvent = { id, previousEventId, timestamp: time + sinceLast, type };
  const key = detailsKey(type);
  if (details !== undefined && key !== undefined) event[key] = Array.isArray(details) ? detailsOfValues(details, same, key, id) : details;
  return event;
}

/** Details written as their values alone, named by the keys of the event of the same type they follow (`same`). */
function detailsOfValues(values: unknown[], same: HistoryEvent | undefined, key: string, id: number): Record<string, unknown> {
  const named = same?.[key];
  const names = typeof named === 'object' && named !== null ? Object.keys(named) : [];
  if (names.length !== values.length)
    throw new HistoryRowUnreadable(id, `has ${values.length} details' values the event of its type before it does not name`);
  const details: Record<string, unknown> = {};
  for (let at = 0; at < names.length; at++) details[names[at] as string] = values[at];
  return details;
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

/** A history row holds an event this version cannot read back: the data folder was changed outside the runtime. */
export class HistoryRowUnreadable extends Error {
  override readonly name = 'HistoryRowUnreadable';
  constructor(
    readonly eventId: number,
    readonly reason: string,
  ) {
    super(`The history event ${eventId} ${reason}: the data folder was changed outside the runtime`);
  }
}
