import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { type AddedColumn, addMissingColumns } from '../store/added-columns.js';
import { inTransaction } from '../store/transaction.js';

/**
 * Buckets and object metadata in SQLite, object bytes as files in `<data>/s3/`. A put
 * writes the bytes to a new file (fsync, then an atomic rename), then commits the object's
 * row, pointing at that file, in one transaction with the notification it causes; only
 * then is the file it replaced removed. A crash before the commit leaves an unreferenced
 * file (swept at the next start) and the old object intact; after it, the new object and
 * its notification are both durable. Keys sort as S3 lists them: by UTF-8 bytes (SQLite's
 * BINARY collation of TEXT).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS s3_bucket (
  name TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  eventbridge INTEGER NOT NULL DEFAULT 0,
  notifications TEXT NOT NULL DEFAULT '[]'
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_object (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  file TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT NOT NULL,
  metadata TEXT NOT NULL,
  checksums TEXT NOT NULL,
  sequencer TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_notification (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL,
  target TEXT
);
CREATE TABLE IF NOT EXISTS s3_upload (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT NOT NULL,
  metadata TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]'
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_part (
  upload_id TEXT NOT NULL REFERENCES s3_upload (upload_id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL,
  file TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS s3_sequence (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
`;

export interface BucketRow {
  name: string;
  created_at: number;
  eventbridge: number;
  /** The queue, topic and function configurations (`DestinationConfiguration[]`) as JSON. */
  notifications: string;
}

/** Columns later versions added to a table: added to a database an earlier version made. */
const ADDED_COLUMNS: readonly AddedColumn[] = [
  { table: 's3_bucket', column: 'notifications', definition: "TEXT NOT NULL DEFAULT '[]'" },
  { table: 's3_notification', column: 'target', definition: 'TEXT' },
  // Object tagging: objects and uploads written before it have no tags.
  { table: 's3_object', column: 'tags', definition: "TEXT NOT NULL DEFAULT '[]'" },
  { table: 's3_upload', column: 'tags', definition: "TEXT NOT NULL DEFAULT '[]'" },
];

/** One object tag (S3's `Tag`). */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** An object as stored; `etag` is the MD5 in hex, without quotes. */
export interface ObjectRecord {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: number;
  readonly contentType: string;
  /** Content-Encoding, Content-Disposition, Cache-Control, Content-Language, Expires as sent (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** `x-amz-meta-*` values by their name without the prefix (lower case, as S3 keeps them). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Base64 checksums by algorithm (`crc32`, `sha256`, ...). */
  readonly checksums: Readonly<Record<string, string>>;
  /** Orders the writes of one key (S3's `sequencer`): 16 hex digits, growing. */
  readonly sequencer: string;
  /** The object's tag set, in the order it was sent. */
  readonly tags: readonly Tag[];
}

interface ObjectRow {
  bucket: string;
  key: string;
  file: string;
  size: number;
  etag: string;
  last_modified: number;
  content_type: string;
  headers: string;
  metadata: string;
  checksums: string;
  sequencer: string;
  /** `Tag[]` as JSON. */
  tags: string;
}

/** A notification to commit: to the default event bus, or to a queue, topic or function by ARN. */
export interface Notification {
  /** The destination's ARN; undefined for the default event bus. */
  readonly target?: string;
  readonly event: unknown;
}

/** A notification waiting to be sent (it is committed with the write that causes it). */
export interface PendingNotification extends Notification {
  readonly id: number;
}

export class S3Store {
  readonly #db: DatabaseSync;
  readonly #folder: string;

  constructor(db: DatabaseSync, folder: string) {
    this.#db = db;
    this.#folder = folder;
    db.exec(SCHEMA);
    addMissingColumns(db, ADDED_COLUMNS);
    this.#sweep();
  }

  bucket(name: string): BucketRow | undefined {
    return this.#db.prepare('SELECT * FROM s3_bucket WHERE name = ?').get(name) as BucketRow | undefined;
  }

  buckets(): BucketRow[] {
    return this.#db.prepare('SELECT * FROM s3_bucket ORDER BY name').all() as unknown as BucketRow[];
  }

  createBucket(name: string, createdAt: number, eventBridge: boolean): void {
    this.#db.prepare('INSERT INTO s3_bucket (name, created_at, eventbridge) VALUES (?, ?, ?)').run(name, createdAt, eventBridge ? 1 : 0);
  }

  setEventBridge(name: string, enabled: boolean): void {
    this.#db.prepare('UPDATE s3_bucket SET eventbridge = ? WHERE name = ?').run(enabled ? 1 : 0, name);
  }

