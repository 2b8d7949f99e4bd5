import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ModelCallSummary } from '../../clients/read-api-contract.js';
import { parseTraceHeader } from '../endpoint/trace-header.js';

/** One model call the local Bedrock answered (or failed), as the read API lists it and `switchyard cost --local` prices it. */
export type ModelCallRecord = ModelCallSummary;

/** The newest this many calls are kept: a dev loop's, not a month's. */
const KEPT = 10_000;

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
  readonly #statements: Record<'insert' | 'trim' | 'page' | 'madeFrom', StatementSync>;

  /** `onRecord` hears each call as it is recorded. */
  constructor(
    db: DatabaseSync,
    private readonly onRecord?: (call: ModelCallRecord) => void,
  ) {
    // `parent`: the segment that made the call (its trace header's Parent), what lineage hangs it under.
    db.exec(`CREATE TABLE IF NOT EXISTS model_calls (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, parent TEXT, call TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS model_calls_by_parent ON model_calls (parent) WHERE parent IS NOT NULL;`);
    this.#statements = {
      insert: db.prepare('INSERT INTO model_calls (at, parent, call) VALUES (?, ?, ?)'),
      trim: db.prepare('DELETE FROM model_calls WHERE seq <= ?'),
      page: db.prepare('SELECT seq, call FROM model_calls WHERE seq < ? AND at >= ? ORDER BY seq DESC LIMIT ?'),
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
  list(options: { readonly since?: number; readonly limit?: number } = {}): ModelCallRecord[] {
    return this.page(options).calls;
  }

  /** As `list`, from before the position `before` (a page's `last`), saying where the next page starts. */
  page(options: { readonly since?: number; readonly limit?: number; readonly before?: number } = {}): ModelCallPage {
    const limit = options.limit ?? KEPT;
    const rows = this.#statements.page.all(
      options.before ?? Number.MAX_SAFE_INTEGER,
      options.since ?? Number.MIN_SAFE_INTEGER,
      limit + 1,
    ) as unknown as { seq: number; call: string }[];
    const page = rows.slice(0, limit);
    const last = rows.length > limit ? page.at(-1)?.seq : undefined;
    return { calls: page.map((row) => JSON.parse(row.call) as ModelCallRecord), ...(last === undefined ? {} : { last }) };
  }

  /** The calls made from a trace segment (their trace header's Parent: an invocation, a Task state), oldest first. */
  madeFrom(segment: string): ModelCallRecord[] {
    return (this.#statements.madeFrom.all(segment) as unknown as { call: string }[]).map((row) => JSON.parse(row.call) as ModelCallRecord);
  }
}
