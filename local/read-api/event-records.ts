import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { BusEventRecord, RuleMatch } from '../../clients/read-api-contract.js';
import { type TargetOutcomeUpdate, withTargetOutcome } from '../../clients/rule-outcomes.js';
import { SqlWhere } from '../store/sql-where.js';

interface EventRow {
  seq: number;
  id: string;
  replay_name: string;
  bus: string;
  source: string;
  detail_type: string;
  time: string;
  accepted_at: number;
  detail: string;
  trace_header: string | null;
  matched: string;
}

/** A record with its place in the table: pages continue after it. */
export interface SequencedRecord {
  readonly seq: number;
  readonly record: BusEventRecord;
}

/** One rule target's outcome, for the newest record of an event its rule matched (a replayed event has a record per replay). */
export interface TargetOutcome extends TargetOutcomeUpdate {
  readonly eventId: string;
  readonly replayName?: string;
}

export interface EventsFilter {
  readonly bus?: string;
  readonly detailType?: string;
  readonly replayName?: string;
  readonly since?: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS bus_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, replay_name TEXT NOT NULL DEFAULT '', bus TEXT NOT NULL,
    source TEXT NOT NULL, detail_type TEXT NOT NULL, time TEXT NOT NULL, accepted_at INTEGER NOT NULL,
    detail TEXT NOT NULL, trace_header TEXT, matched TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS bus_events_by_id ON bus_events (id, replay_name);
  CREATE INDEX IF NOT EXISTS bus_events_by_time ON bus_events (accepted_at);
`;

/**
 * The read API's records of the events the buses accepted, in the events database
 * (`events.sqlite`) beside the archive and the deliveries: the bus writes each record in
 * the transaction that accepts the event, so a record is on disk no later than the
 * acceptance, and a kill at any moment leaves the read API listing exactly what the bus
 * took (a batched write of its own lost the last events before a SIGKILL). `seq` is
 * AUTOINCREMENT so that a page cursor never meets a reused number after trimming.
 */
export class BusEventTable {
  readonly #s: ReturnType<typeof prepareStatements>;

  /** `legacy`: the read API's own database, which held the table in data folders from before; its rows move here once. */
  constructor(
    readonly db: DatabaseSync,
    legacy?: DatabaseSync,
  ) {
    if (legacy && legacy !== db) migrateFrom(legacy, db);
    else db.exec(SCHEMA);
    this.#s = prepareStatements(db);
  }

  /** Writes a record at once: inside the caller's transaction when there is one (the bus's acceptance). */
  insert(record: BusEventRecord): void {
    this.#s.insert.run(
      record.id,
      record.replayName ?? '',
      record.bus,
      record.source,
      record.detailType,
      record.time,
      Date.parse(record.acceptedAt),
      JSON.stringify(record.detail),
      record.traceHeader ?? null,
      JSON.stringify(record.matched),
    );
  }

  /** Sets one target's outcome on the newest record of the event that the rule matched (not a copy the rule forwarded to another bus). */
  setOutcome(update: TargetOutcome): void {
    for (const row of this.#s.eventsFor.all(update.eventId, update.replayName ?? '') as unknown as { seq: number; matched: string }[]) {
      const next = withTargetOutcome(JSON.parse(row.matched) as RuleMatch[], update);
      if (next === undefined) continue;
      this.#s.setMatched.run(JSON.stringify(next), row.seq);
      return;
    }
  }

  byId(id: string): BusEventRecord[] {
    return (this.#s.byId.all(id) as unknown as EventRow[]).map(toRecord);
  }

  /** Events whose detail holds `value` as a string value anywhere, oldest first, after `afterSeq`. */
  withDetailValue(value: string, limit: number, afterSeq = 0): SequencedRecord[] {
    const pattern = `%${likeEscape(JSON.stringify(value))}%`;
    return (this.#s.byDetail.all(pattern, afterSeq, limit) as unknown as EventRow[]).map((row) => ({
      seq: row.seq,
      record: toRecord(row),
    }));
  }

  /** Events sent by whatever has `segment` (their trace header's parent). */
  fromSegment(segment: string): BusEventRecord[] {
    return (this.#s.bySegment.all(`%Parent=${segment}%`) as unknown as EventRow[]).map(toRecord);
  }

  /** Newest first, filtered, older than `beforeSeq` when given. */
  list(filter: EventsFilter, limit: number, beforeSeq?: number): SequencedRecord[] {
    const where = new SqlWhere()
      .given(filter.bus, 'bus = ?')
      .given(filter.detailType, 'detail_type = ?')
      .given(filter.replayName, 'replay_name = ?')
      .given(filter.since, 'accepted_at >= ?')
      .given(beforeSeq, 'seq < ?');
    const sql = `SELECT * FROM bus_events ${where.clause} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...where.values, limit) as unknown as EventRow[]).map((row) => ({
      seq: row.seq,
      record: toRecord(row),
    }));
  }

  /** Deletes events older than `cutoff` and all but the newest `maxEvents`; returns when the oldest one kept was accepted. */
  trim(cutoff: number, maxEvents: number): number | undefined {
    this.#s.trimByAge.run(cutoff);
    this.#s.trimByCount.run(maxEvents);
    return (this.#s.oldest.get() as { at: number | null }).at ?? undefined;
  }
}

