import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SimulationRefusedError } from 'switchyard-cdk/kit';
import { ORDER_BUSINESS_ERRORS, ORDER_EFFECTS, ORDER_ERRORS, ORDER_STEPS, type OrderPlaced, type OrderStep } from '../../domain/index.js';

/** What the saga's state machine sends each step: which step, which phase, and the order. */
export interface OrderStepRequest {
  readonly step: OrderStep;
  readonly phase: 'action' | 'compensation';
  readonly order: OrderPlaced;
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

/**
 * Applies one step or compensation of an order, writing its effect to the ledger once:
 * one conditional write keyed by order id and effect, so a retried call (its answer
 * lost) finds the effect applied and changes nothing. `seq` orders the effects of an order.
 */
export async function runOrderStep(
  dynamodb: DynamoDBClient,
  tableName: string,
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
  const attempt = simulated ? await countAttempt(dynamodb, tableName, order.orderId, effect) : 0;
  const failsNow = simulated !== undefined && attempt <= (simulated.times ?? Number.POSITIVE_INFINITY);

  if (failsNow && simulated?.failure === 'business') {
    throw new OrderBusinessError(
      ORDER_BUSINESS_ERRORS[step],
      `${effect} refused for order ${order.orderId} (simulated, attempt ${attempt})`,
    );
  }
  const applied = await applyOnce(dynamodb, tableName, order.orderId, effect);
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

/** `true` if this call applied the effect, `false` if an earlier call had. */
async function applyOnce(dynamodb: DynamoDBClient, tableName: string, orderId: string, effect: string): Promise<boolean> {
  const { Attributes } = await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { orderId: { S: orderId }, effect: { S: '#seq' } },
      UpdateExpression: 'ADD seq :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { orderId: { S: orderId }, effect: { S: effect } },
        UpdateExpression: 'SET seq = :seq, appliedAt = :now ADD applied :one',
        ConditionExpression: 'attribute_not_exists(applied)',
        ExpressionAttributeValues: { ':seq': Attributes?.seq ?? { N: '0' }, ':now': { S: new Date().toISOString() }, ':one': { N: '1' } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
