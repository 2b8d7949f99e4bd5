import type { DatabaseSync } from 'node:sqlite';
import { DurableOutbox, type OutboxOutcome, OutboxOwner } from '../../store/outbox.js';
import type { Clock } from '../../time/clock.js';
import { KINESIS_OUTBOX, type KinesisOutboxRow } from './kinesis-destinations.js';

/** How long a change waits at most between two attempts (a stream missing, or being created). */
const MAX_RETRY_MS = 60_000;
/** A change not delivered within DynamoDB's record retention (24 hours) is dropped, and said so. */
const GIVE_UP_MS = 24 * 60 * 60 * 1000;

/** Puts one record on a Kinesis data stream (the local Kinesis's PutRecord). */
export type PutRecord = (input: { StreamARN: string; PartitionKey: string; Data: string }) => Promise<unknown>;

/**
 * Sends the records the engine's thread wrote to `kinesis_outbox` (in each write's
 * transaction) to their Kinesis streams, with the one durable outbox: what a crash left is
 * sent after the restart. Each stream is a lane of one, and only its oldest record is due,
 * so records reach a stream in commit order even when one has to be retried.
 */
export class KinesisDelivery extends OutboxOwner<KinesisOutboxRow> {
  protected readonly outbox: DurableOutbox<KinesisOutboxRow>;

  constructor(
    private readonly options: {
      readonly db: DatabaseSync;
      readonly clock: Clock;
      readonly putRecord: PutRecord;
      readonly log: (line: string) => void;
    },
  ) {
    super();
    this.outbox = new DurableOutbox<KinesisOutboxRow>({
      db: options.db,
      clock: options.clock,
      table: {
        ...KINESIS_OUTBOX,
        lane: 'stream_arn',
        dueWhere: `row.id = (SELECT MIN(id) FROM ${KINESIS_OUTBOX.name} WHERE stream_arn = row.stream_arn)`,
      },
      handle: (row) => this.#deliver(row),
      concurrency: 4,
      laneLimit: () => 1,
      maxSleepMs: 1000,
      onError: (error) => options.log(error.message),
    });
  }

  async #deliver(row: KinesisOutboxRow): Promise<OutboxOutcome> {
    try {
      await this.options.putRecord({
        StreamARN: row.stream_arn,
        PartitionKey: row.partition_key,
        Data: Buffer.from(row.data).toString('base64'),
      });
      return { kind: 'done' };
    } catch (error) {
      const now = this.options.clock.now();
      const reason = (error as Error).message;
      if (now - row.first_ms > GIVE_UP_MS) {
        this.options.log(`change record for Kinesis stream ${row.stream_arn} dropped after 24 hours of failed attempts: ${reason}`);
        return { kind: 'done' };
      }
      this.options.log(`change record for Kinesis stream ${row.stream_arn} not delivered yet (${reason}); retrying`);
      const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(row.attempts, 6));
      return { kind: 'retry', at: now + delay, set: { attempts: row.attempts + 1, last_error: reason } };
    }
  }
}
