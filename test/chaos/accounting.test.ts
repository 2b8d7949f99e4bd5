import { describe, expect, it } from 'vitest';
import { accountStock } from './accounting.js';
import type { StockMove } from './inventory.js';

/**
 * The stock's account alone (instant, beside the runs in `npm run test:chaos`): what a run
 * would find if a reserve or release were ever recorded apart from its stock movement.
 */
const orders = new Map([
  ['O-1', { sku: 'SKU-A', quantity: 2 }],
  ['O-2', { sku: 'SKU-A', quantity: 3 }],
  ['O-3', { sku: 'SKU-B', quantity: 1 }],
]);
const move = (orderId: string, effect: 'reserve' | 'release', more: Partial<StockMove> = {}): StockMove => ({
  orderId,
  effect,
  applied: 1,
  sku: orders.get(orderId)?.sku,
  quantity: orders.get(orderId)?.quantity,
  ...more,
});
const moves = [move('O-1', 'reserve'), move('O-2', 'reserve'), move('O-2', 'release'), move('O-3', 'reserve')];
/** The account of `recorded` moves against the stock's `reserved` units, by SKU. */
const accountOf = (reserved: Record<string, number>, recorded = moves) =>
  accountStock({ moves: recorded, reserved: new Map(Object.entries(reserved)) }, orders);

describe('accountStock', () => {
  it("balances each SKU whose reserved units are its ledger's reserves minus releases", () => {
    const account = accountOf({ 'SKU-A': 2, 'SKU-B': 1 });
    expect(account).toEqual({ skus: 2, balanced: 2, problems: [] });
  });

  it('finds a reserve recorded without its stock movement (a kill between two writes)', () => {
    const account = accountOf({ 'SKU-A': 2, 'SKU-B': 0 });
    expect(account).toEqual({
      skus: 2,
      balanced: 1,
      problems: ["stock: SKU-B reserved=0, the ledger's reserves minus releases 1 (1 - 0)"],
    });
  });

  it('finds a stock movement without its record, or moved twice (a retry outside the transaction)', () => {
    const account = accountOf({ 'SKU-A': 5, 'SKU-B': 1, 'SKU-C': 4 });
    expect(account.balanced).toBe(1);
    expect(account.problems).toEqual([
      "stock: SKU-A reserved=5, the ledger's reserves minus releases 2 (5 - 3)",
      "stock: SKU-C reserved=4, the ledger's reserves minus releases 0 (0 - 0)",
    ]);
  });

  it("finds an entry that names no stock, or not its order's", () => {
    const account = accountOf({ 'SKU-B': 7 }, [move('O-1', 'reserve', { sku: undefined }), move('O-3', 'reserve', { quantity: 7 })]);
    expect(account.problems).toEqual([
      'stock: O-1 reserve recorded without the SKU and quantity its transaction moved',
      'stock: O-3 reserve moved 7 SKU-B, the order is for 1 SKU-B',
    ]);
  });
});