/**
 * Moves the table out of the read API's database into the events database: created and
 * filled in one transaction of the events database, so a kill leaves either no table there
 * (the move runs again) or all of it (the old table is only dropped).
 */
function migrateFrom(legacy: DatabaseSync, db: DatabaseSync): void {
  const exists = (on: DatabaseSync) => on.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bus_events'`).get();
  if (!exists(db) && exists(legacy)) {
    const rows = legacy.prepare('SELECT * FROM bus_events ORDER BY seq').all() as unknown as EventRow[];
    db.exec('BEGIN');
    try {
      db.exec(SCHEMA);
      const insert = db.prepare(
        `INSERT INTO bus_events (seq, id, replay_name, bus, source, detail_type, time, accepted_at, detail, trace_header, matched)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of rows) {
        insert.run(r.seq, r.id, r.replay_name, r.bus, r.source, r.detail_type, r.time, r.accepted_at, r.detail, r.trace_header, r.matched);
      }
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  db.exec(SCHEMA);
  legacy.exec('DROP TABLE IF EXISTS bus_events');
}

function toRecord(row: EventRow): BusEventRecord {
  return {
    id: row.id,
    bus: row.bus,
    source: row.source,
    detailType: row.detail_type,
    time: row.time,
    acceptedAt: new Date(row.accepted_at).toISOString(),
    ...(row.replay_name ? { replayName: row.replay_name } : {}),
    detail: JSON.parse(row.detail) as unknown,
    matched: JSON.parse(row.matched) as RuleMatch[],
    ...(row.trace_header ? { traceHeader: row.trace_header } : {}),
  };
}

export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insert: p(
      `INSERT INTO bus_events (id, replay_name, bus, source, detail_type, time, accepted_at, detail, trace_header, matched)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    byId: p('SELECT * FROM bus_events WHERE id = ? ORDER BY seq'),
    eventsFor: p('SELECT seq, matched FROM bus_events WHERE id = ? AND replay_name = ? ORDER BY seq DESC'),
    setMatched: p('UPDATE bus_events SET matched = ? WHERE seq = ?'),
    byDetail: p(`SELECT * FROM bus_events WHERE detail LIKE ? ESCAPE '\\' AND seq > ? ORDER BY seq LIMIT ?`),
    bySegment: p('SELECT * FROM bus_events WHERE trace_header LIKE ? ORDER BY seq'),
    trimByAge: p('DELETE FROM bus_events WHERE accepted_at < ?'),
    // The newest seq less the count, not `ORDER BY seq DESC LIMIT 1 OFFSET ?`, which walked the whole
    // kept range at every trim: seqs only grow and rows go oldest first, so there is no gap among the newest.
    trimByCount: p('DELETE FROM bus_events WHERE seq <= (SELECT max(seq) FROM bus_events) - ?'),
    oldest: p('SELECT min(accepted_at) AS at FROM bus_events'),
  };
}
