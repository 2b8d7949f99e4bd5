import type { ModelCallSummary } from '../../clients/read-api-contract.js';

/** One model call the local Bedrock answered (or failed), as the read API lists it and `switchyard cost --local` prices it. */
export type ModelCallRecord = ModelCallSummary;

/** The newest this many calls are kept: a dev run's, not a month's. */
const KEPT = 10_000;

/** A page of calls, newest first, and the position of its last call when older ones follow. */
export interface ModelCallPage {
  readonly calls: ModelCallRecord[];
  /** Pass back as `before` for the next page; absent on the last page. */
  readonly last?: number;
}

/** The calls of this run of the runtime, newest last; in memory (a restart starts a new run). */
export class ModelCallLedger {
  /** Each call with its position in this run (1, 2, ...), which pages go by. */
  readonly #calls: { readonly seq: number; readonly call: ModelCallRecord }[] = [];
  #seq = 0;

  /** `onRecord` hears each call as it is recorded. */
  constructor(private readonly onRecord?: (call: ModelCallRecord) => void) {}

  record(call: ModelCallRecord): void {
    this.#calls.push({ seq: ++this.#seq, call });
    this.onRecord?.(call);
    if (this.#calls.length > KEPT) this.#calls.splice(0, this.#calls.length - KEPT);
  }

  /** The calls ended at or after `since` (epoch ms), newest first, at most `limit`. */
  list(options: { readonly since?: number; readonly limit?: number } = {}): ModelCallRecord[] {
    return this.page(options).calls;
  }

  /** As `list`, from before the position `before` (a page's `last`), saying where the next page starts. */
  page(options: { readonly since?: number; readonly limit?: number; readonly before?: number } = {}): ModelCallPage {
    const since = options.since ?? 0;
    const before = options.before ?? Number.POSITIVE_INFINITY;
    const limit = options.limit ?? KEPT;
    const found = this.#calls.filter(({ seq, call }) => seq < before && Date.parse(call.at) >= since).reverse();
    const page = found.slice(0, limit);
    const last = found.length > limit ? page.at(-1)?.seq : undefined;
    return { calls: page.map(({ call }) => call), ...(last === undefined ? {} : { last }) };
  }
}
