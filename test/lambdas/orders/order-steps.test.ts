import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ERROR_NAMES, ORDER_ERRORS, type OrderPlaced } from '../../../domain/index.js';
import { type OrderStepRequest, type OrderTables, runOrderStep } from '../../../lambdas/orders/order-steps.js';
import { orderPlaced, useOrderTables } from '../../helpers/orders.js';
import { cancellingClient, inProgressClient } from '../../helpers/transaction-cancellations.js';

const tables: OrderTables = { ledger: 'order-ledger', inventory: 'order-inventory' };
const dynamo = useOrderTables(tables);
const order = orderPlaced;

const reserve = (o: OrderPlaced): OrderStepRequest => ({ step: 'inventory', phase: 'action', order: o });
const release = (o: OrderPlaced): OrderStepRequest => ({ step: 'inventory', phase: 'compensation', order: o });

async function effectsOf(orderId: string) {
  // '#seq' is the order's effect counter and 'attempts#...' the simulation's, not effects.
  return (await dynamo.items(tables.ledger)).filter((i) => i.orderId === orderId && !String(i.effect).includes('#'));
}

/** The SKU's `reserved` units, 0 if no step ever moved its stock. */
async function reserved(sku: string): Promise<number> {
  return Number((await dynamo.items(tables.inventory)).find((i) => i.sku === sku)?.reserved ?? 0);
}

function cancelling(reasons: string[]) {
  return cancellingClient(dynamo.endpoint, reasons);
}

describe('runOrderStep', () => {
  it('applies an order step once, however often it is called', async () => {
    const request = { step: 'payment', phase: 'action', order: order('O-1') } as const;
    expect(await runOrderStep(dynamo.client, tables, request)).toMatchObject({ effect: 'charge', applied: true });
    expect(await runOrderStep(dynamo.client, tables, request)).toMatchObject({ effect: 'charge', applied: false });
    expect((await effectsOf('O-1')).map((e) => e.effect)).toEqual(['charge']);
  });

  it('fails if an order asks for simulated failures where they are not allowed, before any effect', async () => {
    const request = reserve(order('O-2', [{ step: 'payment', failure: 'business' }], { sku: 'SKU-2' }));
    await expect(runOrderStep(dynamo.client, tables, request)).rejects.toMatchObject({
      name: ERROR_NAMES.simulationRefused,
      message: 'order O-2 asks for simulated failures, which this deployment refuses',
    });
    expect(await effectsOf('O-2')).toEqual([]);
    expect(await reserved('SKU-2')).toBe(0);
  });

  it('acts out a simulated business failure where simulated failures are allowed', async () => {
    const request = { step: 'payment', phase: 'action', order: order('O-3', [{ step: 'payment', failure: 'business' }]) } as const;
    await expect(runOrderStep(dynamo.client, tables, request, true)).rejects.toMatchObject({ name: 'PaymentDeclined' });
  });
});

