import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { FlowControlTable } from '../../../lib/constructs/flow-control-table.js';
import { testStack } from '../../helpers/synth.js';
import { givenToFunction, itWiresFunctionsToItsTable } from '../../helpers/template-grants.js';

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

  itWiresFunctionsToItsTable({
    make: (stack) => new FlowControlTable(stack, 'Flow'),
    tableId: 'FlowTable',
    variable: 'FLOW_CONTROL_TABLE_NAME',
    connect: (flow, fn) => flow.connect(fn),
    grant: (flow, fn) => flow.grantUse(fn),
    grantTitle: 'grants use',
  });

  it('grants a reader only reads', () => {
    const { dynamoDbStatements } = givenToFunction((stack) => {
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      new FlowControlTable(stack, 'Flow').grantRead(role);
    });
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:Query'] })]);
  });
});
