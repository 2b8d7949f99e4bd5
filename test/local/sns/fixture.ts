import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { assemblyOf } from '../assembly.js';
import { arnOf, eventRule, inlineFunction, queueSubscription } from '../template-resources.js';

export const STACK = 'SnsApp';

/**
 * A cloud assembly as `cdk synth` would write it for a small SNS app: an orders topic fanned
 * out to queues with attribute and body filter policies and raw delivery, a FIFO topic to a
 * FIFO queue, a subscription whose queue is gone (with a dead-letter queue), a Lambda
 * subscription, and an EventBridge rule publishing to a topic. `recorderFile` is where the
 * function writes each event it gets.
 */
/** A subscription of topic Alerts to an endpoint that does not exist, its undeliverable messages to queue Dlq. */
const missingEndpoint = (Protocol: string, Endpoint: string) => ({
  Type: 'AWS::SNS::Subscription',
  Properties: { Protocol, TopicArn: { Ref: 'Alerts' }, Endpoint, RedrivePolicy: { deadLetterTargetArn: arnOf('Dlq') } },
});

export function writeSnsApp(): { cdkOut: string; recorderFile: string } {
  const cdkOut = mkdtempSync(path.join(tmpdir(), 'sns-app-'));
  const recorderFile = path.join(cdkOut, 'recorded.jsonl');
  mkdirSync(path.join(cdkOut, 'asset.recorder'));
  writeFileSync(
    path.join(cdkOut, 'asset.recorder', 'index.mjs'),
    `import { appendFileSync } from 'node:fs';
export const handler = async (event) => { appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n'); };
`,
  );
  const template = {
    Resources: {
      BigQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'big-orders' } },
      RedQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'red-orders' } },
      RawQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'raw-orders' } },
      FifoQueue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'alerts-dlq' } },
      EventsQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'from-events' } },
      Orders: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: 'orders', DisplayName: 'Orders', Subscription: [{ Protocol: 'email', Endpoint: 'ops@example.com' }] },
      },
      OrdersPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: { Topics: [{ Ref: 'Orders' }], PolicyDocument: { Version: '2012-10-17', Statement: [] } },
      },
      BigSubscription: queueSubscription('Orders', 'BigQueue', { FilterPolicy: { amount: [{ numeric: ['>=', 100] }] } }),
      RedSubscription: queueSubscription('Orders', 'RedQueue', { FilterPolicyScope: 'MessageBody', FilterPolicy: { color: ['red'] } }),
      RawSubscription: queueSubscription('Orders', 'RawQueue', { RawMessageDelivery: true }),
      Sequenced: {
        Type: 'AWS::SNS::Topic',
        Properties: { FifoTopic: true, ContentBasedDeduplication: true, KmsMasterKeyId: 'alias/aws/sns' },
      },
      SequencedSubscription: queueSubscription('Sequenced', 'FifoQueue'),
      Alerts: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
      GoneSubscription: missingEndpoint('sqs', 'arn:aws:sqs:us-east-1:000000000000:never-created'),
      MissingFunctionSubscription: missingEndpoint('lambda', 'arn:aws:lambda:us-east-1:000000000000:function:never-deployed'),
      Signals: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'signals' } },
      Recorder: {
        Type: 'AWS::Lambda::Function',
        Metadata: { 'aws:asset:path': 'asset.recorder' },
        Properties: {
          Code: { S3Bucket: 'cdk-assets', S3Key: 'recorder.zip' },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          Environment: { Variables: { OUT: recorderFile } },
        },
      },
      RecorderSubscription: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Protocol: 'lambda', TopicArn: { Ref: 'Signals' }, Endpoint: arnOf('Recorder') },
      },
      Notices: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'notices' } },
      NoticesSubscription: queueSubscription('Notices', 'EventsQueue'),
      OrdersRule: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: ['app.orders'] }, Targets: [{ Id: 'Notices', Arn: { Ref: 'Notices' } }] },
      },
    },
    Outputs: {
      OrdersArn: { Value: { Ref: 'Orders' } },
      SequencedName: { Value: { 'Fn::GetAtt': ['Sequenced', 'TopicName'] } },
      RecorderSubscriptionArn: { Value: { Ref: 'RecorderSubscription' } },
    },
  };
  writeFileSync(path.join(cdkOut, `${STACK}.template.json`), JSON.stringify(template));
  writeFileSync(
    path.join(cdkOut, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: {
        [STACK]: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://unknown-account/unknown-region',
          properties: { templateFile: `${STACK}.template.json` },
        },
      },
    }),
  );
  return { cdkOut, recorderFile };
}

/**
 * A small app whose notifications the lineage traces: topic news fanned out to queue inbox, to
 * function listener and to queue rare (whose filter policy lets only `kind: rare` through); an
 * EventBridge rule (to-alerts, source probe) publishing to topic alerts, fanned out to queue relayed.
 */
export function notificationApp(): string {
  return assemblyOf({
    Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } },
    Rare: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'rare' } },
    Relayed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'relayed' } },
    News: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'news' } },
    Alerts: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
    InboxSubscription: queueSubscription('News', 'Inbox'),
    RareSubscription: queueSubscription('News', 'Rare', { FilterPolicy: { kind: ['rare'] } }),
    Listener: inlineFunction('exports.handler = async () => "heard";', { FunctionName: 'listener' }),
    ListenerSubscription: {
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'lambda', TopicArn: { Ref: 'News' }, Endpoint: arnOf('Listener') },
    },
    AlertsSubscription: queueSubscription('Alerts', 'Relayed'),
    // A topic's Ref is its ARN (it has no Arn attribute).
    ToAlerts: eventRule({ pattern: { source: ['probe'] }, targets: [{ Id: 'alerts', Arn: { Ref: 'Alerts' } }], name: 'to-alerts' }),
  });
}
