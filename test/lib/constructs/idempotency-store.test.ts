import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { testStack } from '../../helpers/synth.js';
import { givenToFunction, ITEM_OPERATIONS } from '../../helpers/template-grants.js';

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

  it('connects a function: exactly the item operations, and the table name', () => {
    const { variables, dynamoDbStatements } = givenToFunction((stack, fn) => new IdempotencyStore(stack, 'Store').connect(fn));
    expect(variables).toMatchObject({ IDEMPOTENCY_TABLE_NAME: { Ref: expect.stringMatching(/^StoreTable/) } });
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ITEM_OPERATIONS })]);
  });

  it('grants without touching the grantee (a grant only grants)', () => {
    const { variables, dynamoDbStatements } = givenToFunction((stack, fn) => new IdempotencyStore(stack, 'Store').grant(fn));
    expect(variables).not.toHaveProperty('IDEMPOTENCY_TABLE_NAME');
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ITEM_OPERATIONS })]);
  });
});
