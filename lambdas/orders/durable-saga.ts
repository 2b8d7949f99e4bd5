import {
  type DurableContext,
  type DurableLambdaHandler,
  DurableOperationError,
  type RetryDecision,
  withDurableExecution,
} from '@aws/durable-execution-sdk-js';
import type { Emission } from 'switchyard-cdk/kit';
import {
  ORDER_BUSINESS_ERRORS,
  ORDER_EFFECTS,
  ORDER_STEPS,
  ORDER_TRANSIENT_ERRORS,
  OrderCompleted,
  OrderFailed,
  type OrderPlaced,
  type OrderStep,
  type WorkflowInput,
} from '../../domain/index.js';
import { OrderBusinessError, type OrderStepRequest } from './order-steps.js';

/**
 * The order saga as a durable function: the same steps as the state machine (OrderSaga,
 * lib/flows/order-saga.ts), each one call of the same `runOrderStep`; only the coordination
 * (order, retries, compensation, the closing event) is code here instead of ASL.
 *
 * Replay: Lambda runs this handler from the top after every wait and retry delay, and the
 * SDK answers each completed `context.step` from its checkpoint without running it again.
 * So everything outside a step must be deterministic: no clock, no random, no I/O; the
 * step names below are the checkpoint's keys, and renaming one breaks the executions
 * running on the version that had it (they replay the version they started on, see
 * DurableFlow's alias).
 */

/** The state machine's state names, so both forms show the same steps. */
export const DURABLE_STEP_NAMES: Record<OrderStep, string> = {
  inventory: 'ReserveInventory',
  payment: 'ChargePayment',
  shipment: 'CreateShipment',
};

/** The error the saga ends with when a compensation fails for good, as the state machine's (Saga's COMPENSATION_FAILED). */
export const COMPENSATION_FAILED = 'CompensationFailed';

/** How a transient step failure is retried: the state machine's Saga defaults (3 retries after the first attempt). */
export const STEP_RETRY = { attempts: 4, intervalSeconds: 1, backoffRate: 2, maxDelaySeconds: 30 } as const;
/** Attempts of a compensation (any error) before the saga gives up on it: Saga's `compensationAttempts` default. */
export const COMPENSATION_ATTEMPTS = 6;

/** What the saga's steps do, given to it so that tests run it against fakes. */
export interface DurableSagaEffects {
  /** One step or compensation: the state machine's step function's `runOrderStep`. */
  readonly runStep: (request: OrderStepRequest) => Promise<Record<string, unknown>>;
  /** Publishes the saga's closing event (OrderCompleted or OrderFailed) on the hub. */
  readonly publish: (emission: Emission, cause: { correlationId: string; causationId: string }) => Promise<void>;
}

/** The order's outcome, as the execution's result. */
export interface DurableSagaResult {
  readonly orderId: string;
  readonly status: 'COMPLETED';
}

/** A compensation failed on every attempt: the order is half undone and needs a person. */
export class CompensationFailedError extends Error {
  override readonly name = COMPENSATION_FAILED;
}

interface Failure {
  readonly step: string;
  readonly error: string;
  readonly cause: string;
}

/** The durable order saga; `handler` of lambdas/orders/durable-saga-handler.ts. */
export function durableOrderSaga(effects: DurableSagaEffects): DurableLambdaHandler {
  return withDurableExecution(async (input: WorkflowInput, context: DurableContext): Promise<DurableSagaResult> => {
    const order = input.detail as OrderPlaced;
    const cause = { correlationId: input.correlationId, causationId: input.event.id };
    const done: OrderStep[] = [];
    for (const step of ORDER_STEPS) {
      const failure = await runAction(context, effects, step, order);
      if (failure) {
        await compensate(context, effects, [...done].reverse(), order);
        await context.step('PublishFailed', () =>
          effects.publish({ contract: OrderFailed, detail: { orderId: order.orderId, ...failure } }, cause),
        );
        // The execution ends FAILED with the step's error, as the state machine's SagaFailed does.
        throw new OrderBusinessError(failure.error, failure.cause);
      }
      done.push(step);
    }
    await context.step('PublishCompleted', () => effects.publish({ contract: OrderCompleted, detail: { orderId: order.orderId } }, cause));
    return { orderId: order.orderId, status: 'COMPLETED' };
  });
}

/**
 * Runs one step, retrying its transient errors. A business error is the order's outcome:
 * returned, so the saga compensates. Anything else (a transient error on its last attempt,
 * a refused simulation, a bug) fails the execution uncompensated, as the state machine's
 * step without a Catch for it does.
 */
async function runAction(
  context: DurableContext,
  effects: DurableSagaEffects,
  step: OrderStep,
  order: OrderPlaced,
): Promise<Failure | undefined> {
  const name = DURABLE_STEP_NAMES[step];
  try {
    await context.step(name, () => effects.runStep({ step, phase: 'action', order }), {
      retryStrategy: (error, attempt) => transientRetry(error, attempt),
    });
    return undefined;
  } catch (error) {
    const original = originalError(error);
    // The step's own error, not the SDK's StepError around it: the execution's errorType then
    // names the failure (SimulationRefused, OrderStepUnavailable, OrderStepConflict) as the state machine's does.
    if (original.name !== ORDER_BUSINESS_ERRORS[step]) throw original;
    return { step: name, error: original.name, cause: original.message };
  }
}

/** Undoes the completed steps, latest first; each compensation is retried on any error. */
async function compensate(context: DurableContext, effects: DurableSagaEffects, steps: OrderStep[], order: OrderPlaced): Promise<void> {
  for (const step of steps) {
    if (ORDER_EFFECTS[step].compensation === undefined) continue;
    const name = `Undo${DURABLE_STEP_NAMES[step]}`;
    try {
      await context.step(name, () => effects.runStep({ step, phase: 'compensation', order }), {
        retryStrategy: (_error, attempt) => backoff(attempt, COMPENSATION_ATTEMPTS),
      });
    } catch (error) {
      const original = originalError(error);
      throw new CompensationFailedError(`${name} could not be undone: ${original.name} (${original.message})`, { cause: error });
    }
  }
}

function transientRetry(error: Error, attempt: number): RetryDecision {
  if (!ORDER_TRANSIENT_ERRORS.includes(error.name)) return { shouldRetry: false };
  return backoff(attempt, STEP_RETRY.attempts);
}

/**
 * Exponential backoff with full jitter after `attempt` attempts. Random is safe here: a
 * retry decision is taken once, when the attempt fails, and checkpointed; a replay reads it.
 */
function backoff(attempt: number, attempts: number): RetryDecision {
  if (attempt >= attempts) return { shouldRetry: false };
  const ceiling = Math.min(STEP_RETRY.maxDelaySeconds, STEP_RETRY.intervalSeconds * STEP_RETRY.backoffRate ** (attempt - 1));
  // Durable waits are whole seconds, at least one.
  return { shouldRetry: true, delay: { seconds: Math.max(1, Math.ceil(Math.random() * ceiling)) } };
}

/** The error the step threw: the SDK wraps it in a StepError (rebuilt from the checkpoint on replay), keeping its name and message as the cause. */
function originalError(error: unknown): Error {
  if (error instanceof DurableOperationError && error.cause) return error.cause;
  return error instanceof Error ? error : new Error(String(error));
}
