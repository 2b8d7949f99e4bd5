import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { FlowControlTable } from '../../../lib/constructs/flow-control-table.js';
import { testStack } from '../../helpers/synth.js';
import { givenToFunction, ITEM_OPERATIONS } from '../../helpers/template-grants.js';

describe('FlowControlTable', () => {
  it('creates an on-demand table keyed on pk alone, with TTL on expiresAt, destroyed with the stack', () => {
    const { stack } = testStack();
    new FlowControlTable(stack, 'Flow');
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
  });

  it('connects a function: exactly the item operations, and the table name', () => {
    const { variables, dynamoDbStatements } = givenToFunction((stack, fn) => new FlowControlTable(stack, 'Flow').connect(fn));
    expect(variables).toMatchObject({ FLOW_CONTROL_TABLE_NAME: { Ref: expect.stringMatching(/^FlowTable/) } });
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ITEM_OPERATIONS })]);
  });

  it('grants use without touching the grantee (a grant only grants)', () => {
    const { variables, dynamoDbStatements } = givenToFunction((stack, fn) => new FlowControlTable(stack, 'Flow').grantUse(fn));
    expect(variables).not.toHaveProperty('FLOW_CONTROL_TABLE_NAME');
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ITEM_OPERATIONS })]);
  });

  it('grants a reader only reads', () => {
    const { dynamoDbStatements } = givenToFunction((stack) => {
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      new FlowControlTable(stack, 'Flow').grantRead(role);
    });
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:Query'] })]);
  });
});
