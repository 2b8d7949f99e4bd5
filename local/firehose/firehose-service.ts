import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { type Operation, operationTable } from '../service-registry/operation-table.js';
import { CrashPoints } from '../store/crash-points.js';
import { DurableOutbox, type OutboxOutcome } from '../store/outbox.js';
import { inTransaction } from '../store/transaction.js';
import type { Clock } from '../time/clock.js';
import { type DeliveryStreamDefinition, type DeliveryTargets, deliverBatch, type PlannedBatch, type StoredRecord } from './delivery.js';

/** PutRecordBatch's limits (Firehose quotas): 500 records, 4 MiB in all, 1,000 KiB a record. */
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_RECORD_BYTES = 1000 * 1024;
const MB = 1024 * 1024;

export interface FirehoseServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly targets: DeliveryTargets;
  /** Told of a flush that threw (an S3 write that failed): it is tried again later. */
  readonly onError: (error: Error) => void;
  /** Told of the records a flush could not process (written under the error prefix), a line each flush. @default nothing */
  readonly log?: (line: string) => void;
  /** How long the outbox sleeps at most, so a test's clock moved on is noticed. @default 1000 */
  readonly maxSleepMs?: number;
}

interface StreamRow {
  readonly name: string;
  readonly definition: string;
  readonly created_ms: number;
}

interface FlushRow {
  readonly id: number;
  readonly stream: string;
  readonly due_at: number;
}

/** The batch a flush is delivering, as `firehose_batches` keeps it until its records are deleted. */
interface BatchRow {
  readonly stream: string;
  /** The batch is the stream's records up to this id. */
  readonly last_id: number;
  readonly planned_ms: number;
  readonly token: string;
}

/**
 * Amazon Data Firehose (`Firehose_20150804`, JSON 1.1), DirectPut streams delivering to S3.
 * Each record accepted is written to `firehose.sqlite` before the answer; a stream's buffer is
 * flushed, through its Lambda processor if it has one, as one S3 object when it reaches
 * SizeInMBs or its oldest record IntervalInSeconds. The flush is a row of the stream's
 * durable outbox, so a restart delivers what was accepted before it; the batch it delivers is
 * written down before its objects are (`firehose_batches`), so a restart after the objects
 * were written and before the records were deleted writes the same objects again under the
 * same keys: each record reaches S3 once.
 */
export class FirehoseService {
  readonly operations: Record<string, Operation>;
  readonly #outbox: DurableOutbox<FlushRow>;
  readonly #crashPoints: CrashPoints;

