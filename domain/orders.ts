import { type Detail, defineContract } from 'switchyard-cdk/contracts';
// TypeBox's builders as a namespace import rather than switchyard-cdk/contracts' `Type` object: a
// handler bundle then keeps only the builders called here, not all of TypeBox (see domain/index.ts).
import * as Type from 'typebox';

/**
 * The order saga's steps, in the order they run, and the compensation that undoes each.
 * The ledger records one effect per name (`reserve`, `charge`, `ship`, `release`, `refund`).
 */
export const ORDER_STEPS = ['inventory', 'payment', 'shipment'] as const;
export type OrderStep = (typeof ORDER_STEPS)[number];
export const ORDER_EFFECTS = {
  inventory: { action: 'reserve', compensation: 'release' },
  payment: { action: 'charge', compensation: 'refund' },
  shipment: { action: 'ship', compensation: undefined },
} as const satisfies Record<OrderStep, { action: string; compensation: string | undefined }>;

/**
 * The errors an order step ends with, by stable name: the handlers throw them and the
 * saga's Catch (business) and Retry (transient) match them. A business error fails the
 * order (compensations run); a transient one is retried with backoff and jitter first.
 */
export const ORDER_ERRORS = {
  outOfStock: 'OutOfStock',
  paymentDeclined: 'PaymentDeclined',
  shipmentRejected: 'ShipmentRejected',
  /** A dependency did not answer (or answered too late); the same call may succeed later. */
  stepUnavailable: 'OrderStepUnavailable',
  /**
   * The step's transaction was cancelled because another transaction touched one of its
   * items at the same moment (DynamoDB's `TransactionConflict`): nothing of it was written,
   * and the same call may succeed later.
   */
  stepConflict: 'OrderStepConflict',
} as const;

/**
 * The errors a step is retried on, with backoff and jitter, before the saga gives up on it: its
 * own transient ones, and the step's function timing out (Lambda's `Sandbox.Timedout`, which
 * Step Functions names the task's error): each step writes its effect once, so running it again
 * after a timeout, whatever it had done, is safe, where failing the saga would leave the steps
 * before it uncompensated.
 */
export const ORDER_TRANSIENT_ERRORS: readonly string[] = [ORDER_ERRORS.stepUnavailable, ORDER_ERRORS.stepConflict, 'Sandbox.Timedout'];

/** The business error each step fails with. */
export const ORDER_BUSINESS_ERRORS: Record<OrderStep, string> = {
  inventory: ORDER_ERRORS.outOfStock,
  payment: ORDER_ERRORS.paymentDeclined,
  shipment: ORDER_ERRORS.shipmentRejected,
};

/**
 * A failure to simulate, for tests and demos: `step` fails `times` times (default: always)
 * with a business or a transient error. A transient failure is raised after the step's
 * effect is written (a lost answer), so the retry proves the effect is applied once.
 */
export const OrderSimulationSchema = Type.Object(
  {
    step: Type.Union([...ORDER_STEPS, 'release', 'refund'].map((s) => Type.Literal(s))),
    failure: Type.Union([Type.Literal('business'), Type.Literal('transient')]),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);

/** A customer placed an order: starts one order saga per orderId. */
export const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'switchyard.orders',
  description: 'A customer placed an order; the order saga reserves, charges and ships it.',
  properties: {
    orderId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    customerId: Type.String({ minLength: 1, maxLength: 256 }),
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** In the currency's smallest unit (cents). */
    amount: Type.Integer({ minimum: 0 }),
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
    /** Failures to simulate (tests, demos); at most one per step. */
    simulate: Type.Optional(Type.Array(OrderSimulationSchema, { maxItems: 5 })),
    /**
     * Which form of the order saga runs the order: absent, the state machine (OrderSaga);
     * `durable`, the durable function (DurableOrderSaga). Never both.
     */
    coordination: Type.Optional(Type.Literal('durable')),
  },
  // One order is one saga, however often it is placed.
  idempotencyFields: ['orderId'],
});
export type OrderPlaced = Detail<typeof OrderPlaced>;

/** Every step of an order succeeded. */
export const OrderCompleted = defineContract({
  detailType: 'OrderCompleted',
  source: 'switchyard.orders',
  description: 'An order was reserved, charged and shipped.',
  properties: {
    orderId: Type.String({ minLength: 1, maxLength: 64 }),
  },
  idempotencyFields: ['orderId'],
});
export type OrderCompleted = Detail<typeof OrderCompleted>;

/** A step of an order failed for a business reason; the completed steps were compensated. */
export const OrderFailed = defineContract({
  detailType: 'OrderFailed',
  source: 'switchyard.orders',
  description: 'An order failed at a step; the steps completed before it were undone in reverse order.',
  properties: {
    orderId: Type.String({ minLength: 1, maxLength: 64 }),
    /** The step that failed. */
    step: Type.String({ minLength: 1, maxLength: 64 }),
    /** The error's stable name (ORDER_ERRORS). */
    error: Type.String({ minLength: 1, maxLength: 256 }),
    cause: Type.String({ maxLength: 32_768 }),
  },
  idempotencyFields: ['orderId'],
});
export type OrderFailed = Detail<typeof OrderFailed>;
