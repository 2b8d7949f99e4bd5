import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { APP_ENV } from '../../../domain/wiring.js';
import { sharedSwitchyardTemplate } from '../../helpers/synth.js';
import { dynamoDbGrants, idOf } from '../../helpers/template-grants.js';

describe('DurableOrderSaga', () => {
  it('runs beside the state machine on the same ledger and inventory, as a durable function of one day at most', () => {
    const template = sharedSwitchyardTemplate();
    template.hasResourceProperties('AWS::Lambda::Function', {
      DurableConfig: { ExecutionTimeout: 86_400, RetentionPeriodInDays: 14 },
      Environment: {
        Variables: Match.objectLike({
          [APP_ENV.ordersLedgerTable]: { Ref: Match.stringLikeRegexp('^OrderSagaLedger') },
          [APP_ENV.ordersInventoryTable]: { Ref: Match.stringLikeRegexp('^OrderSagaInventory') },
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
  });

  it("may UpdateItem the ledger and the inventory, each action of the inventory step's transaction", () => {
    const template = sharedSwitchyardTemplate();
    const tables = ['OrderSagaInventory', 'OrderSagaLedger'].map((prefix) => idOf(template, 'AWS::DynamoDB::Table', prefix));
    expect(dynamoDbGrants(template, 'DurableOrderSagaFlowFunctionRoleDefaultPolicy')).toEqual(
      tables.map((table) => `dynamodb:UpdateItem ${table}`),
    );
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
