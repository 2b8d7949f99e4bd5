import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { defineContract, Type } from '../../contracts/index.js';
import { tableResource } from '../helpers/dynamodb-table-inputs.js';
import { tempAssemblyDir, writeAssembly } from '../local/assembly.js';
import { assetFunction, eventRule, eventSourceMapping, sqsQueue, stateMachine } from '../local/template-resources.js';

/** The small app's order event: keyed on its order id, so its execution name follows from the detail. */
export const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'test.orders',
  description: 'an order was placed',
  properties: { orderId: Type.String({ minLength: 1 }), amount: Type.Number({ minimum: 0 }) },
  idempotencyFields: ['orderId'],
});

/** A rule on the app's bus sending `test.orders` events to the queue `queue` (a logical id). */
function ordersRule(name: string, targetId: string, queue: string) {
  return eventRule({ name, bus: 'Bus', pattern: { source: ['test.orders'] }, target: queue, id: targetId });
}

/** A state machine of the one task state `state`, as the blocking app declares them. */
function blockingTask(name: string, state: string, task: object) {
  return stateMachine(
    { StartAt: state, States: { [state]: task } },
    { StateMachineName: name, RoleArn: 'arn:aws:iam::000000000000:role/blocking' },
  );
}

/**
 * A hand-written assembly (no synth, no bundle: it starts in well under a second): a bus
 * with a rule sending `test.orders` events to a queue whose dead-letter queue takes a
 * message after one receive, a table keyed on `pk`, and three state machines: a Standard
 * one that passes, one that fails, and an Express one.
 */
export function smallApp(): string {
  const dir = tempAssemblyDir();
  const machine = (name: string, state: object, type = 'STANDARD') =>
    stateMachine(
      { StartAt: 'Only', States: { Only: state } },
      { StateMachineName: name, StateMachineType: type, RoleArn: 'arn:aws:iam::000000000000:role/small' },
    );
  return writeAssembly(path.join(dir, 'cdk.out'), {
    Small: {
      template: {
        Resources: {
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'small-bus' } },
          OrdersDlq: sqsQueue('small-orders-dlq'),
          Orders: sqsQueue('small-orders', { deadLetterQueue: 'OrdersDlq', maxReceiveCount: 1 }),
          Rule: ordersRule('small-orders-rule', 'orders', 'Orders'),
          Items: tableResource('small-items', { key: { pk: 'S' } }),
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
          Dlq: sqsQueue('consumer-dlq'),
          Inbox: sqsQueue('consumer-inbox', { VisibilityTimeout: 1, deadLetterQueue: 'Dlq', maxReceiveCount: 3 }),
          Rule: ordersRule('consumer-rule', 'inbox', 'Inbox'),
          Fn: assetFunction('consumer-fn', 'asset.consumer', { Timeout: 1 }),
          Mapping: eventSourceMapping('Inbox', 'Fn', { BatchSize: 1 }),
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
          Dlq: sqsQueue('blocking-dlq'),
          Inbox: sqsQueue('blocking-inbox', { VisibilityTimeout: 30, deadLetterQueue: 'Dlq', maxReceiveCount: 1 }),
          Fn: assetFunction('blocking-fn', 'asset.blocking', {
            Timeout: timeoutSeconds,
            Environment: { Variables: { SIGNALS: signals } },
          }),
          Mapping: eventSourceMapping('Inbox', 'Fn', { BatchSize: 1 }),
          Mailbox: sqsQueue('blocking-mailbox'),
          Receive: blockingTask('receive-task', 'Receive', {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:sqs:receiveMessage',
            Parameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/blocking-mailbox', WaitTimeSeconds: 20 },
            ResultSelector: { 'bodies.$': '$.Messages[*].Body' },
            TimeoutSeconds: 30,
            End: true,
          }),
          Task: blockingTask('blocking-task', 'Call', {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:blocking-fn',
            TimeoutSeconds: 60,
            End: true,
          }),
        },
      },
    },
  });
}

/**
 * A queue drained in batches of up to ten with a 60 s batching window: the function appends
 * each batch's message bodies, as one line, to `<signals>/batches`. The queue's visibility
 * timeout (120 s) covers the window and the function's timeout, as Lambda recommends.
 */
export function windowApp(signals: string): string {
  const dir = path.join(tempAssemblyDir(), 'cdk.out');
  mkdirSync(path.join(dir, 'asset.window'), { recursive: true });
  writeFileSync(
    path.join(dir, 'asset.window', 'index.mjs'),
    `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(process.env.SIGNALS + '/batches', event.Records.map((record) => record.body).join(' ') + '\\n');
};
`,
  );
  return writeAssembly(dir, {
    Window: {
      template: {
        Resources: {
          Inbox: sqsQueue('window-inbox', { VisibilityTimeout: 120 }),
          Fn: assetFunction('window-fn', 'asset.window', { Timeout: 10, Environment: { Variables: { SIGNALS: signals } } }),
          Mapping: eventSourceMapping('Inbox', 'Fn', { BatchSize: 10, MaximumBatchingWindowInSeconds: 60 }),
        },
      },
    },
  });
}
