import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from '../../store/transaction.js';
import type { Clock } from '../../time/clock.js';
import { type Item, itemSize } from '../engine/values.js';

/** How long a stream keeps its records (DynamoDB Streams: 24 hours). */
const RETENTION_MS = 24 * 60 * 60 * 1000;

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
const VIEW_TYPES: readonly string[] = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];

export interface StreamRow {
  readonly arn: string;
  readonly table: string;
  readonly label: string;
  readonly viewType: StreamViewType;
  readonly enabled: boolean;
  readonly createdMs: number;
  readonly keySchema: readonly { AttributeName: string; KeyType: string }[];
}

/** One write's effect on one item, as its stream records it (images in DynamoDB JSON). */
export interface CapturedChange {
  readonly table: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: Record<string, unknown>;
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
}

/** A stored record in the shape GetRecords answers (and Lambda and Pipes hand over, with `eventSourceARN`). */
export interface StreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: '1.1';
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: StreamViewType;
  };
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
}

/** A record with where it is: its stream and its position (for checkpoints). */
export interface StoredRecord {
  readonly position: number;
  readonly streamArn: string;
  readonly createdMs: number;
  readonly record: StreamRecord;
}

/** Sequence numbers are the record's position, zero-padded so that they also sort as text. */
export const sequenceNumber = (position: number) => String(position).padStart(21, '0');

/** The one shard each local stream has (AWS splits a stream into shards; locally one keeps every item in commit order). */
export function shardIdOf(streamArn: string): string {
  return `shardId-00000000000000000000-${createHash('sha256').update(streamArn).digest('hex').slice(0, 8)}`;
}

/**
 * Stream records in SQLite, in the database of the tables' items: the engine's thread writes
 * a write's records in the write's own transaction (so a write and its records commit
 * together, whatever kills the process), the main thread reads them (the Streams API, Pipes,
 * event source mappings); kept 24 hours as DynamoDB Streams keeps them.
 */
