import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ModelCallSummary } from '../../clients/read-api-contract.js';
import { parseTraceHeader } from '../endpoint/trace-header.js';
import { type LatestFirstOptions, type LatestFirstTable, latestFirstPage } from '../store/latest-first.js';

/** One model call the local Bedrock answered (or failed), as the read API lists it and `switchyard cost --local` prices it. */
export type ModelCallRecord = ModelCallSummary;

/** The newest this many calls are kept: a dev loop's, not a month's. */
const KEPT = 10_000;

const LIST: LatestFirstTable = { table: 'model_calls', json: 'call', kept: KEPT };

/** A page of calls, newest first, and the position of its last call when older ones follow. */
export interface ModelCallPage {
  readonly calls: ModelCallRecord[];
  /** Pass back as `before` for the next page; absent on the last page. */
  readonly last?: number;
}

/**
 * The calls the local Bedrock answered, newest last, in the data folder (`bedrock.sqlite`):
 * they outlive a restart of the runtime as the lineage and the spans they belong to do, so
 * `switchyard trace` still shows a model call under the state or invocation that made it
 * after `switchyard dev` restarted.
 */
export class ModelCallLedger {
  readonly #statements: Record<'insert' | 'trim' | 'madeFrom', StatementSync>;

  /** `onRecord` hears each call as it is recorded. */
  constructor(
    private readonly db: DatabaseSync,
    private readonly onRecord?: (call: ModelCallRecord) => void,
  ) {
    // `parent`: the segment that made the call (its trace header's Parent), what lineage hangs it under.
    db.exec(`CREATE TABLE IF NOT EXISTS model_calls (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, parent TEXT, call TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS model_calls_by_parent ON model_calls (parent) WHERE parent IS NOT NULL;`);
    this.#statements = {
      insert: db.prepare('INSERT INTO model_calls (at, parent, call) VALUES (?, ?, ?)'),
      trim: db.prepare('DELETE FROM model_calls WHERE seq <= ?'),
      madeFrom: db.prepare('SELECT call FROM model_calls WHERE parent = ? ORDER BY seq'),
    };
  }

  record(call: ModelCallRecord): void {
    const parent = parseTraceHeader(call.traceHeader)?.parent ?? null;
    const { lastInsertRowid } = this.#statements.insert.run(Date.parse(call.at), parent, JSON.stringify(call));
    this.#statements.trim.run(Number(lastInsertRowid) - KEPT);
    this.onRecord?.(call);
  }

  /** The calls ended at or after `since` (epoch ms), newest first, at most `limit`. */
  list(options: Omit<LatestFirstOptions, 'before'> = {}): ModelCallRecord[] {
    return this.page(options).calls;
  }

  /** As `list`, from before the position `before` (a page's `last`), saying where the next page starts. */
  page(options: LatestFirstOptions = {}): ModelCallPage {
    const { rows, last } = latestFirstPage<ModelCallRecord>(this.db, LIST, options);
    return { calls: rows, ...(last === undefined ? {} : { last }) };
  }

  /** The calls made from a trace segment (their trace header's Parent: an invocation, a Task state), oldest first. */
  madeFrom(segment: string): ModelCallRecord[] {
    return (this.#statements.madeFrom.all(segment) as unknown as { call: string }[]).map((row) => JSON.parse(row.call) as ModelCallRecord);
  }
}
