import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { FlowControlTable } from '../../../lib/constructs/flow-control-table.js';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { testStack } from '../../helpers/synth.js';

function dynamoStatements(template: Template) {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
}

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
    const { stack } = testStack();
    const flow = new FlowControlTable(stack, 'Flow');
    const fn = new SwitchyardFunction(stack, 'Fn', {
      entry: path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts'),
      description: 'test',
    });
    flow.connect(fn);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FLOW_CONTROL_TABLE_NAME: { Ref: Match.stringLikeRegexp('^FlowTable') } }) },
    });
    expect(dynamoStatements(template)).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] }),
    ]);
  });

  it('grants use without touching the grantee (a grant only grants)', () => {
    const { stack } = testStack();
    const flow = new FlowControlTable(stack, 'Flow');
    const fn = new SwitchyardFunction(stack, 'Fn', {
      entry: path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts'),
      description: 'test',
    });
    flow.grantUse(fn);
    const template = Template.fromStack(stack);
    const [variables] = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Environment?.Variables ?? {},
    );
    expect(variables).not.toHaveProperty('FLOW_CONTROL_TABLE_NAME');
    expect(dynamoStatements(template)).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] }),
    ]);
  });

  it('grants a reader only reads', () => {
    const { stack } = testStack();
    const flow = new FlowControlTable(stack, 'Flow');
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    flow.grantRead(role);
    expect(dynamoStatements(Template.fromStack(stack))).toEqual([
      expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:Query'] }),
    ]);
  });
});
