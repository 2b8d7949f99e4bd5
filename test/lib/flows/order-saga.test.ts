import { Match, Template } from 'aws-cdk-lib/assertions';
import { IdempotencyStore } from 'switchyard-cdk/constructs';
import { describe, expect, it } from 'vitest';
import { ENV, ORDER_ERRORS } from '../../../domain/index.js';
import { APP_ENV } from '../../../domain/wiring.js';
import { OrderSaga } from '../../../lib/flows/order-saga.js';
import { definitionOf, sharedSwitchyardTemplate, testStack } from '../../helpers/synth.js';
import { dynamoDbGrants, idOf } from '../../helpers/template-grants.js';

const stepsFunction = (allowed: string) => ({
  Environment: {
    Variables: Match.objectLike({
      [APP_ENV.ordersLedgerTable]: { Ref: Match.stringLikeRegexp('^OrderSagaLedger') },
      [APP_ENV.ordersInventoryTable]: { Ref: Match.stringLikeRegexp('^OrderSagaInventory') },
      [ENV.allowSimulatedFailures]: allowed,
    }),
  },
});

describe('OrderSaga', () => {
  it('refuses simulated failures unless the stack allows them', () => {
    sharedSwitchyardTemplate().hasResourceProperties('AWS::Lambda::Function', stepsFunction('false'));
  });

  // The saga alone, not the whole app synthesized again: the app's pass-through of simulatedFailures
  // is acted out end to end (test/local/order-saga.test.ts simulates failures on the app synthesized with it on).
  it('lets the saga act out simulated failures when they are allowed', () => {
    const { stack, bus } = testStack();
    new OrderSaga(stack, 'OrderSaga', {
      eventBus: bus,
      idempotencyStore: new IdempotencyStore(stack, 'Idempotency'),
      allowSimulatedFailures: true,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', stepsFunction('true'));
  });

  it('keeps the stock in a table of its own, one item per SKU, retained and recoverable like the ledger', () => {
    const template = sharedSwitchyardTemplate();
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
    template.hasOutput('OrderInventoryTableName', { Value: { Ref: idOf(template, 'AWS::DynamoDB::Table', 'OrderSagaInventory') } });
  });

  it("lets the steps UpdateItem the ledger and the inventory, each action of the inventory step's transaction, and nothing more", () => {
    const template = sharedSwitchyardTemplate();
    const tables = ['OrderSagaInventory', 'OrderSagaLedger'].map((prefix) => idOf(template, 'AWS::DynamoDB::Table', prefix));
    expect(dynamoDbGrants(template, 'OrderSagaStepsRoleDefaultPolicy')).toEqual(tables.map((table) => `dynamodb:UpdateItem ${table}`));
  });

  it('retries every step on a conflicting transaction, an unavailable dependency or a timed-out function (each step writes its effect once)', () => {
    const template = sharedSwitchyardTemplate();
    const machine =
      template.findResources('AWS::StepFunctions::StateMachine')[idOf(template, 'AWS::StepFunctions::StateMachine', 'OrderSagaWorkflow')];
    // biome-ignore lint/suspicious/noExplicitAny: ASL states read as plain JSON
    const states = (definitionOf(machine ?? {}) as { States: Record<string, any> }).States;
    for (const step of ['ReserveInventory', 'ChargePayment', 'CreateShipment']) {
      expect(states[step]?.Retry?.[0]?.ErrorEquals, step).toEqual(
        expect.arrayContaining([ORDER_ERRORS.stepUnavailable, ORDER_ERRORS.stepConflict, 'Sandbox.Timedout']),
      );
    }
  });
});
