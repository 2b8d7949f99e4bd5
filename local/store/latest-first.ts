import type { DatabaseSync } from 'node:sqlite';
import { SqlWhere } from './sql-where.js';

/** Which part of a latest-first list to read: at or after `since` (epoch ms), before `before` (a page's `last`), at most `limit`. */
export interface LatestFirstOptions {
  readonly since?: number;
  readonly limit?: number;
  readonly before?: number;
}

/** A page of a latest-first list, and the position of its last row when older ones follow. */
export interface LatestFirstPage<T> {
  readonly rows: T[];
  /** Pass back as `before` for the next page; absent on the last page. */
  readonly last?: number;
}

/** A table kept as a latest-first list: rows by `seq` (INTEGER PRIMARY KEY AUTOINCREMENT), their time in `at` (epoch ms), themselves as JSON in `json`. */
export interface LatestFirstTable {
  readonly table: string;
  readonly json: string;
  /** The page size when the reader gives none: the most rows the table keeps. */
  readonly kept: number;
}

/**
 * A page of a latest-first list (the Bedrock call ledger, the skipped stream batches), keyset
 * paged on `seq`: rows added while a reader pages do not shift the pages it has yet to read, as
 * an offset would. One row more than asked says whether older ones follow. `where` narrows the
 * list further (a source, say).
 */
export function latestFirstPage<T>(
  db: DatabaseSync,
  of: LatestFirstTable,
  options: LatestFirstOptions,
  where: SqlWhere = new SqlWhere(),
): LatestFirstPage<T> {
  const limit = options.limit ?? of.kept;
  where.given(options.before, 'seq < ?').given(options.since, 'at >= ?');
  const found = db
    .prepare(`SELECT seq, ${of.json} AS json FROM ${of.table} ${where.clause} ORDER BY seq DESC LIMIT ?`)
    .all(...where.values, limit + 1) as unknown as { seq: number; json: string }[];
  const page = found.slice(0, limit);
  const last = found.length > limit ? page.at(-1)?.seq : undefined;
  return { rows: page.map((row) => JSON.parse(row.json) as T), ...(last === undefined ? {} : { last }) };
}
