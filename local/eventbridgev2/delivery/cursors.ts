import type { DatabaseSync } from 'node:sqlite';
import { addMissingColumns } from '../../store/added-columns.js';
import type { Fields, SubscriberRecord } from '../store.js';

/** When a cursor with nothing to do is due: never, until an event, an update or a start makes it due now. */
export const NEVER = 8_640_000_000_000_000;

/** A subscriber's place in its bus's log: the outbox row its delivery works from. */
export interface CursorRow {
  readonly id: number;
  readonly subscriber_arn: string;
  readonly bus_arn: string;
  /** The last event row read into `pending` (events after it are still to be read). */
  readonly position: number;
  readonly due_at: number;
}

/** An event a subscriber matched and still owes its target, with the event as the log keeps it. */
export interface PendingRow {
  readonly event_row: number;
  readonly group_id: string | null;
  readonly attempts: number;
  /** When the event was accepted: its age for MaxEventAgeInSeconds and the batch window. */
  readonly first_at: number;
  readonly next_at: number;
  readonly event: string;
}

/**
 * The tables of a subscriber's cursor: `eventbridgev2_cursors`, one row a subscriber (its
 * position in the log, and when its delivery is due: the DurableOutbox's table), and
 * `eventbridgev2_pending`, the events behind the position it matched and has not delivered.
 * The position moves in the transaction that writes the events it passed into `pending`, and
 * an event leaves `pending` in the transaction that records its target took it (or its
 * dead-letter queue did, or it was dropped): so a crash at any point loses nothing. The events
 * of a batch are marked in flight before it is sent, and a batch in flight at a crash is sent
 * again as it was (the same events, so the same event ids, nothing added) before any other.
 */
