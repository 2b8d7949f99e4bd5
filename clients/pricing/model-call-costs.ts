import type { ModelCallSummary } from '../read-api-contract.js';
import { familyOf, foundationModelOf } from './model-families.js';
import type { Price, PriceTable } from './price-arithmetic.js';

/** What a run's calls to one model used and cost. */
export interface ModelCallCost {
  readonly model: string;
  readonly calls: number;
  readonly failed: number;
  readonly inputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
  readonly outputTokens: number;
  /** Images an image model drew. */
  readonly images: number;
  /** Undefined when the price table has no price for some of what the model used. */
  readonly usd?: number;
  /**
   * True when the model's cache reads or writes were priced as input tokens because the
   * price table has no cache price for its family (a model without prompt caching).
   */
  readonly cachePricedAsInput?: boolean;
}

type Usage = Pick<ModelCallCost, 'inputTokens' | 'cacheReadInputTokens' | 'cacheWriteInputTokens' | 'outputTokens'>;

/**
 * The cost of the model calls a local run made, per model, at on-demand prices. Bedrock
 * bills the tokens read from and written to a prompt cache apart from other input tokens
 * (Claude: reads a tenth of the input price, writes 1.25 times it; Nova: reads a quarter),
 * so each is priced at its own price where the table has one, and as input where it has not.
 * Image models bill per image, at the price of the image's tier where the model's price
 * depends on quality, resolution or steps (`bedrock.<family>.image.<tier>`), else at
 * `bedrock.<family>.image`; embedding models bill their input tokens.
 */
export function priceModelCalls(calls: readonly ModelCallSummary[], table: PriceTable, families: readonly string[]): ModelCallCost[] {
  const byModel = new Map<string, ModelCallSummary[]>();
  for (const call of calls) byModel.set(call.model, [...(byModel.get(call.model) ?? []), call]);
  return [...byModel.entries()]
    .map(([model, list]) => {
      const sum = (field: keyof ModelCallSummary) => list.reduce((total, call) => total + Number(call[field] ?? 0), 0);
      const used: Usage = {
        inputTokens: sum('inputTokens'),
        cacheReadInputTokens: sum('cacheReadInputTokens'),
        cacheWriteInputTokens: sum('cacheWriteInputTokens'),
        outputTokens: sum('outputTokens'),
      };
      const family = familyOf(foundationModelOf(model) ?? model, families);
      const tokens = family === undefined ? undefined : priceTokens(used, table, family);
      const images = family === undefined ? undefined : priceImages(list, table, family);
      const priced = tokens === undefined || images === undefined ? undefined : { ...tokens, usd: tokens.usd + images.usd };
      return {
        model,
        calls: list.length,
        failed: list.filter((call) => call.error !== undefined).length,
        ...used,
        images: sum('images'),
        ...(priced === undefined ? {} : priced),
      };
    })
    .sort((a, b) => (b.usd ?? 0) - (a.usd ?? 0));
}

/**
 * One model's tokens at its family's prices; undefined when it used tokens and the table has
 * no input or output price for it (an image model that used none costs nothing here).
 */
function priceTokens(used: Usage, table: PriceTable, family: string): { usd: number; cachePricedAsInput?: true } | undefined {
  const price = (kind: string): Price | undefined => table.prices[`bedrock.${family}.${kind}`];
  const input = price('input');
  const output = price('output');
  if (input === undefined || output === undefined) {
    const any = used.inputTokens + used.cacheReadInputTokens + used.cacheWriteInputTokens + used.outputTokens;
    return any === 0 ? { usd: 0 } : undefined;
  }
  const cacheRead = price('cacheRead') ?? input;
  const cacheWrite = price('cacheWrite') ?? input;
  const at = (tokens: number, p: Price) => (tokens / p.per) * p.usd;
  const usd =
    at(used.inputTokens, input) +
    at(used.cacheReadInputTokens, cacheRead) +
    at(used.cacheWriteInputTokens, cacheWrite) +
    at(used.outputTokens, output);
  const fellBack =
    (used.cacheReadInputTokens > 0 && price('cacheRead') === undefined) ||
    (used.cacheWriteInputTokens > 0 && price('cacheWrite') === undefined);
  return fellBack ? { usd, cachePricedAsInput: true } : { usd };
}

/** The images a model's calls drew, each at its tier's price; undefined when a tier it drew has none. */
function priceImages(calls: readonly ModelCallSummary[], table: PriceTable, family: string): { usd: number } | undefined {
  let usd = 0;
  for (const call of calls) {
    if (!call.images) continue;
    const price = table.prices[`bedrock.${family}.image${call.imageTier === undefined ? '' : `.${call.imageTier}`}`];
    if (price === undefined) return undefined;
    usd += (call.images / price.per) * price.usd;
  }
  return { usd };
}