  constructor(private readonly options: FirehoseServiceOptions) {
    options.db.exec(`
      CREATE TABLE IF NOT EXISTS firehose_streams (name TEXT PRIMARY KEY, definition TEXT NOT NULL, created_ms INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS firehose_records (
        id INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, record_id TEXT NOT NULL, data BLOB NOT NULL, arrived_ms INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS firehose_records_stream ON firehose_records (stream, id);
      CREATE TABLE IF NOT EXISTS firehose_flushes (id INTEGER PRIMARY KEY, stream TEXT NOT NULL UNIQUE, due_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS firehose_batches (
        stream TEXT PRIMARY KEY, last_id INTEGER NOT NULL, planned_ms INTEGER NOT NULL, token TEXT NOT NULL);
    `);
    this.#crashPoints = new CrashPoints(options.db);
    this.#outbox = new DurableOutbox<FlushRow>({
      db: options.db,
      clock: options.clock,
      table: { name: 'firehose_flushes', id: 'id', dueAt: 'due_at' },
      handle: (row) => this.#flush(row),
      concurrency: 4,
      maxSleepMs: options.maxSleepMs ?? 1000,
      onError: (error) => options.onError(error),
    });
    this.operations = operationTable(this, FirehoseService);
  }

  /** Creates the template's streams, and brings one the data folder has up to the template's configuration (its buffered records stay). */
  declare(streams: readonly DeliveryStreamDefinition[]): void {
    for (const stream of streams) {
      this.options.db
        .prepare(
          'INSERT INTO firehose_streams (name, definition, created_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET definition = excluded.definition',
        )
        .run(stream.name, JSON.stringify(stream), this.options.clock.now());
    }
  }

  start(): void {
    this.#outbox.start();
  }

  stop(): Promise<void> {
    return this.#outbox.stop();
  }

  /** Flushes every buffer due now and resolves once none is due or in flight (tests step a manual clock with it). */
  runDue(): Promise<void> {
    return this.#outbox.runDue();
  }

  /** The streams with their definitions, by name. */
  streams(): DeliveryStreamDefinition[] {
    const rows = this.options.db.prepare('SELECT * FROM firehose_streams ORDER BY name').all() as unknown as StreamRow[];
    return rows.map((row) => JSON.parse(row.definition) as DeliveryStreamDefinition);
  }

  arnOf(name: string): string {
    return `arn:aws:firehose:${this.options.region}:${this.options.accountId}:deliverystream/${name}`;
  }

  async PutRecord(input: { DeliveryStreamName: string; Record: { Data: string } }) {
    const [RecordId] = this.#accept(input.DeliveryStreamName, [input.Record]);
    return { RecordId, Encrypted: false };
  }

  async PutRecordBatch(input: { DeliveryStreamName: string; Records: { Data: string }[] }) {
    if (input.Records.length > MAX_BATCH_RECORDS) {
      throw new AwsError(
        'InvalidArgumentException',
        `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_RECORDS}`,
      );
    }
    const ids = this.#accept(input.DeliveryStreamName, input.Records);
    return { FailedPutCount: 0, Encrypted: false, RequestResponses: ids.map((RecordId) => ({ RecordId })) };
  }

  async DescribeDeliveryStream(input: { DeliveryStreamName: string }) {
    const row = this.#row(input.DeliveryStreamName);
    const stream = JSON.parse(row.definition) as DeliveryStreamDefinition;
    const s3 = {
      BucketARN: stream.bucketArn,
      ...(stream.prefix !== undefined ? { Prefix: stream.prefix } : {}),
      ...(stream.errorOutputPrefix !== undefined ? { ErrorOutputPrefix: stream.errorOutputPrefix } : {}),
      BufferingHints: { IntervalInSeconds: stream.intervalSeconds, SizeInMBs: stream.sizeMb },
      CompressionFormat: 'UNCOMPRESSED',
      EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
      RoleARN: `arn:aws:iam::${this.options.accountId}:role/firehose`,
    };
    const processing = stream.processor
      ? {
          Enabled: true,
          Processors: [
            {
              Type: 'Lambda',
              Parameters: [
                { ParameterName: 'LambdaArn', ParameterValue: stream.processor.lambdaArn },
                { ParameterName: 'NumberOfRetries', ParameterValue: String(stream.processor.retries) },
              ],
            },
          ],
        }
      : { Enabled: false };
    return {
      DeliveryStreamDescription: {
        DeliveryStreamName: stream.name,
        DeliveryStreamARN: this.arnOf(stream.name),
        DeliveryStreamStatus: 'ACTIVE',
        DeliveryStreamType: 'DirectPut',
        VersionId: '1',
        CreateTimestamp: row.created_ms / 1000,
        Destinations: [
          {
            DestinationId: 'destinationId-000000000001',
            S3DestinationDescription: s3,
            ExtendedS3DestinationDescription: { ...s3, ProcessingConfiguration: processing },
          },
        ],
        HasMoreDestinations: false,
      },
    };
  }

  async ListDeliveryStreams(input: { Limit?: number; ExclusiveStartDeliveryStreamName?: string }) {
    const start = input.ExclusiveStartDeliveryStreamName;
    const names = this.streams()
      .map((s) => s.name)
      .filter((name) => start === undefined || name > start);
    const page = names.slice(0, input.Limit ?? 10);
    return { DeliveryStreamNames: page, HasMoreDeliveryStreams: names.length > page.length };
  }

  /** Writes the records to the stream's buffer and makes its flush due: at once when the buffer holds SizeInMBs, else IntervalInSeconds after its oldest record. */
  #accept(name: string, records: readonly { Data: string }[]): string[] {
    const stream = JSON.parse(this.#row(name).definition) as DeliveryStreamDefinition;
    const data = records.map((r) => Buffer.from(r.Data, 'base64'));
    const tooLarge = data.findIndex((d) => d.length > MAX_RECORD_BYTES);
    if (tooLarge >= 0) {
      throw new AwsError(
        'InvalidArgumentException',
        `Record ${tooLarge} is ${data[tooLarge]?.length} bytes: a record's data is at most 1000 KiB.`,
      );
    }
    if (data.reduce((sum, d) => sum + d.length, 0) > MAX_BATCH_BYTES) {
      throw new AwsError('InvalidArgumentException', 'The records of a PutRecordBatch request are at most 4 MiB in all.');
    }
    const { db, clock } = this.options;
    const now = clock.now();
    return inTransaction(db, () => {
      const insert = db.prepare('INSERT INTO firehose_records (stream, record_id, data, arrived_ms) VALUES (?, ?, ?, ?)');
      const ids = data.map((d) => {
        const recordId = randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '');
        insert.run(name, recordId, d, now);
        return recordId;
      });
      const buffered = db.prepare('SELECT SUM(LENGTH(data)) AS bytes FROM firehose_records WHERE stream = ?').get(name) as {
        bytes: number;
      };
      const due = buffered.bytes >= stream.sizeMb * MB ? now : now + stream.intervalSeconds * 1000;
      const flush = db.prepare('SELECT due_at FROM firehose_flushes WHERE stream = ?').get(name) as { due_at: number } | undefined;
      if (flush === undefined) this.#outbox.enqueue({ stream: name, due_at: due });
      else if (due < flush.due_at) {
        db.prepare('UPDATE firehose_flushes SET due_at = ? WHERE stream = ?').run(due, name);
        this.#outbox.wake();
      }
      return ids;
    });
  }

  /** Delivers the stream's buffer, at most SizeInMBs of it (the batch a flush before a crash planned, if any); what is left is due again. */
  async #flush(row: FlushRow): Promise<OutboxOutcome> {
    const { db, clock } = this.options;
    const streamRow = db.prepare('SELECT * FROM firehose_streams WHERE name = ?').get(row.stream) as StreamRow | undefined;
    if (streamRow === undefined) {
      inTransaction(db, () => {
        db.prepare('DELETE FROM firehose_records WHERE stream = ?').run(row.stream);
        db.prepare('DELETE FROM firehose_batches WHERE stream = ?').run(row.stream);
      });
      return { kind: 'done' };
    }
    const stream = JSON.parse(streamRow.definition) as DeliveryStreamDefinition;
    const batch = this.#plannedBatch(stream);
    if (batch !== undefined) {
      const records = db
        .prepare('SELECT * FROM firehose_records WHERE stream = ? AND id <= ? ORDER BY id')
        .all(row.stream, batch.last_id) as unknown as StoredRecord[];
      const planned: PlannedBatch = { plannedMs: batch.planned_ms, token: batch.token };
      const { failed } = await deliverBatch(
        stream,
        this.arnOf(stream.name),
        this.options.region,
        records,
        this.options.targets,
        clock,
        planned,
      );
      if (failed) {
        this.options.log?.(
          `firehose ${stream.name}: ${failed.count} of ${records.length} records failed processing (${failed.codes.join(', ')}); written to ${failed.at}`,
        );
      }
      // The moment a random SIGKILL almost never hits: the objects are written, the records not yet deleted.
      this.#crashPoints.reached('firehose-after-delivery');
      inTransaction(db, () => {
        db.prepare('DELETE FROM firehose_records WHERE stream = ? AND id <= ?').run(row.stream, batch.last_id);
        db.prepare('DELETE FROM firehose_batches WHERE stream = ?').run(row.stream);
      });
    }
    const left = db
      .prepare('SELECT MIN(arrived_ms) AS oldest, SUM(LENGTH(data)) AS bytes FROM firehose_records WHERE stream = ?')
      .get(row.stream) as { oldest: number | null; bytes: number | null };
    if (left.oldest === null) return { kind: 'done' };
    const at = (left.bytes ?? 0) >= stream.sizeMb * MB ? clock.now() : left.oldest + stream.intervalSeconds * 1000;
    return { kind: 'retry', at };
  }

  /**
   * The batch to deliver: the one a flush planned and did not finish (the runtime died), else
   * the oldest records up to SizeInMBs (one at least), written down before anything is delivered.
   */
  #plannedBatch(stream: DeliveryStreamDefinition): BatchRow | undefined {
    const { db, clock } = this.options;
    const unfinished = db.prepare('SELECT * FROM firehose_batches WHERE stream = ?').get(stream.name) as BatchRow | undefined;
    if (unfinished !== undefined) return unfinished;
    let bytes = 0;
    let last: number | undefined;
    for (const r of db
      .prepare('SELECT id, LENGTH(data) AS size FROM firehose_records WHERE stream = ? ORDER BY id')
      .iterate(stream.name) as Iterable<{ id: number; size: number }>) {
      if (last !== undefined && bytes + r.size > stream.sizeMb * MB) break;
      last = r.id;
      bytes += r.size;
    }
    if (last === undefined) return undefined;
    const batch: BatchRow = { stream: stream.name, last_id: last, planned_ms: clock.now(), token: randomUUID() };
    db.prepare('INSERT INTO firehose_batches (stream, last_id, planned_ms, token) VALUES (?, ?, ?, ?)').run(
      batch.stream,
      batch.last_id,
      batch.planned_ms,
      batch.token,
    );
    return batch;
  }

  #row(name: string): StreamRow {
    const row = this.options.db.prepare('SELECT * FROM firehose_streams WHERE name = ?').get(name) as StreamRow | undefined;
    if (row === undefined) {
      throw new AwsError('ResourceNotFoundException', `Firehose ${name} under account ${this.options.accountId} not found.`);
    }
    return row;
  }
}
