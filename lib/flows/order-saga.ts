import * as path from 'node:path';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { IdempotencyStore } from 'switchyard-cdk/constructs';
import { Saga, type SagaInvocation, SwitchyardEncryption, SwitchyardFunction } from 'switchyard-cdk/constructs';
import {
  ENV,
  ORDER_BUSINESS_ERRORS,
  ORDER_EFFECTS,
  ORDER_STEPS,
  ORDER_TRANSIENT_ERRORS,
  OrderCompleted,
  OrderFailed,
  OrderPlaced,
  type OrderStep,
  workflowInput,
} from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';

const STEPS_ENTRY = path.join(import.meta.dirname, '../../lambdas/orders/handler.ts');
const STEP_NAMES: Record<OrderStep, string> = { inventory: 'ReserveInventory', payment: 'ChargePayment', shipment: 'CreateShipment' };

export interface OrderSagaProps {
  /** The hub: OrderPlaced arrives on it, OrderCompleted and OrderFailed leave on it. */
  readonly eventBus: events.IEventBus;
  /** Where the saga's starter claims each OrderPlaced. */
  readonly idempotencyStore: IdempotencyStore;
  /**
   * Whether an OrderPlaced may carry `simulate` (failures to act out, for demos and tests).
   * @default false - such an order fails at its first step with SimulationRefused, before any effect
   */
  readonly allowSimulatedFailures?: boolean;
  /**
   * What happens to the ledger and the inventory when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The order saga: OrderPlaced starts one STANDARD execution per order that reserves
 * inventory, charges payment and creates the shipment; a business failure undoes the
 * completed steps in reverse (refund, then release) and publishes OrderFailed. Each
 * effect is written to the ledger where it happens, once per order and effect; a reserve or
 * a release moves the SKU's stock in the inventory in the same transaction.
 */
export class OrderSaga extends Construct {
  /** One item per order and effect (`reserve`, `charge`, `ship`, `refund`, `release`), with `seq` and `applied`. */
  public readonly ledger: dynamodb.Table;
  /** One item per SKU: `reserved`, the units the ledger's reserves hold minus its releases. */
  public readonly inventory: dynamodb.Table;
  public readonly steps: SwitchyardFunction;
  public readonly saga: Saga;

  constructor(scope: Construct, id: string, props: OrderSagaProps) {
    super(scope, id);
    this.ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'effect', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.inventory = new dynamodb.Table(this, 'Inventory', {
      partitionKey: { name: 'sku', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.steps = new SwitchyardFunction(this, 'Steps', {
      entry: STEPS_ENTRY,
      description: 'One order saga step or compensation, its effect written to the ledger once',
      serviceName: 'order-saga',
      timeout: Duration.seconds(10),
      environment: {
        [APP_ENV.ordersLedgerTable]: this.ledger.tableName,
        [APP_ENV.ordersInventoryTable]: this.inventory.tableName,
        [ENV.allowSimulatedFailures]: String(props.allowSimulatedFailures ?? false),
      },
    });
    // Each action of a transaction is authorized as its own call: an Update as UpdateItem on its table.
    this.ledger.grant(this.steps, 'dynamodb:UpdateItem');
    this.inventory.grant(this.steps, 'dynamodb:UpdateItem');

    const call = (step: OrderStep, phase: 'action' | 'compensation'): SagaInvocation => ({
      function: this.steps,
      payload: { step, phase, order: `{% ${workflowInput('detail')} %}` },
    });
    const orderId = `{% ${workflowInput('detail')}.orderId %}`;
    const metadata = { correlationId: `{% ${workflowInput('correlationId')} %}`, causationId: `{% ${workflowInput('event')}.id %}` };
    this.saga = new Saga(this, 'Saga', {
      eventBus: props.eventBus,
      idempotencyStore: props.idempotencyStore,
      trigger: {
        description: 'OrderPlaced starts one order saga per order',
        // Orders with `coordination: 'durable'` are DurableOrderSaga's: one order, one saga.
        eventPattern: { source: [OrderPlaced.source], detailType: [OrderPlaced.detailType], detail: { coordination: [{ exists: false }] } },
        contracts: [OrderPlaced],
      },
      steps: ORDER_STEPS.map((step) => ({
        name: STEP_NAMES[step],
        action: call(step, 'action'),
        compensation: ORDER_EFFECTS[step].compensation ? call(step, 'compensation') : undefined,
        businessErrors: [ORDER_BUSINESS_ERRORS[step]],
      })),
      transientErrors: ORDER_TRANSIENT_ERRORS,
      completed: { contract: OrderCompleted, detail: { orderId, metadata } },
      failed: {
        contract: OrderFailed,
        detail: { orderId, step: '{% $failure.step %}', error: '{% $failure.error %}', cause: '{% $failure.cause %}', metadata },
      },
    });
  }
}