export class SubscriberCursors {
  constructor(private readonly db: DatabaseSync) {
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_cursors (
      id INTEGER PRIMARY KEY, subscriber_arn TEXT NOT NULL UNIQUE, bus_arn TEXT NOT NULL,
      position INTEGER NOT NULL, due_at INTEGER NOT NULL
    )`);
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_pending (
      subscriber_arn TEXT NOT NULL, event_row INTEGER NOT NULL, group_id TEXT, attempts INTEGER NOT NULL DEFAULT 0,
      first_at INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT, in_flight INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (subscriber_arn, event_row)
    )`);
    addMissingColumns(db, [{ table: 'eventbridgev2_pending', column: 'in_flight', definition: 'INTEGER NOT NULL DEFAULT 0' }]);
    db.exec('CREATE INDEX IF NOT EXISTS eventbridgev2_pending_due ON eventbridgev2_pending (subscriber_arn, next_at)');
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_dropped (subscriber_arn TEXT PRIMARY KEY, count INTEGER NOT NULL)`);
    // Events delivered and dead-lettered, a count each subscriber: what the read API's /custom-buses shows.
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_settled (
      subscriber_arn TEXT NOT NULL, outcome TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (subscriber_arn, outcome)
    )`);
  }

  has(subscriberArn: string): boolean {
    return this.db.prepare('SELECT 1 FROM eventbridgev2_cursors WHERE subscriber_arn = ?').get(subscriberArn) !== undefined;
  }

  /**
   * Where a new subscriber starts reading (eb-custom-bus-replay, "Starting position"): LATEST
   * after the last event the bus holds now; POINT_IN_TIME from the oldest retained event
   * (HORIZON) or the first accepted at or after StartingPoint (TIMESTAMP, epoch seconds).
   */
  startingPosition(subscriber: SubscriberRecord): number {
    const config = subscriber.configuration;
    const bus = subscriber.EventBusArn;
    if (config.StartingPosition !== 'POINT_IN_TIME') return this.#lastRow(bus, Number.MAX_SAFE_INTEGER);
    const point = (config.PointInTimeConfiguration ?? {}) as Fields;
    if (point.PointType !== 'TIMESTAMP') return 0;
    return this.#lastRow(bus, Number(point.StartingPoint) * 1000 - 1);
  }

  /** The last event row of the bus accepted at or before `at` (0: none). */
  #lastRow(busArn: string, at: number): number {
    const row = this.db.prepare('SELECT MAX(id) AS id FROM eventbridgev2_events WHERE bus_arn = ? AND due_at <= ?').get(busArn, at) as {
      id: number | null;
    };
    return row.id ?? 0;
  }

  /** Makes the bus's cursors (or one subscriber's) due now. */
  makeDue(now: number, where: { busArn: string } | { subscriberArn: string }): void {
    if ('busArn' in where) this.db.prepare('UPDATE eventbridgev2_cursors SET due_at = ? WHERE bus_arn = ?').run(now, where.busArn);
    else this.db.prepare('UPDATE eventbridgev2_cursors SET due_at = ? WHERE subscriber_arn = ?').run(now, where.subscriberArn);
  }

  /** Every cursor due now (at start: what an event accepted just before a crash left undone). */
  allDue(now: number): void {
    this.db.prepare('UPDATE eventbridgev2_cursors SET due_at = ?').run(now);
  }

  /** Forgets a subscriber: its cursor, the events it still owed, its drop count. */
  forget(subscriberArn: string): void {
    this.db.prepare('DELETE FROM eventbridgev2_pending WHERE subscriber_arn = ?').run(subscriberArn);
    this.db.prepare('DELETE FROM eventbridgev2_cursors WHERE subscriber_arn = ?').run(subscriberArn);
    this.db.prepare('DELETE FROM eventbridgev2_dropped WHERE subscriber_arn = ?').run(subscriberArn);
    this.db.prepare('DELETE FROM eventbridgev2_settled WHERE subscriber_arn = ?').run(subscriberArn);
  }

  /** The events after `cursor`'s position, accepted at or before `until`, oldest first. */
  after(cursor: CursorRow, until: number): { id: number; event: string; due_at: number; group_id: string | null }[] {
    return this.db
      .prepare('SELECT id, event, due_at, group_id FROM eventbridgev2_events WHERE bus_arn = ? AND id > ? AND due_at <= ? ORDER BY id')
      .all(cursor.bus_arn, cursor.position, until) as { id: number; event: string; due_at: number; group_id: string | null }[];
  }

  /** Writes the matched events into `pending` and moves the position past every event read (call inside a transaction). */
  advance(cursor: CursorRow, matched: readonly { id: number; due_at: number; group_id: string | null }[], position: number): void {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO eventbridgev2_pending (subscriber_arn, event_row, group_id, first_at, next_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (const event of matched) insert.run(cursor.subscriber_arn, event.id, event.group_id, event.due_at, event.due_at);
    this.db.prepare('UPDATE eventbridgev2_cursors SET position = ? WHERE id = ?').run(position, cursor.id);
  }

  /**
   * The events the subscriber owes whose retry (if any) is due, in publish order, at most
   * `limit`; with `ordered`, none behind an earlier event of its group that waits for its retry.
   */
  due(subscriberArn: string, now: number, ordered: boolean, limit: number): PendingRow[] {
    const blocked = ordered
      ? `AND NOT EXISTS (SELECT 1 FROM eventbridgev2_pending q WHERE q.subscriber_arn = p.subscriber_arn
           AND q.group_id = p.group_id AND q.event_row < p.event_row AND q.next_at > ?)`
      : 'AND ? IS NOT NULL';
    return this.db
      .prepare(
        `SELECT p.event_row, p.group_id, p.attempts, p.first_at, p.next_at, e.event FROM eventbridgev2_pending p
         JOIN eventbridgev2_events e ON e.id = p.event_row WHERE p.subscriber_arn = ? AND p.next_at <= ? ${blocked}
         ORDER BY p.event_row LIMIT ?`,
      )
      .all(subscriberArn, now, now, limit) as unknown as PendingRow[];
  }

  /** The batch the subscriber sent and had not recorded when the runtime stopped (empty: none), in publish order. */
  inFlight(subscriberArn: string): PendingRow[] {
    return this.db
      .prepare(
        `SELECT p.event_row, p.group_id, p.attempts, p.first_at, p.next_at, e.event FROM eventbridgev2_pending p
         JOIN eventbridgev2_events e ON e.id = p.event_row WHERE p.subscriber_arn = ? AND p.in_flight = 1 ORDER BY p.event_row`,
      )
      .all(subscriberArn) as unknown as PendingRow[];
  }

  /** Marks the batch about to be sent as in flight (committed before the send), until its events are settled or retried. */
  markInFlight(subscriberArn: string, rows: readonly PendingRow[]): void {
    const mark = this.db.prepare('UPDATE eventbridgev2_pending SET in_flight = 1 WHERE subscriber_arn = ? AND event_row = ?');
    for (const row of rows) mark.run(subscriberArn, row.event_row);
  }

  /** When the subscriber's next retry falls due (undefined: none waits). */
  nextRetryAt(subscriberArn: string, now: number): number | undefined {
    const row = this.db
      .prepare('SELECT MIN(next_at) AS at FROM eventbridgev2_pending WHERE subscriber_arn = ? AND next_at > ?')
      .get(subscriberArn, now) as { at: number | null };
    return row.at ?? undefined;
  }

  /** The event was delivered, dead-lettered or dropped: it leaves `pending`. */
  settle(subscriberArn: string, eventRow: number): void {
    this.db.prepare('DELETE FROM eventbridgev2_pending WHERE subscriber_arn = ? AND event_row = ?').run(subscriberArn, eventRow);
  }

  /** The event failed and is tried again at `at`. */
  retry(subscriberArn: string, eventRow: number, attempts: number, at: number, error: string): void {
    this.db
      .prepare(
        'UPDATE eventbridgev2_pending SET attempts = ?, next_at = ?, last_error = ?, in_flight = 0 WHERE subscriber_arn = ? AND event_row = ?',
      )
      .run(attempts, at, error, subscriberArn, eventRow);
  }

  /** Counts an event dropped without a dead-letter queue (the EventsDropped metric's count). */
  dropped(subscriberArn: string): void {
    this.db
      .prepare(
        'INSERT INTO eventbridgev2_dropped (subscriber_arn, count) VALUES (?, 1) ON CONFLICT (subscriber_arn) DO UPDATE SET count = count + 1',
      )
      .run(subscriberArn);
  }

  /** Counts an event its target (`delivered`) or its dead-letter queue (`dead-lettered`) took. */
  settled(subscriberArn: string, outcome: 'delivered' | 'dead-lettered'): void {
    this.db
      .prepare(
        'INSERT INTO eventbridgev2_settled (subscriber_arn, outcome, count) VALUES (?, ?, 1) ON CONFLICT (subscriber_arn, outcome) DO UPDATE SET count = count + 1',
      )
      .run(subscriberArn, outcome);
  }

  /** What the subscriber did with the events it selected: delivered, retrying, dead-lettered, dropped, waiting. */
  tally(subscriberArn: string): { delivered: number; retrying: number; deadLettered: number; dropped: number; waiting: number } {
    const settled = this.db.prepare('SELECT outcome, count FROM eventbridgev2_settled WHERE subscriber_arn = ?').all(subscriberArn) as {
      outcome: string;
      count: number;
    }[];
    const count = (outcome: string) => settled.find((row) => row.outcome === outcome)?.count ?? 0;
    const pending = this.db
      .prepare(
        'SELECT COALESCE(SUM(attempts > 0), 0) AS retrying, COALESCE(SUM(attempts = 0), 0) AS waiting FROM eventbridgev2_pending WHERE subscriber_arn = ?',
      )
      .get(subscriberArn) as { retrying: number; waiting: number };
    const dropped = this.db.prepare('SELECT count FROM eventbridgev2_dropped WHERE subscriber_arn = ?').get(subscriberArn) as
      | { count: number }
      | undefined;
    return {
      delivered: count('delivered'),
      retrying: pending.retrying,
      deadLettered: count('dead-lettered'),
      dropped: dropped?.count ?? 0,
      waiting: pending.waiting,
    };
  }

  /** Events dropped, in all. */
  droppedCount(): number {
    return (this.db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM eventbridgev2_dropped').get() as { n: number }).n;
  }

  /** Events matched and not yet delivered, in all. */
  pendingCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM eventbridgev2_pending').get() as { n: number }).n;
  }

  /**
   * Purges the bus's events older than its retention period, but none a subscriber still owes
   * (a subscriber retrying an event keeps it until its own MaxEventAgeInSeconds ends).
   */
  purge(busArn: string, before: number): void {
    this.db
      .prepare(
        `DELETE FROM eventbridgev2_events WHERE bus_arn = ? AND due_at < ?
         AND NOT EXISTS (SELECT 1 FROM eventbridgev2_pending p WHERE p.event_row = eventbridgev2_events.id)`,
      )
      .run(busArn, before);
  }
}
