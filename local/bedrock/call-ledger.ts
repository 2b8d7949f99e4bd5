import type { ModelCallSummary } from '../read-api/contract.js';

/** One model call the local Bedrock answered (or failed), as the read API lists it and `switchyard cost --local` prices it. */
export type ModelCallRecord = ModelCallSummary;

/** The newest this many calls are kept: a dev run's, not a month's. */
const KEPT = 10_000;

/** The calls of this run of the runtime, newest last; in memory (a restart starts a new run). */
export class ModelCallLedger {
  readonly #calls: ModelCallRecord[] = [];

  record(call: ModelCallRecord): void {
    this.#calls.push(call);
    if (this.#calls.length > KEPT) this.#calls.splice(0, this.#calls.length - KEPT);
  }

  /** The calls ended at or after `since` (ISO-8601 or epoch ms), newest first, at most `limit`. */
  list(options: { readonly since?: number; readonly limit?: number } = {}): ModelCallRecord[] {
    const since = options.since ?? 0;
    return this.#calls
      .filter((call) => Date.parse(call.at) >= since)
      .reverse()
      .slice(0, options.limit ?? KEPT);
  }
}
