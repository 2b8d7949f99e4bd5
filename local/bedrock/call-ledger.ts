/** One model call the local Bedrock answered (or failed), as the read API lists it and `switchyard cost --local` prices it. */
export interface ModelCallRecord {
  /** When the call ended (ISO-8601). */
  readonly at: string;
  /** The id the caller asked for: a model id, a profile id or an ARN. */
  readonly modelId: string;
  /** The foundation model that answered. */
  readonly model: string;
  /** Where the answer came from (`simulated`, `fixtures`, `openai`, `bedrock`). */
  readonly backend: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
  readonly latencyMs: number;
  /** `end_turn`, `tool_use`, ...; absent for a call that failed. */
  readonly stopReason?: string;
  /** The error the caller got (its AWS name), for a call that failed. */
  readonly error?: string;
  /** The caller's X-Ray trace header: its Parent is the invocation that made the call (lineage hangs the call under it). */
  readonly traceHeader?: string;
}

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
