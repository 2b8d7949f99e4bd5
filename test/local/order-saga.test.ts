import { type DynamoDBClient, ListTablesCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { executionNameFor, idempotencyKeyOf, OrderPlaced } from '../../domain/index.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { AdvanceableClock } from '../../local/time/clock.js';
import { eventually } from './helpers.js';
import { invocationEnded, useSwitchyardApp } from './switchyard-app.js';

/*
 * The order saga's two forms on one runtime: the state machine (OrderSaga) and the durable
 * function (DurableOrderSaga, for orders with `coordination: 'durable'`), sharing the ledger.
 */

/** The events the hub accepted, as the runtime's console prints them. */
let busLines: string[];
/** Every line the runtime printed. */
let lines: string[];
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sfn: SFNClient;
let dynamodb: DynamoDBClient;
let sagaArn: string;

/**
 * Step Functions' clock: each saga's retry backoff (up to 16 s a try, a compensation tried six
 * times) is skipped by moving it on rather than waited out (`ended`); other services keep real time.
 */
const clock = new AdvanceableClock();
/** The longest a saga's retry waits (its maxDelay); the sagas have no other timers to skip. */
const MAX_BACKOFF_MS = 30_000;

useSwitchyardApp(
  (app) => {
    ({ runtime, busLines, lines, events, sfn, dynamodb } = app);
    sagaArn = app.stateMachineArn('OrderSaga');
  },
  undefined,
  { statesClock: clock },
);

/** An OrderPlaced; `more` for other fields (`coordination: 'durable'` for DurableOrderSaga's orders). */
function orderPlaced(orderId: string, simulate?: Record<string, unknown>[], more: Record<string, unknown> = {}) {
  const detail = {
    orderId,
    customerId: 'C-1',
    sku: 'SKU-1',
    quantity: 2,
    amount: 4200,
    currency: 'eur',
    ...more,
    ...(simulate ? { simulate } : {}),
  };
  return new PutEventsCommand({
    Entries: [
      { EventBusName: 'Switchyard-hub', Source: OrderPlaced.source, DetailType: OrderPlaced.detailType, Detail: JSON.stringify(detail) },
    ],
  });
}

/** The order's effects in the ledger, in the order they happened (attempt counters left out). */
async function ledger(orderId: string): Promise<{ effect: string; applied: number; seq: number }[]> {
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
    .map((item) => ({ effect: item.effect, applied: item.applied, seq: item.seq }))
    .sort((a, b) => a.seq - b.seq);
}

/**
 * The saga execution of an order, once ended: its name is derived from the OrderPlaced (one per
 * order). Whenever the saga waits out a retry's backoff, the clock moves on to its end.
 */
async function ended(orderId: string, timeoutMs = 60_000) {
  const name = executionNameFor(OrderPlaced, idempotencyKeyOf(OrderPlaced, { id: 'unused', detail: { orderId } }));
  const executionArn = `${sagaArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return eventually(
    async () => {
      clock.advanceToNextWake(MAX_BACKOFF_MS);
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn })).catch(() => undefined);
      return execution && execution.status !== 'RUNNING' ? execution : undefined;
    },
    timeoutMs,
    `the saga of ${orderId} to end`,
  );
}

function published(detailType: string, orderId: string): Record<string, unknown>[] {
  return busLines
    .filter((l) => l.includes(` ${detailType} `) && l.includes(`"orderId":"${orderId}"`))
    .map((l) => JSON.parse(l.slice(l.indexOf(`${detailType} `) + detailType.length + 1)));
}

describe('the order saga on the local runtime', () => {
  it('reserves, charges and ships once each, and publishes OrderCompleted', async () => {
    await events.send(orderPlaced('ORD-OK'));
    expect((await ended('ORD-OK')).status).toBe('SUCCEEDED');
    expect(await ledger('ORD-OK')).toEqual([
      { effect: 'reserve', applied: 1, seq: 1 },
      { effect: 'charge', applied: 1, seq: 2 },
      { effect: 'ship', applied: 1, seq: 3 },
    ]);
    await eventually(async () => (published('OrderCompleted', 'ORD-OK').length === 1 ? true : undefined), 10_000, 'OrderCompleted');
    expect(published('OrderFailed', 'ORD-OK')).toEqual([]);
  }, 90_000);

  it('retries a transient payment failure and charges once', async () => {
    // The charge is written, then its answer is "lost" twice: the retries find it applied.
    await events.send(orderPlaced('ORD-FLAKY', [{ step: 'payment', failure: 'transient', times: 2 }]));
    expect((await ended('ORD-FLAKY')).status).toBe('SUCCEEDED');
    expect((await ledger('ORD-FLAKY')).map(({ effect, applied }) => ({ effect, applied }))).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'charge', applied: 1 },
      { effect: 'ship', applied: 1 },
    ]);
  }, 90_000);

  it('compensates a shipment rejection: refund then release, once each, FAILED with the cause and OrderFailed', async () => {
    // The refund's answer is lost once too: its retry must not refund twice.
    await events.send(
      orderPlaced('ORD-REJECT', [
        { step: 'shipment', failure: 'business' },
        { step: 'refund', failure: 'transient', times: 1 },
      ]),
    );
    const execution = await ended('ORD-REJECT');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ShipmentRejected');
    expect(execution.cause).toContain('ship refused for order ORD-REJECT');
    expect((await ledger('ORD-REJECT')).map(({ effect, applied }) => ({ effect, applied }))).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'charge', applied: 1 },
      { effect: 'refund', applied: 1 },
      { effect: 'release', applied: 1 },
    ]);
    const [failed] = await eventually(
      async () => (published('OrderFailed', 'ORD-REJECT').length > 0 ? published('OrderFailed', 'ORD-REJECT') : undefined),
      10_000,
      'OrderFailed',
    );
    expect(failed).toMatchObject({ orderId: 'ORD-REJECT', step: 'CreateShipment', error: 'ShipmentRejected' });
    expect(published('OrderCompleted', 'ORD-REJECT')).toEqual([]);
  }, 90_000);

  it('ends FAILED with CompensationFailed, naming the undo, when a compensation keeps failing', async () => {
    // Payment is declined, so only the reservation is undone, and its release never answers.
    await events.send(
      orderPlaced('ORD-STUCK', [
        { step: 'payment', failure: 'business' },
        { step: 'release', failure: 'transient' },
      ]),
    );
    const execution = await ended('ORD-STUCK');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('CompensationFailed');
    expect(execution.cause).toMatch(
      /^UndoReserveInventory could not be undone: OrderStepUnavailable \(.*release for order ORD-STUCK: no answer/,
    );
    // Six tries of the release (the saga's compensationAttempts), its effect written once.
    const attempts = await dynamodb.send(
      new QueryCommand({
        TableName: (await dynamodb.send(new ListTablesCommand({}))).TableNames?.find((n) => n.includes('OrderSagaLedger')),
        KeyConditionExpression: 'orderId = :o AND effect = :e',
        ExpressionAttributeValues: { ':o': { S: 'ORD-STUCK' }, ':e': { S: 'attempts#release' } },
        ConsistentRead: true,
      }),
    );
    expect(unmarshall(attempts.Items?.[0] ?? {}).attempts).toBe(6);
    expect((await ledger('ORD-STUCK')).map(({ effect, applied }) => ({ effect, applied }))).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'release', applied: 1 },
    ]);
    // Nobody is told the order failed cleanly: it needs a person (the execution says what to finish).
    expect(published('OrderFailed', 'ORD-STUCK')).toEqual([]);
  }, 90_000);

  it('starts no second saga and no second effect for a duplicate OrderPlaced', async () => {
    await events.send(orderPlaced('ORD-DUP'));
    await eventually(async () => ((await ledger('ORD-DUP')).length === 3 ? true : undefined), 30_000, 'the first saga of ORD-DUP');
    const sent = lines.length;
    await events.send(orderPlaced('ORD-DUP'));
    // Until the duplicate has crossed the bus and the queue, and the saga's starter has handled it.
    await invocationEnded(lines, 'Switchyard-OrderSagaWorkflowStarter', sent);
    // Found by input, not by the derived name, so a saga started under another name counts too.
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: sagaArn }));
    const inputs = await Promise.all(
      executions.map(async (e) => (await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }))).input ?? ''),
    );
    expect(inputs.filter((input) => input.includes('"orderId":"ORD-DUP"'))).toHaveLength(1);
    expect((await ledger('ORD-DUP')).map(({ effect, applied }) => ({ effect, applied }))).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'charge', applied: 1 },
      { effect: 'ship', applied: 1 },
    ]);
    expect(published('OrderCompleted', 'ORD-DUP')).toHaveLength(1);
  }, 90_000);
});

/** An OrderPlaced for the durable form of the saga. */
const durableOrder = (orderId: string, simulate?: Record<string, unknown>[]) =>
  orderPlaced(orderId, simulate, { quantity: 1, amount: 100, coordination: 'durable' });

describe('the durable order saga on the local runtime', () => {
  it('runs an order with coordination durable as a durable execution, once, and never as the state machine', async () => {
    // Two deliveries of one order: one execution, each effect once.
    await events.send(durableOrder('DUR-OK'));
    await events.send(durableOrder('DUR-OK'));
    await eventually(async () => (published('OrderCompleted', 'DUR-OK').length > 0 ? true : undefined), 60_000, 'OrderCompleted');
    expect((await ledger('DUR-OK')).map(({ effect, applied }) => ({ effect, applied }))).toEqual([
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
    expect((await ledger('DUR-DECLINED')).map(({ effect, applied }) => ({ effect, applied }))).toEqual([
      { effect: 'reserve', applied: 1 },
      { effect: 'release', applied: 1 },
    ]);
  }, 90_000);
});

describe("the order sagas' inventory", () => {
  it("holds for each SKU the ledger's reserves minus its releases, every saga above moved in the transaction that recorded it", async () => {
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const scan = async (part: string) =>
      (
        (await dynamodb.send(new ScanCommand({ TableName: TableNames.find((n) => n.includes(part)), ConsistentRead: true }))).Items ?? []
      ).map((item) => unmarshall(item));
    const expected = new Map<string, number>();
    for (const entry of await scan('OrderSagaLedger')) {
      if (entry.effect !== 'reserve' && entry.effect !== 'release') continue;
      const units = (entry.effect === 'reserve' ? 1 : -1) * entry.quantity;
      expected.set(entry.sku, (expected.get(entry.sku) ?? 0) + units);
    }
    const stock = new Map((await scan('OrderSagaInventory')).map((item) => [item.sku as string, Number(item.reserved)]));
    // The orders above that kept their reservation: ORD-OK, ORD-FLAKY and ORD-DUP of 2 each, DUR-OK of 1.
    expect(expected).toEqual(new Map([['SKU-1', 7]]));
    expect(stock).toEqual(expected);
  });
});

describe('the reference app under IAM enforce', () => {
  it('makes no request its grants do not allow, in every saga above', () => {
    // Runs after the sagas in this file: each function, state machine and delivery asked as its own principal.
    expect(runtime.iam.mode).toBe('enforce');
    expect(runtime.iam.findings()).toEqual([]);
    const used = [...runtime.iam.uses().values()].flat();
    expect(used.length).toBeGreaterThan(0);
  });
});
