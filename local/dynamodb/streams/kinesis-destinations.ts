import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import type { OutboxTable } from '../../store/outbox.js';
import { type Item, itemSize } from '../engine/values.js';
import type { CapturedChange } from './stream-store.js';

type Json = Record<string, unknown>;

export type CreationPrecision = 'MILLISECOND' | 'MICROSECOND';
const PRECISIONS: readonly string[] = ['MILLISECOND', 'MICROSECOND'];

/** A table's Kinesis data stream destination (Kinesis Data Streams for DynamoDB). */
export interface KinesisDestination {
  readonly table: string;
  readonly streamArn: string;
  readonly enabled: boolean;
  readonly precision: CreationPrecision;
}

/** The outbox of records owed to Kinesis streams: written in the write's transaction, delivered by the main thread. */
export const KINESIS_OUTBOX: OutboxTable = { name: 'kinesis_outbox', id: 'id', dueAt: 'due_ms' };

/** What the engine's thread reports among the streams that got records when it wrote records owed to Kinesis. */
export const KINESIS_RECORDS = 'kinesis-destinations';

/** A row of the outbox: one change, as the JSON AWS puts in the Kinesis record's Data. */
export interface KinesisOutboxRow {
  readonly id: number;
  readonly stream_arn: string;
  readonly partition_key: string;
  readonly data: string;
  readonly attempts: number;
  readonly first_ms: number;
}

/**
 * The tables' Kinesis streaming destinations and the records owed to them, in the database of
 * the tables' items: the engine's thread writes a write's records in the write's own
 * transaction (as it writes DynamoDB Streams records), so a committed change is delivered even
 * after a crash; the main thread delivers them with the one durable outbox (local/store/outbox.ts).
 */
export class KinesisDestinations {
  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: { now(): number },
    private readonly region: string,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS kinesis_destinations (
        table_name TEXT NOT NULL, stream_arn TEXT NOT NULL, enabled INTEGER NOT NULL, precision TEXT NOT NULL,
        PRIMARY KEY (table_name, stream_arn));
      CREATE TABLE IF NOT EXISTS kinesis_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, stream_arn TEXT NOT NULL, partition_key TEXT NOT NULL, data TEXT NOT NULL,
        due_ms INTEGER NOT NULL, first_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
    `);
  }

  /** Every destination of a table, enabled or not (DescribeKinesisStreamingDestination). */
  of(table: string): KinesisDestination[] {
    const rows = this.db.prepare('SELECT * FROM kinesis_destinations WHERE table_name = ? ORDER BY stream_arn').all(table) as Json[];
    return rows.map(rowToDestination);
  }

  /** The enabled destinations of each table, by table name: what change capture needs to know. */
  enabledByTable(): Record<string, KinesisDestination[]> {
    const byTable: Record<string, KinesisDestination[]> = {};
    const rows = this.db.prepare('SELECT * FROM kinesis_destinations WHERE enabled = 1 ORDER BY table_name, stream_arn').all() as Json[];
    for (const destination of rows.map(rowToDestination)) byTable[destination.table] = [...(byTable[destination.table] ?? []), destination];
    return byTable;
  }

  /** Enables (or keeps enabled) a destination; the template's tables declare theirs at each start. */
  enable(table: string, streamArn: string, precision: string = 'MILLISECOND'): void {
    if (!PRECISIONS.includes(precision)) {
      throw new AwsError(
        'ValidationException',
        `ApproximateCreationDateTimePrecision must be one of ${PRECISIONS.join(', ')} (got ${precision})`,
      );
    }
    this.db
      .prepare(
        `INSERT INTO kinesis_destinations (table_name, stream_arn, enabled, precision) VALUES (?, ?, 1, ?)
         ON CONFLICT (table_name, stream_arn) DO UPDATE SET enabled = 1, precision = excluded.precision`,
      )
      .run(table, streamArn, precision);
  }

  disable(table: string, streamArn: string): void {
    this.db.prepare('UPDATE kinesis_destinations SET enabled = 0 WHERE table_name = ? AND stream_arn = ?').run(table, streamArn);
  }

  /** A deleted table's destinations stop taking records. */
  disableTable(table: string): void {
    this.db.prepare('UPDATE kinesis_destinations SET enabled = 0 WHERE table_name = ?').run(table);
  }

  /**
   * Writes the records of one write's changes for the tables' enabled destinations (call it in
   * the write's transaction). Images are always new and old, as AWS sends them to Kinesis; the
   * partition key is the item's key (AWS does not document its own), so that the changes of
   * one item keep their order on one shard.
   */
  append(changes: readonly CapturedChange[], destinations: Record<string, KinesisDestination[]>): number {
    const now = this.clock.now();
    const insert = this.db.prepare('INSERT INTO kinesis_outbox (stream_arn, partition_key, data, due_ms, first_ms) VALUES (?, ?, ?, ?, ?)');
    let written = 0;
    for (const change of changes) {
      for (const destination of destinations[change.table] ?? []) {
        const data = {
          awsRegion: this.region,
          eventID: randomUUID(),
          eventName: change.eventName,
          userIdentity: change.userIdentity ?? null,
          recordFormat: 'application/json',
          tableName: change.table,
          dynamodb: {
            ApproximateCreationDateTime: destination.precision === 'MICROSECOND' ? now * 1000 : now,
            Keys: change.keys,
            ...(change.newImage ? { NewImage: change.newImage } : {}),
            ...(change.oldImage ? { OldImage: change.oldImage } : {}),
            SizeBytes: [change.keys, change.newImage, change.oldImage].reduce(
              (sum, image) => sum + (image ? itemSize(image as Item) : 0),
              0,
            ),
          },
          eventSource: 'aws:dynamodb',
        };
        insert.run(destination.streamArn, JSON.stringify(change.keys), JSON.stringify(data), now, now);
        written++;
      }
    }
    return written;
  }
}

function rowToDestination(row: Json): KinesisDestination {
  return {
    table: String(row.table_name),
    streamArn: String(row.stream_arn),
    enabled: row.enabled === 1,
    precision: String(row.precision) as CreationPrecision,
  };
}
