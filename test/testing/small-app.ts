import * as path from 'node:path';
import { defineContract, Type } from '../../contracts/index.js';
import { tempAssemblyDir, writeAssembly } from '../local/assembly.js';

/** The small app's order event: keyed on its order id, so its execution name follows from the detail. */
export const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'test.orders',
  description: 'an order was placed',
  properties: { orderId: Type.String({ minLength: 1 }), amount: Type.Number({ minimum: 0 }) },
  idempotencyFields: ['orderId'],
});

/**
 * A hand-written assembly (no synth, no bundle: it starts in well under a second): a bus
 * with a rule sending `test.orders` events to a queue whose dead-letter queue takes a
 * message after one receive, a table keyed on `pk`, and two state machines, one that
 * passes and one that fails.
 */
export function smallApp(): string {
  const dir = tempAssemblyDir();
  const machine = (name: string, state: object) => ({
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      StateMachineName: name,
      DefinitionString: JSON.stringify({ StartAt: 'Only', States: { Only: state } }),
      RoleArn: 'arn:aws:iam::000000000000:role/small',
    },
  });
  return writeAssembly(path.join(dir, 'cdk.out'), {
    Small: {
      template: {
        Resources: {
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'small-bus' } },
          OrdersDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'small-orders-dlq' } },
          Orders: {
            Type: 'AWS::SQS::Queue',
            Properties: {
              QueueName: 'small-orders',
              RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['OrdersDlq', 'Arn'] }, maxReceiveCount: 1 },
            },
          },
          Rule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              Name: 'small-orders-rule',
              EventBusName: { Ref: 'Bus' },
              EventPattern: { source: ['test.orders'] },
              Targets: [{ Id: 'orders', Arn: { 'Fn::GetAtt': ['Orders', 'Arn'] } }],
            },
          },
          Items: {
            Type: 'AWS::DynamoDB::Table',
            Properties: {
              TableName: 'small-items',
              KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
              AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
              BillingMode: 'PAY_PER_REQUEST',
            },
          },
          Passing: machine('small-passing', { Type: 'Pass', End: true }),
          Failing: machine('small-failing', { Type: 'Fail', Error: 'Declined', Cause: 'the card was declined' }),
        },
      },
    },
  });
}
