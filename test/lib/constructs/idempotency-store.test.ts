import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { testStack } from '../../helpers/synth.js';

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
    const { stack } = testStack();
    const store = new IdempotencyStore(stack, 'Store');
    const fn = new SwitchyardFunction(stack, 'Fn', {
      entry: path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts'),
      description: 'test',
    });
    store.connect(fn);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IDEMPOTENCY_TABLE_NAME: { Ref: Match.stringLikeRegexp('^StoreTable') } }) },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] }),
    ]);
  });

  it('grants without touching the grantee (a grant only grants)', () => {
    const { stack } = testStack();
    const store = new IdempotencyStore(stack, 'Store');
    const fn = new SwitchyardFunction(stack, 'Fn', {
      entry: path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts'),
      description: 'test',
    });
    store.grant(fn);
    const template = Template.fromStack(stack);
    const [variables] = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Environment?.Variables ?? {},
    );
    expect(variables).not.toHaveProperty('IDEMPOTENCY_TABLE_NAME');
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'))).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] }),
    ]);
  });
});
