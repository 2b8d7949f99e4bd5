import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { APP_ENV } from '../../../domain/wiring.js';
import { sharedSwitchyardTemplate } from '../../helpers/synth.js';

describe('DurableOrderSaga', () => {
  it('runs beside the state machine on the same ledger, as a durable function of one day at most', () => {
    const template = sharedSwitchyardTemplate();
    template.hasResourceProperties('AWS::Lambda::Function', {
      DurableConfig: { ExecutionTimeout: 86_400, RetentionPeriodInDays: 14 },
      Environment: { Variables: Match.objectLike({ [APP_ENV.ordersLedgerTable]: { Ref: Match.stringLikeRegexp('^OrderSagaLedger') } }) },
    });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
  });

  it('splits OrderPlaced by its coordination field, so one order never starts both sagas', () => {
    const rules = Object.entries(sharedSwitchyardTemplate().findResources('AWS::Events::Rule')).filter(([, rule]) =>
      (rule.Properties.EventPattern?.['detail-type'] ?? []).includes('OrderPlaced'),
    );
    const patterns = Object.fromEntries(rules.map(([id, rule]) => [id.replace(/[0-9A-F]{8}$/, ''), rule.Properties.EventPattern.detail]));
    expect(patterns).toEqual({
      OrderSagaWorkflowStarterRule: { coordination: [{ exists: false }] },
      DurableOrderSagaFlowStarterRule: { coordination: ['durable'] },
    });
  });
});
