import { Match, Template } from 'aws-cdk-lib/assertions';
import { IdempotencyStore } from 'switchyard-cdk/constructs';
import { describe, it } from 'vitest';
import { ENV } from '../../../domain/index.js';
import { APP_ENV } from '../../../domain/wiring.js';
import { OrderSaga } from '../../../lib/flows/order-saga.js';
import { sharedSwitchyardTemplate, testStack } from '../../helpers/synth.js';

const stepsFunction = (allowed: string) => ({
  Environment: { Variables: Match.objectLike({ [APP_ENV.ordersLedgerTable]: Match.anyValue(), [ENV.allowSimulatedFailures]: allowed }) },
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
});