export class StreamStore {
  readonly #listeners = new Set<(streamArn: string) => void>();

  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
    private readonly region: string,
    private readonly accountId: string,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS streams (
        arn TEXT PRIMARY KEY, table_name TEXT NOT NULL, label TEXT NOT NULL, view_type TEXT NOT NULL,
        enabled INTEGER NOT NULL, created_ms INTEGER NOT NULL, key_schema TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS records (
        position INTEGER PRIMARY KEY AUTOINCREMENT, stream_arn TEXT NOT NULL, created_ms INTEGER NOT NULL, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS records_by_stream ON records (stream_arn, position);
      CREATE TABLE IF NOT EXISTS time_to_live (table_name TEXT PRIMARY KEY, attribute TEXT NOT NULL, enabled INTEGER NOT NULL);
    `);
  }

  /** Called after records of a stream are committed. */
  onRecords(listener: (streamArn: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Enables a stream on a table (the template's, or one CreateTable asked for); an enabled
   * stream with the same label is kept, with its records. Older streams of the table are disabled.
   */
  enable(table: string, viewType: string, keySchema: StreamRow['keySchema'], label?: string): StreamRow {
    if (!VIEW_TYPES.includes(viewType)) throw new Error(`StreamViewType must be one of ${VIEW_TYPES.join(', ')} (got ${viewType})`);
    const arnOf = (streamLabel: string) => `arn:aws:dynamodb:${this.region}:${this.accountId}:table/${table}/stream/${streamLabel}`;
    let createdMs = this.clock.now();
    // A new stream never takes the label (and records) of an earlier one created in the same millisecond.
    while (label === undefined && this.stream(arnOf(new Date(createdMs).toISOString().slice(0, -1)))) createdMs++;
    const streamLabel = label ?? new Date(createdMs).toISOString().slice(0, -1);
    const arn = arnOf(streamLabel);
    this.db.prepare('UPDATE streams SET enabled = 0 WHERE table_name = ? AND arn <> ?').run(table, arn);
    this.db
      .prepare(
        `INSERT INTO streams (arn, table_name, label, view_type, enabled, created_ms, key_schema) VALUES (?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (arn) DO UPDATE SET enabled = 1, view_type = excluded.view_type, key_schema = excluded.key_schema`,
      )
      .run(arn, table, streamLabel, viewType, createdMs, JSON.stringify(keySchema));
    return this.stream(arn) as StreamRow;
  }

  /** A deleted table's stream stops taking records; what it has stays readable for 24 hours. */
  disableTable(table: string): void {
    this.db.prepare('UPDATE streams SET enabled = 0 WHERE table_name = ?').run(table);
  }

  stream(arn: string): StreamRow | undefined {
    const row = this.db.prepare('SELECT * FROM streams WHERE arn = ?').get(arn) as Record<string, unknown> | undefined;
    return row && rowToStream(row);
  }

  streams(): StreamRow[] {
    return (this.db.prepare('SELECT * FROM streams ORDER BY table_name, created_ms').all() as Record<string, unknown>[]).map(rowToStream);
  }

  /** The enabled stream of each table, by table name: what change capture needs to know. */
  enabledByTable(): Record<string, { viewType: string; arn: string; label: string }> {
    return Object.fromEntries(
      this.streams()
        .filter((s) => s.enabled)
        .map((s) => [s.table, { viewType: s.viewType, arn: s.arn, label: s.label }]),
    );
  }

  /**
   * Commits the records of one write (all or none; inside the write's transaction when one is
   * open), each cut to what its stream's view type carries.
   */
  append(changes: readonly CapturedChange[]): void {
    const now = this.clock.now();
    const enabled = this.enabledByTable();
    const touched = new Set<string>();
    const insert = this.db.prepare('INSERT INTO records (stream_arn, created_ms, record) VALUES (?, ?, ?)');
    const setRecord = this.db.prepare('UPDATE records SET record = ? WHERE position = ?');
    inTransaction(this.db, () => {
      for (const change of changes) {
        const stream = enabled[change.table];
        if (!stream) continue;
        const viewType = stream.viewType as StreamViewType;
        const position = Number(insert.run(stream.arn, now, '{}').lastInsertRowid);
        const newImage = viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES' ? change.newImage : undefined;
        const oldImage = viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES' ? change.oldImage : undefined;
        const record: StreamRecord = {
          eventID: randomUUID().replace(/-/g, ''),
          eventName: change.eventName,
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: this.region,
          dynamodb: {
            ApproximateCreationDateTime: Math.floor(now / 1000),
            Keys: change.keys,
            ...(newImage ? { NewImage: newImage } : {}),
            ...(oldImage ? { OldImage: oldImage } : {}),
            SequenceNumber: sequenceNumber(position),
            // DynamoDB counts a record's keys and images as it counts items (names and values).
            SizeBytes: [change.keys, newImage, oldImage].reduce((sum, image) => sum + (image ? itemSize(image as Item) : 0), 0),
            StreamViewType: viewType,
          },
          ...(change.userIdentity ? { userIdentity: change.userIdentity } : {}),
        };
        setRecord.run(JSON.stringify(record), position);
        touched.add(stream.arn);
      }
    });
    for (const arn of touched) this.notify(arn);
  }

  /** Tells the listeners that a stream has new records (committed by this connection or, in the engine's thread, another). */
  notify(streamArn: string): void {
    for (const listener of this.#listeners) listener(streamArn);
  }

  /** Records of a stream after `afterPosition`, oldest first, within the retention period. */
  read(streamArn: string, afterPosition: number, limit: number): StoredRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM records WHERE stream_arn = ? AND position > ? AND created_ms >= ? ORDER BY position LIMIT ?')
      .all(streamArn, afterPosition, this.clock.now() - RETENTION_MS, limit) as Record<string, unknown>[];
    return rows.map((row) => ({
      position: Number(row.position),
      streamArn: String(row.stream_arn),
      createdMs: Number(row.created_ms),
      record: JSON.parse(String(row.record)) as StreamRecord,
    }));
  }

  /** The newest position of a stream (0 when it has none): where LATEST starts. */
  latestPosition(streamArn: string): number {
    const row = this.db.prepare('SELECT MAX(position) AS last FROM records WHERE stream_arn = ?').get(streamArn) as { last: number | null };
    return Number(row.last ?? 0);
  }

  /** The oldest position still kept (for TrimmedDataAccessException), or undefined when none is. */
  oldestPosition(streamArn: string): number | undefined {
    const row = this.db
      .prepare('SELECT MIN(position) AS first FROM records WHERE stream_arn = ? AND created_ms >= ?')
      .get(streamArn, this.clock.now() - RETENTION_MS) as { first: number | null };
    return row.first === null ? undefined : Number(row.first);
  }

  /** Deletes records past the retention period, and disabled streams left with none. */
  trim(): void {
    const cutoff = this.clock.now() - RETENTION_MS;
    this.db.prepare('DELETE FROM records WHERE created_ms < ?').run(cutoff);
    this.db
      .prepare(
        'DELETE FROM streams WHERE enabled = 0 AND created_ms < ? AND NOT EXISTS (SELECT 1 FROM records WHERE stream_arn = streams.arn)',
      )
      .run(cutoff);
  }

  timeToLive(table: string): { attribute: string; enabled: boolean } | undefined {
    const row = this.db.prepare('SELECT * FROM time_to_live WHERE table_name = ?').get(table) as
      | { attribute: string; enabled: number }
      | undefined;
    return row && { attribute: row.attribute, enabled: row.enabled === 1 };
  }

  setTimeToLive(table: string, attribute: string, enabled: boolean): void {
    this.db
      .prepare(
        `INSERT INTO time_to_live (table_name, attribute, enabled) VALUES (?, ?, ?)
         ON CONFLICT (table_name) DO UPDATE SET attribute = excluded.attribute, enabled = excluded.enabled`,
      )
      .run(table, attribute, enabled ? 1 : 0);
  }

  timeToLiveTables(): { table: string; attribute: string }[] {
    return (this.db.prepare('SELECT * FROM time_to_live WHERE enabled = 1').all() as { table_name: string; attribute: string }[]).map(
      (row) => ({ table: row.table_name, attribute: row.attribute }),
    );
  }
}

function rowToStream(row: Record<string, unknown>): StreamRow {
  return {
    arn: String(row.arn),
    table: String(row.table_name),
    label: String(row.label),
    viewType: String(row.view_type) as StreamViewType,
    enabled: row.enabled === 1,
    createdMs: Number(row.created_ms),
    keySchema: JSON.parse(String(row.key_schema)) as StreamRow['keySchema'],
  };
}
