import { DynamoDBClient, ListTablesCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionNameFor, idempotencyKeyOf, OrderPlaced } from '../../domain/index.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { eventually } from './helpers.js';
import { type SwitchyardAppRuntime, startSwitchyardApp } from './switchyard-app.js';

let busLines: string[];
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sfn: SFNClient;
let dynamodb: DynamoDBClient;
let sagaArn: string;

beforeAll(async () => {
  let config: SwitchyardAppRuntime['config'];
  ({ runtime, busLines, config } = await startSwitchyardApp());
  events = new EventBridgeClient(config);
  sfn = new SFNClient(config);
  dynamodb = new DynamoDBClient(config);
  sagaArn = runtime.definitions.stateMachines.find((m) => m.arn.includes('OrderSaga'))?.arn ?? '';
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

/** An OrderPlaced for the durable form of the saga (`coordination: 'durable'`). */
function durableOrder(orderId: string, simulate?: Record<string, unknown>[]) {
  const detail = {
    orderId,
    customerId: 'C-1',
    sku: 'SKU-1',
    quantity: 1,
    amount: 100,
    currency: 'eur',
    coordination: 'durable',
    ...(simulate ? { simulate } : {}),
  };
  return new PutEventsCommand({
    Entries: [
      { EventBusName: 'Switchyard-hub', Source: OrderPlaced.source, DetailType: OrderPlaced.detailType, Detail: JSON.stringify(detail) },
    ],
  });
}

async function ledger(orderId: string): Promise<{ effect: string; applied: number }[]> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => name.includes('OrderSagaLedger'));
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'orderId = :o',
      ExpressionAttributeValues: { ':o': { S: orderId } },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => unmarshall(item))
    .filter((item) => !String(item.effect).includes('#'))
    .sort((a, b) => a.seq - b.seq)
    .map((item) => ({ effect: item.effect, applied: item.applied }));
}

function published(detailType: string, orderId: string): Record<string, unknown>[] {
  return busLines
    .filter((l) => l.includes(` ${detailType} `) && l.includes(`"orderId":"${orderId}"`))
    .map((l) => JSON.parse(l.slice(l.indexOf(`${detailType} `) + detailType.length + 1)));
}

describe('the durable order saga on the local runtime', () => {
  it('runs an order with coordination durable as a durable execution, once, and never as the state machine', async () => {
    // Two deliveries of one order: one execution, each effect once.
    await events.send(durableOrder('DUR-OK'));
    await events.send(durableOrder('DUR-OK'));
    await eventually(async () => (published('OrderCompleted', 'DUR-OK').length > 0 ? true : undefined), 60_000, 'OrderCompleted');
    expect(await ledger('DUR-OK')).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'charge', applied: 1 },
      { effect: 'ship', applied: 1 },
    ]);
    expect(published('OrderCompleted', 'DUR-OK')).toHaveLength(1);
    const name = executionNameFor(OrderPlaced, idempotencyKeyOf(OrderPlaced, { id: 'unused', detail: { orderId: 'DUR-OK' } }));
    const executionArn = `${sagaArn.replace(':stateMachine:', ':execution:')}:${name}`;
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  }, 90_000);

  it('compensates a declined payment and publishes OrderFailed', async () => {
    await events.send(durableOrder('DUR-DECLINED', [{ step: 'payment', failure: 'business' }]));
    const [failed] = await eventually(
      async () => (published('OrderFailed', 'DUR-DECLINED').length > 0 ? published('OrderFailed', 'DUR-DECLINED') : undefined),
      60_000,
      'OrderFailed',
    );
    expect(failed).toMatchObject({ orderId: 'DUR-DECLINED', step: 'ChargePayment', error: 'PaymentDeclined' });
    expect(await ledger('DUR-DECLINED')).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'release', applied: 1 },
    ]);
  }, 90_000);
});
