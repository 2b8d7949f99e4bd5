import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_NAMES, ORDER_ERRORS, type WorkflowInput } from '../../../domain/index.js';
import type { Emission } from '../../../lambdas/kit/emit.js';
import { COMPENSATION_FAILED, durableOrderSaga } from '../../../lambdas/orders/durable-saga.js';
import { type OrderTables, runOrderStep } from '../../../lambdas/orders/order-steps.js';
import { type OrderSimulation, orderPlaced, useOrderTables } from '../../helpers/orders.js';
import { cancellingClient } from '../../helpers/transaction-cancellations.js';

const tables: OrderTables = { ledger: 'durable-order-ledger', inventory: 'durable-order-inventory' };

beforeAll(async () => {
  // Waits and retry delays pass at once: the test checks what the saga does, not how long it waits.
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
});
afterAll(async () => {
  await LocalDurableTestRunner.teardownTestEnvironment();
});
const dynamo = useOrderTables(tables);

/** What the starter hands an execution for one OrderPlaced. */
function placed(orderId: string, simulate?: OrderSimulation, sku = 'SKU-1'): WorkflowInput {
  const detail = orderPlaced(orderId, simulate, { sku });
  return {
    detail: detail as unknown as Record<string, unknown>,
    event: { id: `event-${orderId}`, source: 'switchyard.orders', detailType: 'OrderPlaced', time: '2026-11-23T00:00:00Z' },
    correlationId: `corr-${orderId}`,
  };
}

/** Runs the saga on `input` with the real order steps against the ledger, recording what it publishes. */
async function run(input: WorkflowInput, options: { allowSimulatedFailures?: boolean; client?: DynamoDBClient } = {}) {
  const published: { emission: Emission; cause: { correlationId: string; causationId: string } }[] = [];
  const handler = durableOrderSaga({
    runStep: (request) => runOrderStep(options.client ?? dynamo.client, tables, request, options.allowSimulatedFailures ?? true),
    publish: async (emission, cause) => {
      published.push({ emission, cause });
    },
  });
  const runner = new LocalDurableTestRunner({ handlerFunction: handler });
  const execution = await runner.run({ payload: input });
  return { runner, execution, published };
}

/** The effects the ledger holds for an order, in the order they were applied. */
async function effectsOf(orderId: string): Promise<{ effect: string; applied: number }[]> {
  return (await dynamo.items<{ orderId: string; effect: string; applied: number; seq: number }>(tables.ledger))
    .filter((i) => i.orderId === orderId && !String(i.effect).startsWith('#') && !String(i.effect).startsWith('attempts#'))
    .sort((a, b) => a.seq - b.seq)
    .map((i) => ({ effect: i.effect, applied: i.applied }));
}