describe('the inventory step: the ledger entry and the stock in one transaction', () => {
  it('reserves the stock once with its ledger entry, however often a lost answer makes the saga call it', async () => {
    // The first two answers are lost after the transaction: each retry finds the reserve applied.
    const placed = order('I-1', [{ step: 'inventory', failure: 'transient', times: 2 }], { sku: 'SKU-ONCE', quantity: 3 });
    for (let attempt = 1; attempt <= 2; attempt++) {
      await expect(runOrderStep(dynamo.client, tables, reserve(placed), true)).rejects.toMatchObject({
        name: ORDER_ERRORS.stepUnavailable,
      });
    }
    expect(await runOrderStep(dynamo.client, tables, reserve(placed), true)).toEqual({ orderId: 'I-1', effect: 'reserve', applied: false });
    expect(await effectsOf('I-1')).toEqual([expect.objectContaining({ effect: 'reserve', applied: 1, sku: 'SKU-ONCE', quantity: 3 })]);
    expect(await reserved('SKU-ONCE')).toBe(3);
  });

  it('answers applied=false for a reserve or release already applied, and moves no stock again', async () => {
    const placed = order('I-2', undefined, { sku: 'SKU-AGAIN', quantity: 2 });
    expect(await runOrderStep(dynamo.client, tables, reserve(placed))).toMatchObject({ effect: 'reserve', applied: true });
    expect(await runOrderStep(dynamo.client, tables, reserve(placed))).toMatchObject({ effect: 'reserve', applied: false });
    expect(await reserved('SKU-AGAIN')).toBe(2);
    expect(await runOrderStep(dynamo.client, tables, release(placed))).toMatchObject({ effect: 'release', applied: true });
    expect(await runOrderStep(dynamo.client, tables, release(placed))).toMatchObject({ effect: 'release', applied: false });
    expect(await reserved('SKU-AGAIN')).toBe(0);
    expect((await effectsOf('I-2')).map((e) => [e.effect, e.applied])).toEqual([
      ['release', 1],
      ['reserve', 1],
    ]);
  });

  it('keeps a contended SKU equal to its reservations when many orders reserve it at once', async () => {
    const orders = Array.from({ length: 24 }, (_, i) => order(`I-3-${i}`, undefined, { sku: 'SKU-BUSY', quantity: 1 + (i % 4) }));
    // Each order twice, side by side, as a duplicate delivery would run it.
    const results = await Promise.all([...orders, ...orders].map((o) => runOrderStep(dynamo.client, tables, reserve(o))));
    expect(results.filter((r) => r.applied)).toHaveLength(orders.length);
    expect(await reserved('SKU-BUSY')).toBe(orders.reduce((sum, o) => sum + o.quantity, 0));
  });

  it('writes neither the ledger entry nor the stock when the stock cannot be moved, and throws the cancellation', async () => {
    // A stock item whose `reserved` is not a number: ADD fails, which cancels the whole transaction.
    await dynamo.client.send(
      new PutItemCommand({ TableName: tables.inventory, Item: { sku: { S: 'SKU-BROKEN' }, reserved: { S: 'lots' } } }),
    );
    const placed = order('I-4', undefined, { sku: 'SKU-BROKEN' });
    await expect(runOrderStep(dynamo.client, tables, reserve(placed))).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, expect.objectContaining({ Code: 'ValidationError' })],
    });
    expect(await effectsOf('I-4')).toEqual([]);
  });

  it('throws a transaction that lost to another on the stock as OrderStepConflict, for the saga to retry, and its retry applies once', async () => {
    const placed = order('I-5', undefined, { sku: 'SKU-CONFLICT', quantity: 4 });
    const client = cancelling(['None', 'TransactionConflict']);
    const error = await runOrderStep(client, tables, reserve(placed)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: ORDER_ERRORS.stepConflict,
      message: 'reserve of 4 SKU-CONFLICT for order I-5 cancelled [None, TransactionConflict]',
      cause: expect.objectContaining({ name: 'TransactionCanceledException' }),
    });
    expect(await effectsOf('I-5')).toEqual([]);
    expect(await reserved('SKU-CONFLICT')).toBe(0);
    expect(await runOrderStep(client, tables, reserve(placed))).toMatchObject({ effect: 'reserve', applied: true });
    expect(await reserved('SKU-CONFLICT')).toBe(4);
    client.destroy();
  });

  it('throws a conflict on the ledger entry itself as OrderStepConflict too: only a failed condition means applied', async () => {
    const client = cancelling(['TransactionConflict', 'None']);
    await expect(runOrderStep(client, tables, reserve(order('I-6', undefined, { sku: 'SKU-CONFLICT-2' })))).rejects.toMatchObject({
      name: ORDER_ERRORS.stepConflict,
    });
    client.destroy();
  });

  it('throws a throttled transaction as OrderStepUnavailable, which the saga retries', async () => {
    const client = cancelling(['None', 'ThrottlingError']);
    await expect(runOrderStep(client, tables, release(order('I-7', undefined, { sku: 'SKU-THROTTLED' })))).rejects.toMatchObject({
      name: ORDER_ERRORS.stepUnavailable,
      cause: expect.objectContaining({ name: 'TransactionCanceledException' }),
    });
    client.destroy();
  });
  it('throws a transaction still in progress (a retry by the SDK met its first attempt) as OrderStepUnavailable, and the retry by the saga applies it once', async () => {
    const placed = order('I-8', undefined, { sku: 'SKU-IN-PROGRESS', quantity: 2 });
    const client = inProgressClient(dynamo.endpoint);
    await expect(runOrderStep(client, tables, reserve(placed))).rejects.toMatchObject({
      name: ORDER_ERRORS.stepUnavailable,
      cause: expect.objectContaining({ name: 'TransactionInProgressException' }),
    });
    expect(await runOrderStep(client, tables, reserve(placed))).toMatchObject({ effect: 'reserve', applied: true });
    expect(await reserved('SKU-IN-PROGRESS')).toBe(2);
    client.destroy();
  });
});