  /** Replaces a bucket's notification configuration, committing the test events setting it sends in the same transaction. */
  setNotifications(name: string, settings: { eventBridge: boolean; configurations: unknown }, testEvents: readonly Notification[]): void {
    inTransaction(this.#db, () => {
      this.#db
        .prepare('UPDATE s3_bucket SET eventbridge = ?, notifications = ? WHERE name = ?')
        .run(settings.eventBridge ? 1 : 0, JSON.stringify(settings.configurations), name);
      this.#enqueue(testEvents);
    });
  }

  deleteBucket(name: string): void {
    this.#db.prepare('DELETE FROM s3_bucket WHERE name = ?').run(name);
  }

  isEmpty(bucket: string): boolean {
    return this.#db.prepare('SELECT 1 FROM s3_object WHERE bucket = ? LIMIT 1').get(bucket) === undefined;
  }

  object(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM s3_object WHERE bucket = ? AND key = ?').get(bucket, key) as ObjectRow | undefined;
    return row && recordOf(row);
  }

  /**
   * Replaces an object's tag set, leaving its bytes, ETag and Last-Modified as they are (as
   * PutObjectTagging does), with the notifications `notify` builds in the same commit; false
   * when no object has the key.
   */
  setTags(bucket: string, key: string, tags: readonly Tag[], notify?: (record: ObjectRecord) => readonly Notification[]): boolean {
    return inTransaction(this.#db, () => {
      const result = this.#db.prepare('UPDATE s3_object SET tags = ? WHERE bucket = ? AND key = ?').run(JSON.stringify(tags), bucket, key);
      if (Number(result.changes) === 0) return false;
      const row = this.#db.prepare('SELECT * FROM s3_object WHERE bucket = ? AND key = ?').get(bucket, key) as unknown as ObjectRow;
      if (notify) this.#enqueue(notify(recordOf(row)));
      return true;
    });
  }

  /** The object's bytes (read whole: objects are at most the endpoint's body limit). */
  read(bucket: string, key: string): Buffer | undefined {
    const row = this.#db.prepare('SELECT file FROM s3_object WHERE bucket = ? AND key = ?').get(bucket, key) as
      | { file: string }
      | undefined;
    return row && readFileSync(path.join(this.#folder, row.file));
  }

  /**
   * Objects of a bucket whose key starts with `prefix` and sorts after `after`, in key
   * order, at most `limit` (the caller groups common prefixes).
   */
  list(bucket: string, prefix: string, after: string, limit: number): ObjectRecord[] {
    const rows = this.#db
      .prepare(
        `SELECT * FROM s3_object WHERE bucket = ? AND key > ? AND substr(key, 1, length(?)) = ?
         ORDER BY key LIMIT ?`,
      )
      .all(bucket, after, prefix, prefix, limit) as unknown as ObjectRow[];
    return rows.map(recordOf);
  }

  /** The next sequencer: growing across restarts, and with the clock so it reads like S3's. */
  #nextSequencer(now: number): string {
    const row = this.#db.prepare('SELECT value FROM s3_sequence WHERE id = 1').get() as { value: number } | undefined;
    const value = Math.max((row?.value ?? 0) + 1, now * 1000);
    this.#db.prepare('INSERT INTO s3_sequence (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value').run(value);
    return value.toString(16).padStart(16, '0');
  }

  /**
   * Stores an object's bytes and row, with the notifications `notify` builds from the stored
   * record, as one commit; the record is returned.
   */
  put(
    object: Omit<ObjectRecord, 'sequencer'>,
    body: Buffer,
    notify?: (record: ObjectRecord) => readonly Notification[],
    /** More writes for the same commit (a completed upload's rows); returns the files to remove once committed. */
    alsoInTransaction?: () => readonly string[],
  ): ObjectRecord {
    const file = writeObjectFile(this.#folder, body);
    let obsolete: readonly string[] = [];
    let replaced: string | undefined;
    let record: ObjectRecord;
    try {
      record = inTransaction(this.#db, () => {
        const previous = this.#db.prepare('SELECT file FROM s3_object WHERE bucket = ? AND key = ?').get(object.bucket, object.key) as
          | { file: string }
          | undefined;
        replaced = previous?.file;
        const stored = { ...object, sequencer: this.#nextSequencer(object.lastModified) };
        this.#db
          .prepare(
            `INSERT INTO s3_object (bucket, key, file, size, etag, last_modified, content_type, headers, metadata, checksums, sequencer, tags)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (bucket, key) DO UPDATE SET file = excluded.file, size = excluded.size, etag = excluded.etag,
               last_modified = excluded.last_modified, content_type = excluded.content_type, headers = excluded.headers,
               metadata = excluded.metadata, checksums = excluded.checksums, sequencer = excluded.sequencer, tags = excluded.tags`,
          )
          .run(
            stored.bucket,
            stored.key,
            file,
            stored.size,
            stored.etag,
            stored.lastModified,
            stored.contentType,
            JSON.stringify(stored.headers),
            JSON.stringify(stored.metadata),
            JSON.stringify(stored.checksums),
            stored.sequencer,
            JSON.stringify(stored.tags),
          );
        if (notify) this.#enqueue(notify(stored));
        if (alsoInTransaction) obsolete = alsoInTransaction();
        return stored;
      });
    } catch (error) {
      rmSync(path.join(this.#folder, file), { force: true });
      throw error;
    }
    for (const name of replaced === undefined ? obsolete : [replaced, ...obsolete]) rmSync(path.join(this.#folder, name), { force: true });
    return record;
  }

  /**
   * Deletes an object (with the notifications `notify` builds, in the same commit); the deleted
   * record, if there was one. `notify` is given no record for a key that did not exist, and called
   * then only when `notifyMissing` (DeleteObjects, which S3 notifies of every key it names).
   */
  delete(
    bucket: string,
    key: string,
    now: number,
    notify?: (record: ObjectRecord | undefined, sequencer: string) => readonly Notification[],
    { notifyMissing = false }: { readonly notifyMissing?: boolean } = {},
  ): ObjectRecord | undefined {
    const deleted = inTransaction(this.#db, () => {
      const row = this.#db.prepare('SELECT * FROM s3_object WHERE bucket = ? AND key = ?').get(bucket, key) as ObjectRow | undefined;
      if (row) this.#db.prepare('DELETE FROM s3_object WHERE bucket = ? AND key = ?').run(bucket, key);
      if (notify && (row || notifyMissing)) this.#enqueue(notify(row && recordOf(row), this.#nextSequencer(now)));
      return row;
    });
    if (deleted) rmSync(path.join(this.#folder, deleted.file), { force: true });
    return deleted && recordOf(deleted);
  }

  pendingNotifications(): PendingNotification[] {
    const rows = this.#db.prepare('SELECT id, event, target FROM s3_notification ORDER BY id').all() as {
      id: number;
      event: string;
      target: string | null;
    }[];
    return rows.map((row) => ({ id: row.id, event: JSON.parse(row.event), ...(row.target === null ? {} : { target: row.target }) }));
  }

  notificationSent(id: number): void {
    this.#db.prepare('DELETE FROM s3_notification WHERE id = ?').run(id);
  }

  /** The database, for the multipart upload store that shares its transactions. */
  get db(): DatabaseSync {
    return this.#db;
  }

  get folder(): string {
    return this.#folder;
  }

  #enqueue(notifications: readonly Notification[]): void {
    const insert = this.#db.prepare('INSERT INTO s3_notification (event, target) VALUES (?, ?)');
    for (const notification of notifications) insert.run(JSON.stringify(notification.event), notification.target ?? null);
  }

  /** Files no row points at: a put that crashed before its commit, or a replaced file a crash kept. */
  #sweep(): void {
    if (!existsSync(this.#folder)) return;
    const referenced = new Set(
      (this.#db.prepare('SELECT file FROM s3_object UNION ALL SELECT file FROM s3_part').all() as { file: string }[]).map(
        (row) => row.file,
      ),
    );
    for (const name of readdirSync(this.#folder)) {
      if (!referenced.has(name)) rmSync(path.join(this.#folder, name), { force: true });
    }
  }
}

/** Writes bytes to a new file in `folder` (fsync, then an atomic rename); its name. */
export function writeObjectFile(folder: string, body: Buffer): string {
  const name = randomUUID();
  const temporary = path.join(folder, `${name}.tmp`);
  const fd = openSync(temporary, 'w');
  try {
    let written = 0;
    while (written < body.length) written += writeSync(fd, body, written, body.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path.join(folder, name));
  return name;
}

function recordOf(row: ObjectRow): ObjectRecord {
  return {
    bucket: row.bucket,
    key: row.key,
    size: row.size,
    etag: row.etag,
    lastModified: row.last_modified,
    contentType: row.content_type,
    headers: JSON.parse(row.headers) as Record<string, string>,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    checksums: JSON.parse(row.checksums) as Record<string, string>,
    sequencer: row.sequencer,
    tags: JSON.parse(row.tags) as Tag[],
  };
}