describe('durableOrderSaga', () => {
  it('reserves, charges and ships an order, each once, and publishes OrderCompleted', async () => {
    const { execution, published } = await run(placed('D-1'));
    expect(execution.getStatus()).toBe('SUCCEEDED');
    expect(execution.getResult()).toEqual({ orderId: 'D-1', status: 'COMPLETED' });
    expect(await effectsOf('D-1')).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'charge', applied: 1 },
      { effect: 'ship', applied: 1 },
    ]);
    expect(published).toEqual([
      {
        emission: { contract: expect.objectContaining({ detailType: 'OrderCompleted' }), detail: { orderId: 'D-1' } },
        cause: { correlationId: 'corr-D-1', causationId: 'event-D-1' },
      },
    ]);
    const names = execution.getOperations().map((o) => o.getName());
    expect(names).toEqual(['ReserveInventory', 'ChargePayment', 'CreateShipment', 'PublishCompleted']);
  });

  it('undoes the completed steps in reverse when payment is declined, publishes OrderFailed and fails with the step error', async () => {
    const { execution, published } = await run(placed('D-2', [{ step: 'payment', failure: 'business' }]));
    expect(execution.getStatus()).toBe('FAILED');
    expect(execution.getError()).toMatchObject({ errorType: ORDER_ERRORS.paymentDeclined });
    // Inventory was reserved, then released; the charge never happened, so nothing is refunded and nothing ships.
    expect(await effectsOf('D-2')).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'release', applied: 1 },
    ]);
    expect(published.map((p) => p.emission.detail)).toEqual([
      { orderId: 'D-2', step: 'ChargePayment', error: ORDER_ERRORS.paymentDeclined, cause: expect.stringContaining('charge refused') },
    ]);
    const names = execution.getOperations().map((o) => o.getName());
    expect(names).toEqual(['ReserveInventory', 'ChargePayment', 'UndoReserveInventory', 'PublishFailed']);
  });

  it('refunds and releases, latest first, when the shipment is rejected', async () => {
    const { execution } = await run(placed('D-3', [{ step: 'shipment', failure: 'business' }]));
    expect(execution.getError()).toMatchObject({ errorType: ORDER_ERRORS.shipmentRejected });
    expect((await effectsOf('D-3')).map((e) => e.effect)).toEqual(['reserve', 'charge', 'refund', 'release']);
  });

  it('retries a step whose answer was lost and applies its effect once', async () => {
    const { runner, execution } = await run(placed('D-4', [{ step: 'payment', failure: 'transient', times: 2 }]));
    expect(execution.getStatus()).toBe('SUCCEEDED');
    expect(runner.getOperation('ChargePayment').getStepDetails()?.attempt).toBe(3);
    expect(await effectsOf('D-4')).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'charge', applied: 1 },
      { effect: 'ship', applied: 1 },
    ]);
  });

  it('retries a reserve whose transaction lost to another on the stock, and reserves once', async () => {
    const client = cancellingClient(dynamo.endpoint, ['None', 'TransactionConflict'], 2);
    const { runner, execution } = await run(placed('D-8', undefined, 'SKU-DURABLE-CONFLICT'), { client });
    client.destroy();
    expect(execution.getStatus()).toBe('SUCCEEDED');
    expect(runner.getOperation('ReserveInventory').getStepDetails()?.attempt).toBe(3);
    expect((await effectsOf('D-8')).map((e) => e.effect)).toEqual(['reserve', 'charge', 'ship']);
    expect((await dynamo.items(tables.inventory)).find((i) => i.sku === 'SKU-DURABLE-CONFLICT')?.reserved).toBe(1);
  });

  it('fails uncompensated once a transient error outlasts its four attempts, as the state machine does', async () => {
    const { runner, execution, published } = await run(placed('D-5', [{ step: 'inventory', failure: 'transient' }]));
    expect(execution.getStatus()).toBe('FAILED');
    expect(runner.getOperation('ReserveInventory').getStepDetails()?.error).toMatchObject({ errorType: ORDER_ERRORS.stepUnavailable });
    expect(runner.getOperation('ReserveInventory').getStepDetails()?.attempt).toBe(4);
    expect(published).toEqual([]);
  });

  it(`fails with ${COMPENSATION_FAILED} and publishes nothing when a compensation fails on every attempt`, async () => {
    const { runner, execution, published } = await run(
      placed('D-6', [
        { step: 'payment', failure: 'business' },
        { step: 'release', failure: 'business' },
      ]),
    );
    expect(execution.getError()).toMatchObject({
      errorType: COMPENSATION_FAILED,
      errorMessage: expect.stringContaining('UndoReserveInventory'),
    });
    expect(runner.getOperation('UndoReserveInventory').getStepDetails()?.attempt).toBe(6);
    expect(published).toEqual([]);
  });

  it('fails if the order asks for simulated failures where they are refused, before any effect', async () => {
    const { execution, published } = await run(placed('D-7', [{ step: 'payment', failure: 'business' }]), {
      allowSimulatedFailures: false,
    });
    expect(execution.getStatus()).toBe('FAILED');
    expect(JSON.stringify(execution.getError())).toContain(ERROR_NAMES.simulationRefused);
    expect(await effectsOf('D-7')).toEqual([]);
    expect(published).toEqual([]);
  });
});
