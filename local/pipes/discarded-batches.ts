import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { DiscardedBatch } from '../../clients/read-api-contract.js';

/** The newest this many batches are kept: a dev loop's, not a month's. */
const KEPT = 10_000;

/** A page of batches, latest first, and the position of its last one when older ones follow. */
export interface DiscardedBatchPage {
  readonly batches: DiscardedBatch[];
  /** Pass back as `before` for the next page; absent on the last page. */
  readonly last?: number;
}

/**
 * The stream batches mappings and pipes gave up on with no on-failure destination, in the
 * pipes' database in the data folder: the records are skipped (the checkpoint moves past
 * them) and this is the only trace besides a log line, so it outlives a restart as the
 * checkpoint does. A batch is keyed by its consumer, shard and sequence-number range: one
 * given up on again after a crash before its checkpoint was committed is one entry, not two.
 */
export class DiscardedBatches {
  readonly #statements: Record<'insert' | 'trim' | 'page', StatementSync>;

  constructor(db: DatabaseSync) {
    db.exec(`CREATE TABLE IF NOT EXISTS discarded_batches (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, consumer TEXT NOT NULL, shard_id TEXT NOT NULL,
      start_sequence TEXT NOT NULL, end_sequence TEXT NOT NULL, at INTEGER NOT NULL, batch TEXT NOT NULL,
      UNIQUE (consumer, shard_id, start_sequence, end_sequence))`);
    this.#statements = {
      insert: db.prepare(
        `INSERT INTO discarded_batches (consumer, shard_id, start_sequence, end_sequence, at, batch) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (consumer, shard_id, start_sequence, end_sequence) DO UPDATE SET at = excluded.at, batch = excluded.batch`,
      ),
      trim: db.prepare('DELETE FROM discarded_batches WHERE seq <= (SELECT MAX(seq) FROM discarded_batches) - ?'),
      page: db.prepare('SELECT seq, batch FROM discarded_batches WHERE seq < ? AND at >= ? ORDER BY seq DESC LIMIT ?'),
    };
  }

  record(batch: DiscardedBatch): void {
    const { consumer, shardId, startSequenceNumber, endSequenceNumber, discardedAt } = batch;
    this.#statements.insert.run(consumer, shardId, startSequenceNumber, endSequenceNumber, Date.parse(discardedAt), JSON.stringify(batch));
    this.#statements.trim.run(KEPT);
  }

  /** The batches given up on at or after `since` (epoch ms), latest first, from before `before` (a page's `last`). */
  page(options: { readonly since?: number; readonly limit?: number; readonly before?: number } = {}): DiscardedBatchPage {
    const limit = options.limit ?? KEPT;
    const rows = this.#statements.page.all(
      options.before ?? Number.MAX_SAFE_INTEGER,
      options.since ?? Number.MIN_SAFE_INTEGER,
      limit + 1,
    ) as unknown as { seq: number; batch: string }[];
    const page = rows.slice(0, limit);
    const last = rows.length > limit ? page.at(-1)?.seq : undefined;
    return { batches: page.map((row) => JSON.parse(row.batch) as DiscardedBatch), ...(last === undefined ? {} : { last }) };
  }
}
