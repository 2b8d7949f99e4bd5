/** What the read API's `/model-calls` answers (READ_API_PATHS.modelCalls). */

/** One model call the local Bedrock answered or failed (local/bedrock/call-ledger.ts keeps them). */
export interface ModelCallSummary {
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
  /** `end_turn`, `tool_use`, ...; absent for a call that failed and for an embedding or image call. */
  readonly stopReason?: string;
  /** The images an image model drew (InvokeModel of Titan Image, Nova Canvas, Stability). */
  readonly images?: number;
  /**
   * The price tier those images bill at where the model's price depends on more than the image
   * count, as `<quality>[.<resolution>]`: `standard`, `premium` (SDXL: past 50 steps),
   * `standard.512`, `premium.1024` (Titan Image, Nova Canvas: the resolution class of the pricing page).
   */
  readonly imageTier?: string;
  /** The error the caller got (its AWS name), for a call that failed. */
  readonly error?: string;
  /** The caller's X-Ray trace header: its Parent is the invocation that made the call (lineage hangs the call under it). */
  readonly traceHeader?: string;
}

export interface ModelCallsPage {
  readonly calls: readonly ModelCallSummary[];
  /** Set when older calls follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}
