import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
  TransactionInProgressException,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SimulationRefusedError } from 'switchyard-cdk/kit';
import { ORDER_BUSINESS_ERRORS, ORDER_EFFECTS, ORDER_ERRORS, ORDER_STEPS, type OrderPlaced, type OrderStep } from '../../domain/index.js';

/** What the saga's state machine sends each step: which step, which phase, and the order. */
export interface OrderStepRequest {
  readonly step: OrderStep;
  readonly phase: 'action' | 'compensation';
  readonly order: OrderPlaced;
}

/** Where the steps write: the ledger of effects, and the stock the inventory step moves. */
export interface OrderTables {
  /** One item per order and effect (`applied`, `seq`), beside each order's `#seq` counter and `attempts#` counters. */
  readonly ledger: string;
  /** One item per `sku`: `reserved`, the units held for orders (a reserve adds the order's quantity, a release takes it back). */
  readonly inventory: string;
}

/** A step failed for a business reason: its `name` is the one the saga's Catch matches. */
export class OrderBusinessError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** A step's dependency did not answer; the saga retries it with backoff and jitter. */
export class OrderStepUnavailableError extends Error {
  override readonly name = ORDER_ERRORS.stepUnavailable;
}

/** A step's transaction lost to another one on the same item (TransactionConflict): nothing was written; the saga retries it. */
export class OrderStepConflictError extends Error {
  override readonly name = ORDER_ERRORS.stepConflict;
}

/**
 * Applies one step or compensation of an order, writing its effect to the ledger once:
 * one conditional write keyed by order id and effect, so a retried call (its answer
 * lost) finds the effect applied and changes nothing. `seq` orders the effects of an order.
 * The inventory step's effects (`reserve`, `release`) move the SKU's stock in the same
 * transaction as their ledger entry (`moveStockOnce`).
 */
export async function runOrderStep(
  dynamodb: DynamoDBClient,
  tables: OrderTables,
  request: OrderStepRequest,
  allowSimulatedFailures = false,
): Promise<Record<string, unknown>> {
  const { step, phase, order } = request;
  if (order.simulate !== undefined && !allowSimulatedFailures) {
    // A deployed saga must not fail or refund an order because its event asked it to.
    throw new SimulationRefusedError(`order ${order.orderId} asks for simulated failures, which this deployment refuses`);
  }
  if (!(ORDER_STEPS as readonly string[]).includes(step) || (phase !== 'action' && phase !== 'compensation')) {
    throw new TypeError(`unknown order step ${JSON.stringify(step)} / phase ${JSON.stringify(phase)}`);
  }
  const effect = phase === 'action' ? ORDER_EFFECTS[step].action : ORDER_EFFECTS[step].compensation;
  if (effect === undefined) throw new TypeError(`step ${step} has no compensation`);
  const simulated = order.simulate?.find((s) => s.step === (phase === 'action' ? step : effect));
  const attempt = simulated ? await countAttempt(dynamodb, tables.ledger, order.orderId, effect) : 0;
  const failsNow = simulated !== undefined && attempt <= (simulated.times ?? Number.POSITIVE_INFINITY);

  if (failsNow && simulated?.failure === 'business') {
    throw new OrderBusinessError(
      ORDER_BUSINESS_ERRORS[step],
      `${effect} refused for order ${order.orderId} (simulated, attempt ${attempt})`,
    );
  }
  const applied =
    step === 'inventory'
      ? await moveStockOnce(dynamodb, tables, order, effect, phase === 'action' ? order.quantity : -order.quantity)
      : await applyOnce(dynamodb, tables.ledger, order.orderId, effect);
  if (failsNow) {
    throw new OrderStepUnavailableError(`${effect} for order ${order.orderId}: no answer (simulated, attempt ${attempt})`);
  }
  return { orderId: order.orderId, effect, applied };
}

async function countAttempt(dynamodb: DynamoDBClient, tableName: string, orderId: string, effect: string): Promise<number> {
  const { Attributes } = await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { orderId: { S: orderId }, effect: { S: `attempts#${effect}` } },
      UpdateExpression: 'ADD attempts :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(Attributes?.attempts?.N ?? '1');
}

