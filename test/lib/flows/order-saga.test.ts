import { Match } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { ENV } from '../../../contracts/index.js';
import { switchyardTemplate } from '../../helpers/synth.js';

const stepsFunction = (allowed: string) => ({
  Environment: { Variables: Match.objectLike({ [ENV.ordersLedgerTable]: Match.anyValue(), [ENV.allowSimulatedFailures]: allowed }) },
});

describe('OrderSaga', () => {
  it('refuses simulated failures unless the stack allows them', () => {
    switchyardTemplate().template.hasResourceProperties('AWS::Lambda::Function', stepsFunction('false'));
  });

  it('lets the example app act out simulated failures when simulatedFailures is on', () => {
    switchyardTemplate({ simulatedFailures: true }).template.hasResourceProperties('AWS::Lambda::Function', stepsFunction('true'));
  });
});
