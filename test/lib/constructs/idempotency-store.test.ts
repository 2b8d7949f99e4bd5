import { Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { testStack } from '../../helpers/synth.js';
import { itWiresFunctionsToItsTable } from '../../helpers/template-grants.js';

describe('IdempotencyStore', () => {
  it('creates an on-demand table keyed on id, with TTL, point-in-time recovery, retained on delete', () => {
    const { stack } = testStack();
    new IdempotencyStore(stack, 'Store');
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  itWiresFunctionsToItsTable({
    make: (stack) => new IdempotencyStore(stack, 'Store'),
    tableId: 'StoreTable',
    variable: 'IDEMPOTENCY_TABLE_NAME',
    connect: (store, fn) => store.connect(fn),
    grant: (store, fn) => store.grant(fn),
    grantTitle: 'grants',
  });
});
