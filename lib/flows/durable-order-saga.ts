import * as path from 'node:path';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { Duration } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { DurableFlow, type IdempotencyStore } from 'switchyard-cdk/constructs';
import { ENV, OrderCompleted, OrderFailed, OrderPlaced } from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';

const HANDLER_ENTRY = path.join(import.meta.dirname, '../../lambdas/orders/durable-saga-handler.ts');

export interface DurableOrderSagaProps {
  /** The hub: OrderPlaced with `coordination: 'durable'` arrives on it, OrderCompleted and OrderFailed leave on it. */
  readonly eventBus: events.IEventBus;
  /** Where the starter claims each OrderPlaced. */
  readonly idempotencyStore: IdempotencyStore;
  /** The order saga's ledger: one order's effects are recorded in one place, whichever form coordinated them. */
  readonly ledger: dynamodb.ITable;
  /** The order saga's inventory: the inventory step moves its stock in the transaction that records the effect. */
  readonly inventory: dynamodb.ITable;
  /**
   * Whether an OrderPlaced may carry `simulate` (failures to act out, for demos and tests).
   * @default false - such an order fails at its first step with SimulationRefused, before any effect
   */
  readonly allowSimulatedFailures?: boolean;
}

/**
 * The order saga in its second form: a Lambda durable function (lambdas/orders/durable-saga.ts)
 * beside the state machine (OrderSaga), running the same steps (`runOrderStep`) against the
 * same ledger and inventory. Which form runs an order is the order's `coordination` field: `'durable'`
 * here, absent the state machine (OrderSaga's trigger matches only orders without it), so
 * one OrderPlaced never starts both. docs/durable-vs-step-functions.md compares the two.
 */
export class DurableOrderSaga extends Construct {
  public readonly flow: DurableFlow;

  constructor(scope: Construct, id: string, props: DurableOrderSagaProps) {
    super(scope, id);
    this.flow = new DurableFlow(this, 'Flow', {
      eventBus: props.eventBus,
      idempotencyStore: props.idempotencyStore,
      handler: {
        entry: HANDLER_ENTRY,
        description: 'The order saga as a durable function: reserve, charge, ship; compensate in reverse',
        serviceName: 'durable-order-saga',
        // One invocation runs the steps up to the next retry delay; each step is two or three writes (the inventory step's last a transaction).
        timeout: Duration.seconds(60),
        // It calls DynamoDB and EventBridge, and Lambda's durable operations through the durable
        // SDK: none is an event-stream operation (test/lambdas/bundle-aliases.test.ts checks them).
        eventStreams: false,
        environment: {
          [APP_ENV.ordersLedgerTable]: props.ledger.tableName,
          [APP_ENV.ordersInventoryTable]: props.inventory.tableName,
          [ENV.allowSimulatedFailures]: String(props.allowSimulatedFailures ?? false),
          [ENV.eventBusName]: props.eventBus.eventBusName,
          [ENV.emittedEvents]: JSON.stringify([OrderCompleted, OrderFailed].map((c) => ({ source: c.source, detailType: c.detailType }))),
        },
      },
      // An order's steps and compensations take seconds; a day leaves room for retries and an outage.
      executionTimeout: Duration.days(1),
      trigger: {
        description: "OrderPlaced with coordination 'durable' starts one durable order saga per order",
        eventPattern: { source: [OrderPlaced.source], detailType: [OrderPlaced.detailType], detail: { coordination: ['durable'] } },
        contracts: [OrderPlaced],
      },
    });
    props.ledger.grant(this.flow.function, 'dynamodb:UpdateItem');
    props.inventory.grant(this.flow.function, 'dynamodb:UpdateItem');
    props.eventBus.grantPutEventsTo(this.flow.function);
  }
}
