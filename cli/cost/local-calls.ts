import type { ModelCallSummary } from '../../local/read-api/contract.js';
import type { PriceTable } from './model.js';
import { familyOf, foundationModelOf } from './model-calls.js';

/** What a run's calls to one model used and cost. */
export interface ModelCallCost {
  readonly model: string;
  readonly calls: number;
  readonly failed: number;
  readonly inputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
  readonly outputTokens: number;
  /** Undefined when the price table has no price for the model. */
  readonly usd?: number;
}

/**
 * The cost of the model calls a local run made, per model, at on-demand prices. Cache reads
 * and writes are priced as input tokens (Bedrock prices them apart, by model: reads lower,
 * writes higher), so a prompt-cached app costs a little less than this says.
 */
export function priceModelCalls(calls: readonly ModelCallSummary[], table: PriceTable, families: readonly string[]): ModelCallCost[] {
  const byModel = new Map<string, ModelCallSummary[]>();
  for (const call of calls) byModel.set(call.model, [...(byModel.get(call.model) ?? []), call]);
  return [...byModel.entries()]
    .map(([model, list]) => {
      const sum = (field: keyof ModelCallSummary) => list.reduce((total, call) => total + Number(call[field] ?? 0), 0);
      const used = {
        inputTokens: sum('inputTokens'),
        cacheReadInputTokens: sum('cacheReadInputTokens'),
        cacheWriteInputTokens: sum('cacheWriteInputTokens'),
        outputTokens: sum('outputTokens'),
      };
      const family = familyOf(foundationModelOf(model) ?? model, families);
      const input = family === undefined ? undefined : table.prices[`bedrock.${family}.input`];
      const output = family === undefined ? undefined : table.prices[`bedrock.${family}.output`];
      const usd =
        input === undefined || output === undefined
          ? undefined
          : ((used.inputTokens + used.cacheReadInputTokens + used.cacheWriteInputTokens) / input.per) * input.usd +
            (used.outputTokens / output.per) * output.usd;
      return {
        model,
        calls: list.length,
        failed: list.filter((call) => call.error !== undefined).length,
        ...used,
        ...(usd === undefined ? {} : { usd }),
      };
    })
    .sort((a, b) => (b.usd ?? 0) - (a.usd ?? 0));
}
