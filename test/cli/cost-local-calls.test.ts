import { describe, expect, it } from 'vitest';
import { priceModelCalls } from '../../cli/cost/local-calls.js';
import type { PriceTable } from '../../cli/cost/model.js';
import { modelFamilies } from '../../cli/cost/model-calls.js';
import type { ModelCallSummary } from '../../local/read-api/contract.js';

const price = (usd: number) => ({ usd, per: 1_000_000, unit: 'tokens', source: 'x' });
const TABLE: PriceTable = {
  region: 'test',
  retrieved: '2026-01-01',
  prices: {
    'bedrock.anthropic.claude-sonnet-4.input': price(3),
    'bedrock.anthropic.claude-sonnet-4.output': price(15),
    'bedrock.anthropic.claude-sonnet-4.cacheRead': price(0.3),
    'bedrock.anthropic.claude-sonnet-4.cacheWrite': price(3.75),
    'bedrock.meta.llama3-3-70b.input': price(0.72),
    'bedrock.meta.llama3-3-70b.output': price(0.72),
  },
};
const FAMILIES = modelFamilies(Object.keys(TABLE.prices));

function call(model: string, usage: Partial<ModelCallSummary>): ModelCallSummary {
  return {
    at: '2026-01-01T00:00:00.000Z',
    modelId: model,
    model,
    backend: 'simulated',
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    latencyMs: 1,
    ...usage,
  };
}

describe('priceModelCalls', () => {
  it('prices cache reads and writes at their own prices, apart from input tokens', () => {
    // 1M input at $3 + 2M cache reads at $0.30 + 1M cache writes at $3.75 + 1M output at $15 = $22.35.
    const [row] = priceModelCalls(
      [
        call('us.anthropic.claude-sonnet-4-5-20250929-v1:0', {
          inputTokens: 1_000_000,
          cacheReadInputTokens: 2_000_000,
          cacheWriteInputTokens: 1_000_000,
          outputTokens: 1_000_000,
        }),
      ],
      TABLE,
      FAMILIES,
    );
    expect(row?.usd).toBeCloseTo(22.35, 10);
    expect(row?.cachePricedAsInput).toBeUndefined();
  });

  it('prices the cache tokens of a model with no cache price as input, and says so', () => {
    // (1M input + 1M cache read) at $0.72 + 1M output at $0.72 = $2.16.
    const [row] = priceModelCalls(
      [call('meta.llama3-3-70b-instruct-v1:0', { inputTokens: 1_000_000, cacheReadInputTokens: 1_000_000, outputTokens: 1_000_000 })],
      TABLE,
      FAMILIES,
    );
    expect(row?.usd).toBeCloseTo(2.16, 10);
    expect(row?.cachePricedAsInput).toBe(true);
  });

  it('leaves the cost out for a model the table does not price', () => {
    const [row] = priceModelCalls([call('mistral.large-2', { inputTokens: 10 })], TABLE, FAMILIES);
    expect(row).toMatchObject({ model: 'mistral.large-2', calls: 1 });
    expect(row?.usd).toBeUndefined();
  });
});
