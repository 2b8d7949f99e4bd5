import { readFileSync } from 'node:fs';
import { priceModelCalls } from '../../clients/pricing/model-call-costs.js';
import { modelFamilies } from '../../clients/pricing/model-families.js';
import { PRICE_TABLE_FILE, type PriceTable } from '../../clients/pricing/price-arithmetic.js';
import type { ModelCallPricer } from './runtime-spans.js';

/**
 * Prices one model call as `switchyard cost --local` prices a run's (on-demand, cache reads and
 * writes at their own prices, images per image at their tier): the cost a GenAI span carries.
 * The table is read on the first call; a model it has no price for gets none.
 */
export function modelCallPricer(): ModelCallPricer {
  let table: { prices: PriceTable; families: string[] } | undefined;
  return (call) => {
    if (table === undefined) {
      const prices = JSON.parse(readFileSync(PRICE_TABLE_FILE, 'utf8')) as PriceTable;
      table = { prices, families: modelFamilies(Object.keys(prices.prices), 'inputOrImage') };
    }
    if (call.error !== undefined) return undefined;
    return priceModelCalls([call], table.prices, table.families)[0]?.usd;
  };
}
