import { mkdirSync, writeFileSync } from 'node:fs';
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
 * message after one receive, a table keyed on `pk`, and three state machines: a Standard
 * one that passes, one that fails, and an Express one.
 */
export function smallApp(): string {
  const dir = tempAssemblyDir();
  const machine = (name: string, state: object, type = 'STANDARD') => ({
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      StateMachineName: name,
      StateMachineType: type,
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
          Quick: machine('small-quick', { Type: 'Pass', End: true }, 'EXPRESS'),
        },
      },
    },
  });
}

/**
 * The small app with a consumer: `test.orders` events go to a queue (1 s visibility, three
 * receives before its dead-letter queue) drained by a function that logs `handled <orderId>`
 * for each and fails on an order whose amount is 13.
 */
export function consumerApp(): string {
  const dir = path.join(tempAssemblyDir(), 'cdk.out');
  mkdirSync(path.join(dir, 'asset.consumer'), { recursive: true });
  writeFileSync(
    path.join(dir, 'asset.consumer', 'index.mjs'),
    `export const handler = async (event) => {
  for (const record of event.Records) {
    const order = JSON.parse(record.body).detail;
    if (order.amount === 13) throw new Error('unlucky order ' + order.orderId);
    console.log('handled ' + order.orderId);
  }
};
`,
  );
  return writeAssembly(dir, {
    Consumer: {
      template: {
        Resources: {
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'consumer-bus' } },
          Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'consumer-dlq' } },
          Inbox: {
            Type: 'AWS::SQS::Queue',
            Properties: {
              QueueName: 'consumer-inbox',
              VisibilityTimeout: 1,
              RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 3 },
            },
          },
          Rule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              Name: 'consumer-rule',
              EventBusName: { Ref: 'Bus' },
              EventPattern: { source: ['test.orders'] },
              Targets: [{ Id: 'inbox', Arn: { 'Fn::GetAtt': ['Inbox', 'Arn'] } }],
            },
          },
          Fn: {
            Type: 'AWS::Lambda::Function',
            Metadata: { 'aws:asset:path': 'asset.consumer' },
            Properties: {
              FunctionName: 'consumer-fn',
              Code: { S3Bucket: 'cdk-assets', S3Key: 'asset.consumer.zip' },
              Handler: 'index.handler',
              Runtime: 'nodejs24.x',
              Timeout: 1,
            },
          },
          Mapping: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: { EventSourceArn: { 'Fn::GetAtt': ['Inbox', 'Arn'] }, FunctionName: { Ref: 'Fn' }, BatchSize: 1 },
          },
        },
      },
    },
  });
}

/**
 * A queue drained by a function whose call blocks until the test releases it: each invocation
 * appends `<messageId> <receive count>` to `<signals>/started`, then waits (in real time) for
 * the file `<signals>/release`. The queue's visibility timeout is 30 s and its dead-letter
 * queue takes a message at its second receive; the function's timeout (`timeoutSeconds`,
 * 20 s unless given) is within it, as Lambda requires of a mapping. A Standard state machine
 * `blocking-task` calls the function as a Task with a 60 s TimeoutSeconds; `receive-task` long-polls
 * the queue `blocking-mailbox` (WaitTimeSeconds 20) with an AWS SDK task whose TimeoutSeconds is 30.
 */
export function blockingApp(signals: string, { timeoutSeconds = 20 }: { readonly timeoutSeconds?: number } = {}): string {
  const dir = path.join(tempAssemblyDir(), 'cdk.out');
  mkdirSync(path.join(dir, 'asset.blocking'), { recursive: true });
  writeFileSync(
    path.join(dir, 'asset.blocking', 'index.mjs'),
    `import { appendFileSync, existsSync } from 'node:fs';
export const handler = async (event) => {
  const records = event.Records ?? [{ messageId: 'task', attributes: { ApproximateReceiveCount: '1' } }];
  for (const record of records) appendFileSync(process.env.SIGNALS + '/started', record.messageId + ' ' + record.attributes.ApproximateReceiveCount + '\\n');
  while (!existsSync(process.env.SIGNALS + '/release')) await new Promise((resolve) => setTimeout(resolve, 10));
  return { handled: records.length };
};
`,
  );
  return writeAssembly(dir, {
    Blocking: {
      template: {
        Resources: {
          Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'blocking-dlq' } },
          Inbox: {
            Type: 'AWS::SQS::Queue',
            Properties: {
              QueueName: 'blocking-inbox',
              VisibilityTimeout: 30,
              RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 1 },
            },
          },
          Fn: {
            Type: 'AWS::Lambda::Function',
            Metadata: { 'aws:asset:path': 'asset.blocking' },
            Properties: {
              FunctionName: 'blocking-fn',
              Code: { S3Bucket: 'cdk-assets', S3Key: 'asset.blocking.zip' },
              Handler: 'index.handler',
              Runtime: 'nodejs24.x',
              Timeout: timeoutSeconds,
              Environment: { Variables: { SIGNALS: signals } },
            },
          },
          Mapping: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: { EventSourceArn: { 'Fn::GetAtt': ['Inbox', 'Arn'] }, FunctionName: { Ref: 'Fn' }, BatchSize: 1 },
          },
          Mailbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'blocking-mailbox' } },
          Receive: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineName: 'receive-task',
              DefinitionString: JSON.stringify({
                StartAt: 'Receive',
                States: {
                  Receive: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::aws-sdk:sqs:receiveMessage',
                    Parameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/blocking-mailbox', WaitTimeSeconds: 20 },
                    ResultSelector: { 'bodies.$': '$.Messages[*].Body' },
                    TimeoutSeconds: 30,
                    End: true,
                  },
                },
              }),
              RoleArn: 'arn:aws:iam::000000000000:role/blocking',
            },
          },
          Task: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineName: 'blocking-task',
              DefinitionString: JSON.stringify({
                StartAt: 'Call',
                States: {
                  Call: {
                    Type: 'Task',
                    Resource: 'arn:aws:lambda:us-east-1:000000000000:function:blocking-fn',
                    TimeoutSeconds: 60,
                    End: true,
                  },
                },
              }),
              RoleArn: 'arn:aws:iam::000000000000:role/blocking',
            },
          },
        },
      },
    },
  });
}
