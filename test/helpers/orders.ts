import type { OrderPlaced } from '../../domain/index.js';
import type { OrderTables } from '../../lambdas/orders/order-steps.js';
import { type DynamoDbHandle, useDynamoDb } from './dynamodb-engine.js';

/** Failures to act out (OrderSimulationSchema); its `step` union is built from an array, so TypeScript sees no literals. */
export type OrderSimulation = { step: string; failure: 'business' | 'transient'; times?: number }[];

/** The DynamoDB engine with the order saga's tables, for the tests of the file that calls this: the ledger (orderId, effect) and the stock (sku). */
export function useOrderTables(tables: OrderTables): DynamoDbHandle {
  return useDynamoDb(async (dynamo) => {
    await dynamo.createTable(tables.ledger, 'orderId', 'effect');
    await dynamo.createTable(tables.inventory, 'sku');
  });
}

/** One unit of SKU-1 for 10.00 EUR, unless `more` says otherwise, failing as `simulate` says. */
export function orderPlaced(orderId: string, simulate?: OrderSimulation, more: Partial<OrderPlaced> = {}): OrderPlaced {
  return {
    orderId,
    customerId: 'C-1',
    sku: 'SKU-1',
    quantity: 1,
    amount: 1000,
    currency: 'eur',
    ...more,
    ...(simulate ? { simulate } : {}),
  } as OrderPlaced;
}
