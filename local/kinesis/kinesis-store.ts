import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from '../store/transaction.js';
import type { Clock } from '../time/clock.js';

/** A stream's settings, as kept in the data folder. */
export interface KinesisStreamRow {
  readonly name: string;
  readonly arn: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  readonly shardCount: number;
  readonly retentionHours: number;
  readonly createdMs: number;
}

/** A shard of a stream: its id and the hash keys it takes (AWS splits the 128-bit key space evenly at creation). */
export interface KinesisShard {
  readonly shardId: string;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

/** A record as the store keeps it: `position` orders every record of every stream (a shard's sequence numbers follow it). */
export interface KinesisRecord {
  readonly position: number;
  readonly streamArn: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly arrivalMs: number;
}

/** An on-demand stream starts with 4 shards, as AWS creates one. */
export const ON_DEMAND_SHARDS = 4;
/** How long a stream keeps its records unless told otherwise (24 hours, the least AWS allows). */
export const DEFAULT_RETENTION_HOURS = 24;

const HASH_SPACE = 2n ** 128n;
/** AWS's sequence numbers are 56 decimal digits; the local ones are `49` and the record's position, so they also sort as text. */
const SEQUENCE_DIGITS = 54;
const SEQUENCE_BASE = 49n * 10n ** BigInt(SEQUENCE_DIGITS);

export const sequenceNumberOf = (position: number): string => `49${String(position).padStart(SEQUENCE_DIGITS, '0')}`;

/**
 * The position a sequence number names, or undefined when it is none this runtime gives: a
 * record's (1 on), or 0, a shard's StartingSequenceNumber, which AWS takes for an iterator too.
 */
export function positionOf(sequenceNumber: string): number | undefined {
  if (!/^\d{1,128}$/.test(sequenceNumber)) return undefined;
  const position = BigInt(sequenceNumber) - SEQUENCE_BASE;
  return position >= 0n && position <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(position) : undefined;
}

/**
 * The index of the shard a request's `ShardId` names. Kinesis reads the number after the id's
 * first `-` (the whole id when it has none), so `0`, `shardId-0` and `shardId-000000000000` name
 * one shard: serverless-patterns' apigw-rest-api-kinesis-cdk gets an iterator on AWS with
 * `?shard-id=0`, and kinesalite, written against Kinesis's answers, reads ids the same way.
 * Undefined when that part is no number.
 */
export function shardIndexOf(shardId: string): number | undefined {
  const number = shardId.split('-')[1] || shardId;
  return /^\d+$/.test(number) && Number(number) <= 2_147_483_647 ? Number(number) : undefined;
}

/** The id of a stream's shard of that index: `shardId-000000000000` for the first. */
export function shardIdOf(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/** The shards of a stream of `count` shards, each a contiguous share of the hash key space. */
export function shardsOf(count: number): KinesisShard[] {
  return Array.from({ length: count }, (_, index) => ({
    shardId: shardIdOf(index),
    startingHashKey: (HASH_SPACE * BigInt(index)) / BigInt(count),
    endingHashKey: (HASH_SPACE * BigInt(index + 1)) / BigInt(count) - 1n,
  }));
}

/** The hash key of a partition key: its MD5 read as a 128-bit unsigned integer, as Kinesis maps records to shards. */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/**
 * Kinesis streams and their records in SQLite (the data folder's `kinesis.sqlite`): a record
 * is committed before PutRecord answers, so an accepted record survives a restart and a
 * SIGKILL. Records older than their stream's retention period are not read and are deleted
 * as new ones arrive; the age is the runtime clock's (the testing API's virtual time moves it).
 */
export class KinesisStore {
  readonly #listeners = new Set<(streamArn: string) => void>();

  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS streams (
        name TEXT PRIMARY KEY, arn TEXT NOT NULL UNIQUE, mode TEXT NOT NULL, shard_count INTEGER NOT NULL,
        retention_hours INTEGER NOT NULL, created_ms INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS records (
        position INTEGER PRIMARY KEY AUTOINCREMENT, stream_arn TEXT NOT NULL, shard_id TEXT NOT NULL,
        partition_key TEXT NOT NULL, data BLOB NOT NULL, arrival_ms INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS records_by_shard ON records (stream_arn, shard_id, position);
      CREATE INDEX IF NOT EXISTS records_by_arrival ON records (arrival_ms);
    `);
  }

  /** Called after records of a stream are committed. */
  onRecords(listener: (streamArn: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  create(stream: KinesisStreamRow): void {
    this.db
      .prepare('INSERT INTO streams (name, arn, mode, shard_count, retention_hours, created_ms) VALUES (?, ?, ?, ?, ?, ?)')
      .run(stream.name, stream.arn, stream.mode, stream.shardCount, stream.retentionHours, stream.createdMs);
  }

  /** Deletes a stream with its records. */
  delete(name: string): void {
    inTransaction(this.db, () => {
      const stream = this.stream(name);
      if (stream === undefined) return;
      this.db.prepare('DELETE FROM records WHERE stream_arn = ?').run(stream.arn);
      this.db.prepare('DELETE FROM streams WHERE name = ?').run(name);
    });
  }

  setRetention(name: string, hours: number): void {
    this.db.prepare('UPDATE streams SET retention_hours = ? WHERE name = ?').run(hours, name);
  }

  stream(name: string): KinesisStreamRow | undefined {
    const row = this.db.prepare('SELECT * FROM streams WHERE name = ?').get(name) as Record<string, unknown> | undefined;
    return row && rowToStream(row);
  }

  streams(): KinesisStreamRow[] {
    return (this.db.prepare('SELECT * FROM streams ORDER BY name').all() as Record<string, unknown>[]).map(rowToStream);
  }

  /** Appends records in one transaction (all or none), each to the shard given; their positions, in order. */
  append(stream: KinesisStreamRow, records: readonly { shardId: string; partitionKey: string; data: Buffer }[]): KinesisRecord[] {
    const now = this.clock.now();
    const insert = this.db.prepare('INSERT INTO records (stream_arn, shard_id, partition_key, data, arrival_ms) VALUES (?, ?, ?, ?, ?)');
    const stored = inTransaction(this.db, () => {
      this.#trim(now);
      return records.map((record) => {
        const position = Number(insert.run(stream.arn, record.shardId, record.partitionKey, record.data, now).lastInsertRowid);
        return { ...record, position, streamArn: stream.arn, sequenceNumber: sequenceNumberOf(position), arrivalMs: now };
      });
    });
    for (const listener of this.#listeners) listener(stream.arn);
    return stored;
  }

  /** A shard's records after `after` (a position), oldest first, within its stream's retention period. */
  read(stream: KinesisStreamRow, shardId: string, after: number, limit: number): KinesisRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM records WHERE stream_arn = ? AND shard_id = ? AND position > ? AND arrival_ms >= ? ORDER BY position LIMIT ?')
      .all(stream.arn, shardId, after, this.#retainedFrom(stream), limit) as Record<string, unknown>[];
    return rows.map(rowToRecord);
  }

  /** The newest position of a shard (0 when it has none): where LATEST starts. */
  latestPosition(stream: KinesisStreamRow, shardId: string): number {
    const row = this.db
      .prepare('SELECT MAX(position) AS last FROM records WHERE stream_arn = ? AND shard_id = ?')
      .get(stream.arn, shardId) as { last: number | null };
    return Number(row.last ?? 0);
  }

  /** The position just before the first record of a shard that arrived at or after `ms` (AT_TIMESTAMP). */
  positionBefore(stream: KinesisStreamRow, shardId: string, ms: number): number {
    const row = this.db
      .prepare('SELECT MIN(position) AS first FROM records WHERE stream_arn = ? AND shard_id = ? AND arrival_ms >= ?')
      .get(stream.arn, shardId, Math.max(ms, this.#retainedFrom(stream))) as { first: number | null };
    return row.first === null ? this.latestPosition(stream, shardId) : Number(row.first) - 1;
  }

  #retainedFrom(stream: KinesisStreamRow): number {
    return this.clock.now() - stream.retentionHours * 60 * 60 * 1000;
  }

  /** Deletes the records each stream no longer retains. */
  #trim(now: number): void {
    this.db
      .prepare(
        'DELETE FROM records WHERE arrival_ms < ? - (SELECT retention_hours FROM streams WHERE streams.arn = records.stream_arn) * 3600000',
      )
      .run(now);
  }
}

function rowToStream(row: Record<string, unknown>): KinesisStreamRow {
  return {
    name: String(row.name),
    arn: String(row.arn),
    mode: row.mode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED',
    shardCount: Number(row.shard_count),
    retentionHours: Number(row.retention_hours),
    createdMs: Number(row.created_ms),
  };
}

function rowToRecord(row: Record<string, unknown>): KinesisRecord {
  const position = Number(row.position);
  return {
    position,
    streamArn: String(row.stream_arn),
    shardId: String(row.shard_id),
    sequenceNumber: sequenceNumberOf(position),
    partitionKey: String(row.partition_key),
    data: Buffer.from(row.data as Uint8Array),
    arrivalMs: Number(row.arrival_ms),
  };
}
