import { readFileSync } from 'node:fs';
import { priceModelCalls } from '../../cli/cost/local-calls.js';
import type { PriceTable } from '../../cli/cost/model.js';
import { modelFamilies } from '../../cli/cost/model-calls.js';
import type { ModelCallPricer } from './runtime-spans.js';

/** The dated on-demand price table `switchyard cost` prices with (one table, read where the command reads it). */
const PRICES_FILE = new URL('../../cli/cost/prices-us-east-1.json', import.meta.url);

/**
 * Prices one model call as `switchyard cost --local` prices a run's (on-demand, cache reads and
 * writes at their own prices, images per image at their tier): the cost a GenAI span carries.
 * The table is read on the first call; a model it has no price for gets none.
 */
export function modelCallPricer(): ModelCallPricer {
  let table: { prices: PriceTable; families: string[] } | undefined;
  return (call) => {
    if (table === undefined) {
      const prices = JSON.parse(readFileSync(PRICES_FILE, 'utf8')) as PriceTable;
      table = { prices, families: modelFamilies(Object.keys(prices.prices), 'inputOrImage') };
    }
    if (call.error !== undefined) return undefined;
    return priceModelCalls([call], table.prices, table.families)[0]?.usd;
  };
}
