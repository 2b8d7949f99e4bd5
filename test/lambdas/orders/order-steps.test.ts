import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_NAMES, type OrderPlaced } from '../../../domain/index.js';
import { runOrderStep } from '../../../lambdas/orders/order-steps.js';
import { type DynamoDbHandle, startDynamoDb } from '../../helpers/dynamodb-engine.js';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';

let dynamo: DynamoDbHandle;
const tableName = 'order-ledger';

beforeAll(async () => {
  dynamo = await startDynamoDb();
  await createActiveTable(dynamo.client, {
    TableName: tableName,
    KeySchema: [
      { AttributeName: 'orderId', KeyType: 'HASH' },
      { AttributeName: 'effect', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'orderId', AttributeType: 'S' },
      { AttributeName: 'effect', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
});
afterAll(async () => {
  await dynamo.close();
});

const order = (orderId: string, simulate?: { step: string; failure: string }[]): OrderPlaced =>
  ({
    orderId,
    customerId: 'C-1',
    sku: 'SKU-1',
    quantity: 1,
    amount: 1000,
    currency: 'eur',
    ...(simulate ? { simulate } : {}),
  }) as OrderPlaced;

async function effectsOf(orderId: string) {
  const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
  // '#seq' is the order's effect counter, not an effect.
  return Items.map((i) => unmarshall(i)).filter((i) => i.orderId === orderId && !String(i.effect).startsWith('#'));
}

describe('runOrderStep', () => {
  it('applies an order step once, however often it is called', async () => {
    const request = { step: 'inventory', phase: 'action', order: order('O-1') } as const;
    expect(await runOrderStep(dynamo.client, tableName, request)).toMatchObject({ effect: 'reserve', applied: true });
    expect(await runOrderStep(dynamo.client, tableName, request)).toMatchObject({ effect: 'reserve', applied: false });
    expect((await effectsOf('O-1')).map((e) => e.effect)).toEqual(['reserve']);
  });

  it('fails if an order asks for simulated failures where they are not allowed, before any effect', async () => {
    const request = { step: 'inventory', phase: 'action', order: order('O-2', [{ step: 'payment', failure: 'business' }]) } as const;
    await expect(runOrderStep(dynamo.client, tableName, request)).rejects.toMatchObject({
      name: ERROR_NAMES.simulationRefused,
      message: 'order O-2 asks for simulated failures, which this deployment refuses',
    });
    expect(await effectsOf('O-2')).toEqual([]);
  });

  it('acts out a simulated business failure where simulated failures are allowed', async () => {
    const request = { step: 'payment', phase: 'action', order: order('O-3', [{ step: 'payment', failure: 'business' }]) } as const;
    await expect(runOrderStep(dynamo.client, tableName, request, true)).rejects.toMatchObject({ name: 'PaymentDeclined' });
  });
});
