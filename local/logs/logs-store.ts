import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { SqlWhere } from '../store/sql-where.js';
import { TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';

/**
 * CloudWatch Logs' tables. Events reference their stream, streams their group, both with
 * ON DELETE CASCADE, so deleting a group or a stream deletes what it holds in one
 * statement. An event's place in a stream is (timestamp, id): `id` is the ingestion order,
 * which breaks ties between events of the same millisecond as CloudWatch does.
 * A group's stored bytes are kept as a counter, updated in the writing transaction.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS logs_group (
  name TEXT PRIMARY KEY,
  creation_time INTEGER NOT NULL,
  retention_days INTEGER,
  group_class TEXT NOT NULL,
  kms_key_id TEXT,
  deletion_protection INTEGER NOT NULL DEFAULT 0,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  template_settings TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs_stream (
  group_name TEXT NOT NULL REFERENCES logs_group(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  first_event INTEGER,
  last_event INTEGER,
  last_ingestion INTEGER,
  PRIMARY KEY (group_name, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs_event (
  id INTEGER PRIMARY KEY,
  group_name TEXT NOT NULL,
  stream_name TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  ingestion_time INTEGER NOT NULL,
  message TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  FOREIGN KEY (group_name, stream_name) REFERENCES logs_stream(group_name, name) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS logs_event_by_stream ON logs_event (group_name, stream_name, timestamp, id);
CREATE INDEX IF NOT EXISTS logs_event_by_group ON logs_event (group_name, timestamp, id);
`;

export interface GroupRow {
  name: string;
  creation_time: number;
  retention_days: number | null;
  group_class: string;
  kms_key_id: string | null;
  deletion_protection: number;
  stored_bytes: number;
  template_settings: string | null;
}

export interface StreamRow {
  group_name: string;
  name: string;
  creation_time: number;
  first_event: number | null;
  last_event: number | null;
  last_ingestion: number | null;
}

export interface EventRow {
  id: number;
  stream_name: string;
  timestamp: number;
  ingestion_time: number;
  message: string;
  bytes: number;
}

/** A place in the event order: events strictly after (or before) it are read next. */
export interface Position {
  readonly timestamp: number;
  readonly id: number;
}

/** A position's values for a `(timestamp, id)` comparison. */
const at = (position: Position) => [position.timestamp, position.id];

export interface NewEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** Told of the events an append stored, once committed (`LogsService.onEvents`). */
export type EventsListener = (group: string, stream: string, events: readonly NewEvent[]) => void;

/** An event as it was stored: its id is its place in the ingestion order. */
export interface StoredEvent extends NewEvent {
  readonly id: number;
}

/**
 * Told of each stream's events inside the transaction that appends them (subscription filters
 * write their deliveries there), for the groups it answers a listener for: the others' events
 * are not collected (a function's every line is appended here).
 */
export type AppendedListener = (group: string) => ((stream: string, events: readonly StoredEvent[]) => void) | undefined;

/** One listener that tells each of `listeners` answering for the group (none when none does). */
export function appendedListeners(...listeners: readonly AppendedListener[]): AppendedListener {
  return (group) => {
    const told = listeners.flatMap((listener) => listener(group) ?? []);
    if (told.length <= 1) return told[0];
    return (stream, events) => {
      for (const listener of told) listener(stream, events);
    };
  };
}

export class LogsStore {
  readonly #tags: TagStore;
  /**
   * Statements of fixed text, each prepared once: every function invocation's log lines are
   * appended in a transaction of five statements, and preparing them each time cost more
   * than running them.
   */
  readonly #statements = new Map<string, StatementSync>();

  constructor(
    private readonly db: DatabaseSync,
    /** A group's ARN, by its name: what its tags are kept by. */
    private readonly arnOf: (name: string) => string,
  ) {
    db.exec(SCHEMA);
    // Before the TagStore, `logs_group_tag` held a row per tag, by the group's name.
    this.#tags = new TagStore(db, { table: 'logs_group_tag', arnColumn: 'group_name', arnOf });
  }

  group(name: string): GroupRow | undefined {
    return this.#prepared('SELECT * FROM logs_group WHERE name = ?').get(name) as GroupRow | undefined;
  }

  /** Groups by name (ASCII order) after `after`, whose names start with `prefix` or contain `substring`. */
  groups(options: {
    prefix?: string;
    substring?: string;
    groupClass?: string;
    names?: readonly string[];
    after?: string;
    limit: number;
  }): GroupRow[] {
    const where = new SqlWhere()
      .and('name > ?', options.after ?? '')
      .given(options.prefix, 'substr(name, 1, ?) = ?', (prefix) => [prefix.length, prefix])
      .given(options.substring || undefined, 'instr(name, ?) > 0')
      .given(options.groupClass, 'group_class = ?')
      .in('name', options.names);
    return this.db
      .prepare(`SELECT * FROM logs_group ${where.clause} ORDER BY name COLLATE BINARY LIMIT ?`)
      .all(...where.values, options.limit) as unknown as GroupRow[];
  }

  /** Creates a group; false when it exists. */
  createGroup(row: Omit<GroupRow, 'stored_bytes' | 'template_settings'>, tags?: Readonly<Record<string, string>>): boolean {
    return this.#transaction(() => {
      const created =
        this.#prepared(
          `INSERT OR IGNORE INTO logs_group (name, creation_time, retention_days, group_class, kms_key_id, deletion_protection)
             VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(row.name, row.creation_time, row.retention_days, row.group_class, row.kms_key_id, row.deletion_protection).changes > 0;
      if (created) this.#tags.tag(this.arnOf(row.name), Object.entries(tags ?? {}));
      return created;
    });
  }

  deleteGroup(name: string): boolean {
    return this.#transaction(() => {
      this.#tags.forget(this.arnOf(name));
      return this.#prepared('DELETE FROM logs_group WHERE name = ?').run(name).changes > 0;
    });
  }

  setRetention(name: string, days: number | null): void {
    this.#prepared('UPDATE logs_group SET retention_days = ? WHERE name = ?').run(days, name);
  }

  /** What the template last declared for a group (JSON), so a start only changes what the template changed. */
  setTemplateSettings(name: string, settings: string): void {
    this.#prepared('UPDATE logs_group SET template_settings = ? WHERE name = ?').run(settings, name);
  }

  /** A group's tags, by key as ListTagsLogGroup answers them. */
  tags(name: string): Record<string, string> {
    return Object.fromEntries(this.#tags.list(this.arnOf(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  stream(group: string, name: string): StreamRow | undefined {
    return this.#prepared('SELECT * FROM logs_stream WHERE group_name = ? AND name = ?').get(group, name) as StreamRow | undefined;
  }

  /** Every stream of a group, for DescribeLogStreams to order and page. */
  streams(group: string, prefix?: string): StreamRow[] {
    if (prefix === undefined) {
      return this.#prepared('SELECT * FROM logs_stream WHERE group_name = ? ORDER BY name').all(group) as unknown as StreamRow[];
    }
    return this.#prepared('SELECT * FROM logs_stream WHERE group_name = ? AND substr(name, 1, ?) = ? ORDER BY name').all(
      group,
      prefix.length,
      prefix,
    ) as unknown as StreamRow[];
  }

  createStream(group: string, name: string, now: number): boolean {
    return (
      this.#prepared('INSERT OR IGNORE INTO logs_stream (group_name, name, creation_time) VALUES (?, ?, ?)').run(group, name, now).changes >
      0
    );
  }

  deleteStream(group: string, name: string): boolean {
    return this.#transaction(() => {
      const bytes = this.#prepared('SELECT COALESCE(SUM(bytes), 0) AS total FROM logs_event WHERE group_name = ? AND stream_name = ?').get(
        group,
        name,
      ) as { total: number };
      const deleted = this.#prepared('DELETE FROM logs_stream WHERE group_name = ? AND name = ?').run(group, name).changes > 0;
      if (deleted) this.#prepared('UPDATE logs_group SET stored_bytes = stored_bytes - ? WHERE name = ?').run(bytes.total, group);
      return deleted;
    });
  }

  /**
   * Appends events to streams (one transaction for the whole batch). With `create`, a
   * missing group or stream is created first, as services that write their own logs
   * (Lambda, Step Functions) do; without it, both must exist. `appended` hears of each stream's
   * events in the same transaction.
   */
  append(
    batches: readonly { group: string; stream: string; events: readonly NewEvent[] }[],
    now: number,
    create: { groupClass: string } | undefined,
    appended?: AppendedListener,
  ): void {
    this.#transaction(() => {
      const insert = this.#prepared(
        'INSERT INTO logs_event (group_name, stream_name, timestamp, ingestion_time, message, bytes) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const { group, stream, events } of batches) {
        if (events.length === 0) continue;
        if (create) {
          this.#prepared('INSERT OR IGNORE INTO logs_group (name, creation_time, group_class) VALUES (?, ?, ?)').run(
            group,
            now,
            create.groupClass,
          );
          this.createStream(group, stream, now);
        }
        let bytes = 0;
        let first = Number.POSITIVE_INFINITY;
        let last = Number.NEGATIVE_INFINITY;
        const listener = appended?.(group);
        const stored: StoredEvent[] = [];
        for (const event of events) {
          const size = Buffer.byteLength(event.message);
          const { lastInsertRowid } = insert.run(group, stream, event.timestamp, now, event.message, size);
          if (listener) stored.push({ id: Number(lastInsertRowid), timestamp: event.timestamp, message: event.message });
          bytes += size;
          first = Math.min(first, event.timestamp);
          last = Math.max(last, event.timestamp);
        }
        this.#prepared(
          `UPDATE logs_stream SET first_event = MIN(COALESCE(first_event, ?), ?), last_event = MAX(COALESCE(last_event, ?), ?),
             last_ingestion = ? WHERE group_name = ? AND name = ?`,
        ).run(first, first, last, last, now, group, stream);
        this.#prepared('UPDATE logs_group SET stored_bytes = stored_bytes + ? WHERE name = ?').run(bytes, group);
        listener?.(stream, stored);
      }
    });
  }

  /** Up to `limit` events of one stream after (or before, in reverse) `from`, within [start, end). */
  streamEvents(
    group: string,
    stream: string,
    options: { from?: Position; backward: boolean; start?: number; end?: number; limit: number },
  ): EventRow[] {
    const where = new SqlWhere()
      .and('group_name = ?', group)
      .and('stream_name = ?', stream)
      .given(options.from, options.backward ? '(timestamp, id) < (?, ?)' : '(timestamp, id) > (?, ?)', at)
      .given(options.start, 'timestamp >= ?')
      .given(options.end, 'timestamp < ?');
    const order = options.backward ? 'DESC' : 'ASC';
    return this.db
      .prepare(
        `SELECT id, stream_name, timestamp, ingestion_time, message, bytes FROM logs_event ${where.clause}
         ORDER BY timestamp ${order}, id ${order} LIMIT ?`,
      )
      .all(...where.values, options.limit) as unknown as EventRow[];
  }

  /** Up to `limit` events of a group after `after` in (timestamp, id) order, within [start, end], from the given streams. */
  groupEvents(
    group: string,
    options: { after?: Position; start?: number; end?: number; streams?: readonly string[]; streamPrefix?: string; limit: number },
  ): EventRow[] {
    const where = new SqlWhere()
      .and('group_name = ?', group)
      .given(options.after, '(timestamp, id) > (?, ?)', at)
      .given(options.start, 'timestamp >= ?')
      .given(options.end, 'timestamp <= ?')
      .in('stream_name', options.streams)
      .given(options.streamPrefix, 'substr(stream_name, 1, ?) = ?', (prefix) => [prefix.length, prefix]);
    return this.db
      .prepare(
        `SELECT id, stream_name, timestamp, ingestion_time, message, bytes FROM logs_event ${where.clause}
         ORDER BY timestamp, id LIMIT ?`,
      )
      .all(...where.values, options.limit) as unknown as EventRow[];
  }

  /** Groups that have a retention policy, for the purge. */
  retainedGroups(): { name: string; retention_days: number }[] {
    return this.#prepared('SELECT name, retention_days FROM logs_group WHERE retention_days IS NOT NULL').all() as {
      name: string;
      retention_days: number;
    }[];
  }

  /** Deletes a group's events older than `before`; returns how many. */
  purge(group: string, before: number): number {
    return this.#transaction(() => {
      const gone = this.#prepared(
        'SELECT COALESCE(SUM(bytes), 0) AS bytes, COUNT(*) AS count FROM logs_event WHERE group_name = ? AND timestamp < ?',
      ).get(group, before) as { bytes: number; count: number };
      if (gone.count === 0) return 0;
      this.#prepared('DELETE FROM logs_event WHERE group_name = ? AND timestamp < ?').run(group, before);
      this.#prepared('UPDATE logs_group SET stored_bytes = stored_bytes - ? WHERE name = ?').run(gone.bytes, group);
      // A stream's first event may be gone; its last one too (then the stream has none left).
      this.#prepared(
        `UPDATE logs_stream SET
             first_event = (SELECT MIN(timestamp) FROM logs_event e WHERE e.group_name = logs_stream.group_name AND e.stream_name = logs_stream.name),
             last_event = (SELECT MAX(timestamp) FROM logs_event e WHERE e.group_name = logs_stream.group_name AND e.stream_name = logs_stream.name)
           WHERE group_name = ? AND first_event < ?`,
      ).run(group, before);
      return gone.count;
    });
  }

  #prepared(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #transaction<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }
}
