/** What these summaries read of a model call (the read API's ModelCallUsage has it). */
export interface ModelCallUsage {
  readonly at: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
  readonly latencyMs: number;
  readonly error?: string;
}

/** What a run's calls to one model used. */
export interface ModelUsageTotals {
  readonly model: string;
  readonly calls: number;
  readonly failed: number;
  readonly inputTokens: number;
  readonly cachedTokens: number;
  readonly outputTokens: number;
  readonly meanLatencyMs: number;
}

/** Tokens (in, cached and out) a model used in one minute. */
export interface ModelMinute {
  readonly model: string;
  /** The minute's start, epoch ms. */
  readonly minute: number;
  readonly tokens: number;
}

/** Totals per model, the most tokens first. */
export function usageByModel(calls: readonly ModelCallUsage[]): ModelUsageTotals[] {
  const byModel = new Map<string, ModelCallUsage[]>();
  for (const call of calls) byModel.set(call.model, [...(byModel.get(call.model) ?? []), call]);
  return [...byModel.entries()]
    .map(([model, list]) => ({
      model,
      calls: list.length,
      failed: list.filter((c) => c.error !== undefined).length,
      inputTokens: list.reduce((sum, c) => sum + c.inputTokens, 0),
      cachedTokens: list.reduce((sum, c) => sum + c.cacheReadInputTokens + c.cacheWriteInputTokens, 0),
      outputTokens: list.reduce((sum, c) => sum + c.outputTokens, 0),
      meanLatencyMs: Math.round(list.reduce((sum, c) => sum + c.latencyMs, 0) / list.length),
    }))
    .sort((a, b) => b.inputTokens + b.cachedTokens + b.outputTokens - (a.inputTokens + a.cachedTokens + a.outputTokens));
}

/** Tokens per model per minute, over the `minutes` minutes up to `now`, oldest first (a minute with no call is 0). */
export function tokensPerMinute(calls: readonly ModelCallUsage[], now: number, minutes: number): ModelMinute[] {
  const last = Math.floor(now / 60_000) * 60_000;
  const first = last - (minutes - 1) * 60_000;
  const totals = new Map<string, number>();
  for (const call of calls) {
    const minute = Math.floor(Date.parse(call.at) / 60_000) * 60_000;
    if (minute < first || minute > last) continue;
    const key = `${call.model}\u0000${minute}`;
    totals.set(key, (totals.get(key) ?? 0) + call.inputTokens + call.cacheReadInputTokens + call.cacheWriteInputTokens + call.outputTokens);
  }
  const models = [...new Set(calls.map((c) => c.model))].sort();
  return models.flatMap((model) =>
    Array.from({ length: minutes }, (_, i) => {
      const minute = first + i * 60_000;
      return { model, minute, tokens: totals.get(`${model}\u0000${minute}`) ?? 0 };
    }),
  );
}
