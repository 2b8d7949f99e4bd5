import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { DiscardedBatch } from '../../clients/read-api-contract.js';
import { type LatestFirstOptions, type LatestFirstTable, latestFirstPage } from '../store/latest-first.js';
import { SqlWhere } from '../store/sql-where.js';

/** The newest this many batches are kept: a dev loop's, not a month's. */
const KEPT = 10_000;

const LIST: LatestFirstTable = { table: 'discarded_batches', json: 'batch', kept: KEPT };

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
  readonly #statements: Record<'insert' | 'trim', StatementSync>;

  constructor(private readonly db: DatabaseSync) {
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
    };
  }

  record(batch: DiscardedBatch): void {
    const { consumer, shardId, startSequenceNumber, endSequenceNumber, discardedAt } = batch;
    this.#statements.insert.run(consumer, shardId, startSequenceNumber, endSequenceNumber, Date.parse(discardedAt), JSON.stringify(batch));
    this.#statements.trim.run(KEPT);
  }

  /**
   * The batches given up on at or after `since` (epoch ms), latest first, from before `before`
   * (a page's `last`); of `source` only when given: the stream (name or ARN), the function (name
   * or ARN), the mapping's UUID or the pipe's name.
   */
  page(options: LatestFirstOptions & { readonly source?: string } = {}): DiscardedBatchPage {
    const where = new SqlWhere().given(
      options.source,
      `? IN (json_extract(batch, '$.source'), json_extract(batch, '$.streamArn'), json_extract(batch, '$.functionName'),
        json_extract(batch, '$.targetArn'), consumer)`,
    );
    const { rows, last } = latestFirstPage<DiscardedBatch>(this.db, LIST, options, where);
    return { batches: rows, ...(last === undefined ? {} : { last }) };
  }
}