/** The next number of the order's effects: a retried call takes a new one, which only leaves a gap. */
async function nextSeq(dynamodb: DynamoDBClient, tableName: string, orderId: string): Promise<AttributeValue> {
  const { Attributes } = await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { orderId: { S: orderId }, effect: { S: '#seq' } },
      UpdateExpression: 'ADD seq :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Attributes?.seq ?? { N: '0' };
}

/** The ledger's record of an effect, written only if no call wrote it before (`applied` is its mark). */
function ledgerEntry(
  tableName: string,
  orderId: string,
  effect: string,
  seq: AttributeValue,
  more: Record<string, AttributeValue> = {},
): Update {
  const names = Object.keys(more);
  return {
    TableName: tableName,
    Key: { orderId: { S: orderId }, effect: { S: effect } },
    UpdateExpression: `SET ${['seq = :seq', 'appliedAt = :now', ...names.map((n) => `${n} = :${n}`)].join(', ')} ADD applied :one`,
    ConditionExpression: 'attribute_not_exists(applied)',
    ExpressionAttributeValues: {
      ':seq': seq,
      ':now': { S: new Date().toISOString() },
      ':one': { N: '1' },
      ...Object.fromEntries(names.map((n) => [`:${n}`, more[n] as AttributeValue])),
    },
  };
}

/** `true` if this call applied the effect, `false` if an earlier call had. */
async function applyOnce(dynamodb: DynamoDBClient, tableName: string, orderId: string, effect: string): Promise<boolean> {
  const seq = await nextSeq(dynamodb, tableName, orderId);
  try {
    await dynamodb.send(new UpdateItemCommand(ledgerEntry(tableName, orderId, effect, seq)));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The ledger's action comes first in the transaction: its cancellation reason is the first. */
const LEDGER_ACTION = 0;
/** Cancellation reasons that say nothing about the request, only about the moment: the same call may pass later. */
const THROTTLED = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * Records `effect` in the ledger and moves the SKU's `reserved` by `units` in ONE transaction:
 * the ledger entry on condition that no call wrote it before, and the stock. Both are
 * written or neither, across a crash too, so the stock is always the ledger's reserves minus
 * its releases; two writes would leave one without the other when a crash or an error fell
 * between them. `true` if this call applied it, `false` if an earlier call had.
 */
async function moveStockOnce(
  dynamodb: DynamoDBClient,
  tables: OrderTables,
  order: OrderPlaced,
  effect: string,
  units: number,
): Promise<boolean> {
  const seq = await nextSeq(dynamodb, tables.ledger, order.orderId);
  const ledger = ledgerEntry(tables.ledger, order.orderId, effect, seq, { sku: { S: order.sku }, quantity: { N: String(order.quantity) } });
  const stock: Update = {
    TableName: tables.inventory,
    Key: { sku: { S: order.sku } },
    // RESERVED is one of DynamoDB's reserved words: the expression names it through a placeholder.
    UpdateExpression: 'SET updatedAt = :now ADD #reserved :units',
    ExpressionAttributeNames: { '#reserved': 'reserved' },
    ExpressionAttributeValues: { ':now': { S: new Date().toISOString() }, ':units': { N: String(units) } },
  };
  try {
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: ledger }, { Update: stock }] }));
    return true;
  } catch (error) {
    // The SDK's own retry of this call (one ClientRequestToken) found its first attempt still running:
    // nothing is known yet, and the saga's retry, a new call after a backoff, will find what it did.
    if (error instanceof TransactionInProgressException) {
      throw new OrderStepUnavailableError(`${effect} for order ${order.orderId}: its transaction is still in progress`, { cause: error });
    }
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    // The ledger entry is there: the transaction that wrote it moved the stock too.
    if (reasons[LEDGER_ACTION] === 'ConditionalCheckFailed') return false;
    const what = `${effect} of ${order.quantity} ${order.sku} for order ${order.orderId} cancelled [${reasons.join(', ')}]`;
    if (reasons.includes('TransactionConflict')) throw new OrderStepConflictError(what, { cause: error });
    if (reasons.some((code) => THROTTLED.has(code))) throw new OrderStepUnavailableError(what, { cause: error });
    // Anything else (a validation error, an item too large) is a defect no retry mends.
    throw error;
  }
}
