import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Aws, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/**
 * A function that makes one SDK call and answers what happened (`{ ok }`, or the error's
 * name and message), so a test sees exactly what the function's code would have seen.
 */
const CALLER = `
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');
const clients = { dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}), sns: new SNSClient({}) };
const calls = {
  put: (e) => clients.dynamodb.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: e.id } } })),
  send: (e) => clients.sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: e.id })),
  publish: (e) => clients.sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: e.id })),
};
exports.handler = async (e) => {
  try {
    await calls[process.env.CALL](e);
    return { ok: true };
  } catch (error) {
    return { ok: false, name: error.name, message: error.message };
  }
};`;

/**
 * Eleven wirings as a new team writes them, each twice: granted as CDK grants it, and with
 * the mistake that most often breaks a first deploy. Names say which is which.
 */
export function permissionMistakesApp(): App {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'switchyard-iam-mistakes-')) });
  const stack = new Stack(app, 'IamMistakes');
  const caller = (id: string, call: string, environment: Record<string, string>) =>
    new lambda.Function(stack, id, {
      functionName: `iam-${id}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(CALLER),
      environment: { CALL: call, ...environment },
    });

  // 1. A function writing to a table: granted, and without the table grant.
  const table = new dynamodb.Table(stack, 'Items', {
    tableName: 'iam-items',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  });
  table.grantWriteData(caller('put-granted', 'put', { TABLE: table.tableName }));
  caller('put-missing', 'put', { TABLE: table.tableName });

  // 2. A function sending to a queue: granted, and without the grant.
  const work = new sqs.Queue(stack, 'Work', { queueName: 'iam-work' });
  work.grantSendMessages(caller('send-granted', 'send', { QUEUE_URL: work.queueUrl }));
  caller('send-missing', 'send', { QUEUE_URL: work.queueUrl });

  // 3. A function publishing to a topic: granted, and without the grant.
  const alerts = new sns.Topic(stack, 'Alerts', { topicName: 'iam-alerts' });
  alerts.grantPublish(caller('publish-granted', 'publish', { TOPIC_ARN: alerts.topicArn }));
  caller('publish-missing', 'publish', { TOPIC_ARN: alerts.topicArn });

  // 4. A rule to a queue: CDK's target (which adds the queue policy), and an L1 rule whose queue has none.
  const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'iam-bus' });
  const pattern = { source: ['iam.test'] };
  const ruleDlq = new sqs.Queue(stack, 'RuleDlq', { queueName: 'iam-rule-dlq' });
  const ruled = new sqs.Queue(stack, 'Ruled', { queueName: 'iam-ruled' });
  new events.Rule(stack, 'ToRuled', {
    eventBus: bus,
    eventPattern: pattern,
    targets: [new targets.SqsQueue(ruled, { deadLetterQueue: ruleDlq })],
  });
  const unruled = new sqs.Queue(stack, 'Unruled', { queueName: 'iam-unruled' });
  new events.CfnRule(stack, 'ToUnruled', {
    name: 'iam-to-unruled',
    eventBusName: bus.eventBusName,
    eventPattern: pattern,
    targets: [{ id: 'unruled', arn: unruled.queueArn, deadLetterConfig: { arn: ruleDlq.queueArn } }],
  });

  // 5. A rule to a queue encrypted with a customer key: CDK's target (which grants the key to
  // EventBridge too), and a queue policy written by hand that forgets the key's policy.
  const sealedKey = new kms.Key(stack, 'SealedKey');
  const sealed = new sqs.Queue(stack, 'Sealed', { queueName: 'iam-sealed', encryptionMasterKey: sealedKey });
  new events.Rule(stack, 'ToSealed', {
    eventBus: bus,
    eventPattern: pattern,
    targets: [new targets.SqsQueue(sealed, { deadLetterQueue: ruleDlq })],
  });
  const lockedKey = new kms.Key(stack, 'LockedKey');
  const locked = new sqs.Queue(stack, 'Locked', { queueName: 'iam-locked', encryptionMasterKey: lockedKey });
  locked.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [locked.queueArn],
    }),
  );
  new events.CfnRule(stack, 'ToLocked', {
    name: 'iam-to-locked',
    eventBusName: bus.eventBusName,
    eventPattern: pattern,
    targets: [{ id: 'locked', arn: locked.queueArn, deadLetterConfig: { arn: ruleDlq.queueArn } }],
  });

  // 6. A topic to a queue: CDK's subscription (which adds the queue policy), and an L1 subscription whose queue has none.
  const topicDlq = new sqs.Queue(stack, 'TopicDlq', { queueName: 'iam-topic-dlq' });
  topicDlq.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [topicDlq.queueArn],
    }),
  );
  const subscribed = new sqs.Queue(stack, 'Subscribed', { queueName: 'iam-subscribed' });
  alerts.addSubscription(new subscriptions.SqsSubscription(subscribed, { deadLetterQueue: topicDlq }));
  const unsubscribed = new sqs.Queue(stack, 'Unsubscribed', { queueName: 'iam-unsubscribed' });
  new sns.CfnSubscription(stack, 'ToUnsubscribed', {
    topicArn: alerts.topicArn,
    protocol: 'sqs',
    endpoint: unsubscribed.queueArn,
    redrivePolicy: { deadLetterTargetArn: topicDlq.queueArn },
  });

  // 7. A state machine invoking a function: CDK's LambdaInvoke (which grants the role), and a
  // task written as JSON whose role may not invoke it.
  const worker = new lambda.Function(stack, 'Worker', {
    functionName: 'iam-worker',
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ done: true });'),
  });
  new sfn.StateMachine(stack, 'Granted', {
    stateMachineName: 'iam-granted',
    definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(stack, 'Call', { lambdaFunction: worker })),
  });
  new sfn.StateMachine(stack, 'Ungranted', {
    stateMachineName: 'iam-ungranted',
    definitionBody: sfn.DefinitionBody.fromChainable(
      new sfn.CustomState(stack, 'CallAsJson', {
        stateJson: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: worker.functionArn, 'Payload.$': '$' },
        },
      }),
    ),
  });

  // 8. Schedules firing to a queue: a role granted SendMessage, and a role with no grant at all.
  // One-time schedules an hour after synthesis: the tests move the runtime's clock past them.
  const at = `at(${new Date(Date.now() + SCHEDULE_DELAY_MS).toISOString().slice(0, 19)})`;
  const scheduleDlq = new sqs.Queue(stack, 'ScheduleDlq', { queueName: 'iam-schedule-dlq' });
  const scheduled = new sqs.Queue(stack, 'Scheduled', { queueName: 'iam-scheduled' });
  const schedulerPrincipal = new iam.ServicePrincipal('scheduler.amazonaws.com');
  const sender = new iam.Role(stack, 'ScheduleSender', { assumedBy: schedulerPrincipal });
  scheduled.grantSendMessages(sender);
  scheduleDlq.grantSendMessages(sender);
  const mute = new iam.Role(stack, 'ScheduleMute', { assumedBy: schedulerPrincipal });
  for (const [name, role] of [
    ['iam-schedule-granted', sender],
    ['iam-schedule-ungranted', mute],
  ] as const) {
    new CfnSchedule(stack, name, {
      name,
      scheduleExpression: at,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: scheduled.queueArn,
        roleArn: role.roleArn,
        input: JSON.stringify({ schedule: name }),
        deadLetterConfig: { arn: scheduleDlq.queueArn },
      },
    });
  }

  // 9. A bucket notifying a queue: CDK's destination (which adds the queue policy), and an L1 bucket whose queue has none.
  const notified = new sqs.Queue(stack, 'Notified', { queueName: 'iam-notified' });
  new s3.Bucket(stack, 'Uploads', { bucketName: 'iam-uploads' }).addEventNotification(
    s3.EventType.OBJECT_CREATED,
    new s3n.SqsDestination(notified),
  );
  const unnotified = new sqs.Queue(stack, 'Unnotified', { queueName: 'iam-unnotified' });
  new s3.CfnBucket(stack, 'RawUploads', {
    bucketName: 'iam-raw-uploads',
    notificationConfiguration: { queueConfigurations: [{ event: 's3:ObjectCreated:*', queue: unnotified.queueArn }] },
  });

  // 10. Pipes from a table's stream to a queue: a role granted both, one without the target, one without the stream.
  const changes = new dynamodb.Table(stack, 'Changes', {
    tableName: 'iam-changes',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  const piped = new sqs.Queue(stack, 'Piped', { queueName: 'iam-piped' });
  const pipeDlq = new sqs.Queue(stack, 'PipeDlq', { queueName: 'iam-pipe-dlq' });
  const pipesPrincipal = new iam.ServicePrincipal('pipes.amazonaws.com');
  for (const [name, readsStream, sendsToTarget] of [
    ['iam-pipe-granted', true, true],
    ['iam-pipe-unsendable', true, false],
    ['iam-pipe-blind', false, true],
  ] as const) {
    const role = new iam.Role(stack, `${name}-role`, { assumedBy: pipesPrincipal });
    if (readsStream) changes.grantStreamRead(role);
    if (sendsToTarget) piped.grantSendMessages(role);
    pipeDlq.grantSendMessages(role);
    new CfnPipe(stack, name, {
      name,
      roleArn: role.roleArn,
      source: changes.tableStreamArn ?? '',
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'TRIM_HORIZON',
          maximumRetryAttempts: 0,
          deadLetterConfig: { arn: pipeDlq.queueArn },
        },
      },
      target: piped.queueArn,
      targetParameters: { inputTemplate: `{"pipe": "${name}", "pk": <$.dynamodb.Keys.pk.S>}` },
    });
  }

  // 11. Functions consuming a queue: CDK's event source (which grants the role), and an L1 mapping whose role has no grant.
  for (const [name, granted] of [
    ['iam-consumer-granted', true],
    ['iam-consumer-ungranted', false],
  ] as const) {
    const queue = new sqs.Queue(stack, `${name}-queue`, { queueName: `${name}-queue` });
    const consumer = new lambda.Function(stack, name, {
      functionName: name,
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
    if (granted) consumer.addEventSource(new SqsEventSource(queue));
    else
      new lambda.CfnEventSourceMapping(stack, `${name}-mapping`, { functionName: consumer.functionName, eventSourceArn: queue.queueArn });
  }

  // 12. A REST API sending to a queue through an AWS integration: a role granted SendMessage, and one without the grant.
  const frontDoor = new sqs.Queue(stack, 'FrontDoor', { queueName: 'iam-front-door' });
  const api = new apigateway.RestApi(stack, 'Doors', { restApiName: 'iam-doors' });
  for (const [route, granted] of [
    ['granted', true],
    ['ungranted', false],
  ] as const) {
    const role = new iam.Role(stack, `door-${route}`, { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
    if (granted) frontDoor.grantSendMessages(role);
    const integration = new apigateway.AwsIntegration({
      service: 'sqs',
      path: `${Aws.ACCOUNT_ID}/${frontDoor.queueName}`,
      options: {
        credentialsRole: role,
        requestParameters: { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" },
        requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' },
        integrationResponses: [{ statusCode: '200' }, { statusCode: '403', selectionPattern: '403' }],
      },
    });
    api.root.addResource(route).addMethod('POST', integration, { methodResponses: [{ statusCode: '200' }, { statusCode: '403' }] });
  }

  // 13. The same API in front of functions: CDK's LambdaIntegration (which adds the function's permission for
  // API Gateway), and a Lambda proxy integration written by hand, with no permission.
  for (const [route, permitted] of [
    ['lambda-granted', true],
    ['lambda-ungranted', false],
  ] as const) {
    const fn = new lambda.Function(stack, `door-${route}`, {
      functionName: `iam-door-${route}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "ok" });'),
    });
    const integration = permitted
      ? new apigateway.LambdaIntegration(fn)
      : new apigateway.Integration({
          type: apigateway.IntegrationType.AWS_PROXY,
          integrationHttpMethod: 'POST',
          uri: `arn:aws:apigateway:${Aws.REGION}:lambda:path/2015-03-31/functions/${fn.functionArn}/invocations`,
        });
    api.root.addResource(route).addMethod('GET', integration);
  }
  return app;
}

/**
 * How long after synthesis the schedules of mistake 8 fire: an hour, which the tests move the
 * runtime's clock past (virtual time). A schedule a few real seconds ahead was missed when
 * synthesis and start-up took longer on a loaded machine, since a one-time schedule whose time
 * passed before the runtime first saw it never fires.
 */
export const SCHEDULE_DELAY_MS = 60 * 60_000;
