import { Match } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { ENV } from '../../../domain/index.js';
import { APP_ENV } from '../../../domain/wiring.js';
import { sharedSwitchyardTemplate, switchyardTemplate } from '../../helpers/synth.js';

const stepsFunction = (allowed: string) => ({
  Environment: { Variables: Match.objectLike({ [APP_ENV.ordersLedgerTable]: Match.anyValue(), [ENV.allowSimulatedFailures]: allowed }) },
});

describe('OrderSaga', () => {
  it('refuses simulated failures unless the stack allows them', () => {
    sharedSwitchyardTemplate().hasResourceProperties('AWS::Lambda::Function', stepsFunction('false'));
  });

  it('lets the example app act out simulated failures when simulatedFailures is on', () => {
    switchyardTemplate({ simulatedFailures: true }).template.hasResourceProperties('AWS::Lambda::Function', stepsFunction('true'));
  });
});
