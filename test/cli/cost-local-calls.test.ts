import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { priceModelCalls } from '../../clients/pricing/model-call-costs.js';
import { familyOf, foundationModelOf, modelFamilies } from '../../clients/pricing/model-families.js';
import type { PriceTable } from '../../clients/pricing/price-arithmetic.js';
import type { ModelCallSummary } from '../../clients/read-api-contract.js';
import { CATALOGUE } from '../../local/bedrock/catalogue.js';

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
    'bedrock.stability.stable-diffusion-xl-v1.image.standard': { usd: 0.04, per: 1, unit: 'images', source: 'x' },
    'bedrock.stability.stable-diffusion-xl-v1.image.premium': { usd: 0.08, per: 1, unit: 'images', source: 'x' },
    'bedrock.stability.sd3-5-large.image': { usd: 0.08, per: 1, unit: 'images', source: 'x' },
  },
};
const FAMILIES = modelFamilies(Object.keys(TABLE.prices), 'inputOrImage');

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

  it("prices images at the price of their tier, and an untiered image at the model's one price", () => {
    const rows = priceModelCalls(
      [
        call('stability.stable-diffusion-xl-v1:0', { inputTokens: 0, outputTokens: 0, images: 1, imageTier: 'standard' }),
        call('stability.stable-diffusion-xl-v1:0', { inputTokens: 0, outputTokens: 0, images: 1, imageTier: 'premium' }),
        call('stability.stable-diffusion-xl-v1:0', { inputTokens: 0, outputTokens: 0, error: 'ThrottlingException' }),
        call('stability.sd3-5-large-v1:0', { inputTokens: 0, outputTokens: 0, images: 2 }),
      ],
      TABLE,
      FAMILIES,
    );
    expect(rows.map((r) => [r.model, r.calls, r.failed, r.images])).toEqual([
      ['stability.sd3-5-large-v1:0', 1, 0, 2],
      ['stability.stable-diffusion-xl-v1:0', 3, 1, 2],
    ]);
    expect(rows[0]?.usd).toBeCloseTo(0.16, 10);
    expect(rows[1]?.usd).toBeCloseTo(0.12, 10);
  });

  it('leaves the cost out for an image tier the table has no price for', () => {
    const [row] = priceModelCalls(
      [call('stability.stable-diffusion-xl-v1', { inputTokens: 0, outputTokens: 0, images: 1, imageTier: 'premium.2048' })],
      TABLE,
      FAMILIES,
    );
    expect(row).toMatchObject({ images: 1 });
    expect(row?.usd).toBeUndefined();
  });

  it('leaves the cost out for a model the table does not price', () => {
    const [row] = priceModelCalls([call('mistral.large-2', { inputTokens: 10 })], TABLE, FAMILIES);
    expect(row).toMatchObject({ model: 'mistral.large-2', calls: 1 });
    expect(row?.usd).toBeUndefined();
  });
});

describe('modelFamilies', () => {
  const keys = Object.keys(TABLE.prices);

  it('gives the families priced per token, per token in batch, or per token or image, longest first', () => {
    expect(modelFamilies(keys, 'input')).toEqual(['anthropic.claude-sonnet-4', 'meta.llama3-3-70b']);
    expect(modelFamilies([...keys, 'bedrock.meta.llama3-3-70b.batchInput'], 'batchInput')).toEqual(['meta.llama3-3-70b']);
    expect(modelFamilies(keys, 'inputOrImage')).toEqual([
      'stability.stable-diffusion-xl-v1',
      'anthropic.claude-sonnet-4',
      'stability.sd3-5-large',
      'meta.llama3-3-70b',
    ]);
  });
});

describe('the price table (clients/pricing/prices-us-east-1.json)', () => {
  const table = JSON.parse(
    readFileSync(path.join(import.meta.dirname, '../../clients/pricing/prices-us-east-1.json'), 'utf8'),
  ) as PriceTable;
  const bedrock = Object.entries(table.prices).filter(([key]) => key.startsWith('bedrock.'));

  it('names where each model price comes from, dated, and what each price added later was checked against', () => {
    for (const [key, price] of bedrock) {
      expect(price.source, key).toBe('https://aws.amazon.com/bedrock/pricing/');
      if (price.retrieved !== undefined) {
        expect(price.retrieved > table.retrieved, key).toBe(true);
        expect(price.checked?.split('; ').length, key).toBeGreaterThanOrEqual(2);
      }
      expect(price.per, key).toBe(/\.image(\.|$)/.test(key) ? 1 : 1_000_000);
    }
  });

  it("prices families that each name a model of the local Bedrock's catalogue, whose id the cost commands read", () => {
    for (const family of modelFamilies(Object.keys(table.prices), 'inputOrImage')) {
      const models = CATALOGUE.filter((model) => familyOf(model.id, [family]) !== undefined);
      expect(models.length, family).toBeGreaterThan(0);
      for (const model of models) expect(foundationModelOf(`us.${model.id}`), model.id).toBe(model.id);
    }
  });
});
