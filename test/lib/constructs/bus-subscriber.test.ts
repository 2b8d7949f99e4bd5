import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { OrderCompleted, OrderPlaced, TicketCreated } from '../../../domain/index.js';
import { BusSubscriber, type BusSubscriberProps } from '../../../lib/constructs/bus-subscriber.js';
import { CustomEventBus } from '../../../lib/constructs/custom-event-bus.js';
import { DurableFlow } from '../../../lib/constructs/durable-flow.js';
import { SwitchyardEncryption } from '../../../lib/constructs/encryption.js';
import { SwitchyardMonitoring } from '../../../lib/constructs/monitoring.js';
import { SubscriberStartingPosition, SubscriberTransformer } from '../../../lib/constructs/subscriber-options.js';
import { SubscriberTarget } from '../../../lib/constructs/subscriber-target.js';
import { TEST_ENV, testApp } from '../../helpers/synth.js';

const DURABLE_ENTRY = path.join(import.meta.dirname, '../../../lambdas/orders/durable-saga-handler.ts');

type Parts = { stack: Stack; bus: CustomEventBus; fn: lambda.Function; queue: sqs.Queue };

function parts(encrypted = false): Parts {
  const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
  if (encrypted) new SwitchyardEncryption(stack, 'Encryption');
  const bus = new CustomEventBus(stack, 'Bus');
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  const queue = new sqs.Queue(stack, 'Inbox');
  return { stack, bus, fn, queue };
}

const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111111111111:table/audit';
const putItem = {
  service: 'dynamodb',
  action: 'putItem',
  input: '{% {"TableName": "audit", "Item": {"id": {"S": $events.Data.id}}} %}',
  policyStatement: new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [TABLE_ARN] }),
};

/** A DurableFlow without a starter (the subscriber starts its executions). */
function durable(p: Parts): DurableFlow {
  return new DurableFlow(p.stack, 'Flow', {
    eventBus: new events.EventBus(p.stack, 'ClassicBus'),
    handler: { entry: DURABLE_ENTRY, description: 'A durable flow' },
  });
}

function subscriber(props: (p: Parts) => Partial<BusSubscriberProps> = () => ({}), encrypted = false) {
  const p = parts(encrypted);
  const construct = new BusSubscriber(p.stack, 'Sub', { eventBus: p.bus, target: SubscriberTarget.lambda(p.fn), ...props(p) });
  return { ...p, construct, template: Template.fromStack(p.stack) };
}

/** The statements of the subscriber's delivery role's policy. */
function deliveryStatements(template: Template): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SubDeliveryRole') }] },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const dlqSend = { Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] };

describe('BusSubscriber', () => {
  it("subscribes a Lambda function, called synchronously, with the service's retry and batch defaults left to it", () => {
    const { template } = subscriber();
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      Name: Match.stringLikeRegexp('^Test-Sub-'),
      EventBusArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'EventBusArn'] },
      Type: 'UNORDERED',
      StartingPosition: 'LATEST',
      State: 'RUNNING',
      InvokeConfiguration: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Fn'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubDeliveryRole'), 'Arn'] },
        LambdaParameters: { InvocationType: 'REQUEST_RESPONSE' },
      },
      OnFailureConfiguration: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SubDeadLetterQueue'), 'Arn'] } },
      RetryPolicy: Match.absent(),
      BatchConfiguration: Match.absent(),
      FilterConfiguration: Match.absent(),
      Transformer: Match.absent(),
    });
  });

  it('delivers with a role only EventBridge assumes, granted the function and the dead-letter queue and nothing else', () => {
    const { template } = subscriber();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } }],
      },
    });
    const fnArn = { 'Fn::GetAtt': [expect.stringMatching(/^Fn/), 'Arn'] };
    expect(deliveryStatements(template)).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }] },
      {
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SubDeadLetterQueue/), 'Arn'] },
      },
    ]);
  });

  it('makes its dead-letter queue as every Switchyard queue: encrypted with the stack key, TLS only', () => {
    const { template } = subscriber(() => ({}), true);
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EncryptionKey'), 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    expect(JSON.stringify(deliveryStatements(template))).toContain('kms:GenerateDataKey');
  });

  it('is alarmed by SwitchyardMonitoring when its dead-letter queue holds an event', () => {
    const { stack, bus, fn } = parts();
    new BusSubscriber(stack, 'Sub', { eventBus: bus, target: SubscriberTarget.lambda(fn) });
    new SwitchyardMonitoring(stack, 'Monitoring');
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties).includes('SubDeadLetterQueue has messages'),
    );
    expect(alarms).toHaveLength(1);
    expect(JSON.stringify(alarms[0]?.Properties)).toContain('Subscriber Sub: events EventBridge could not deliver to a Lambda function');
  });

  it('uses the dead-letter queue given instead of making one', () => {
    const { template } = subscriber((p) => ({ deadLetterQueue: p.queue }));
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      OnFailureConfiguration: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Inbox'), 'Arn'] } },
    });
  });

  it("turns contracts into one DATA filter on each contract's source and detail-type, as the kit publishes them", () => {
    const { template } = subscriber(() => ({ contracts: [OrderPlaced, OrderCompleted] }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      FilterConfiguration: {
        Filters: [
          { Scope: 'DATA', Pattern: JSON.stringify({ source: ['switchyard.orders'], 'detail-type': ['OrderPlaced', 'OrderCompleted'] }) },
        ],
      },
    });
  });

  it('keeps each source to its own detail-types when the contracts come from several sources', () => {
    const { template } = subscriber(() => ({ contracts: [OrderPlaced, TicketCreated] }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      FilterConfiguration: {
        Filters: [
          {
            Scope: 'DATA',
            Pattern: JSON.stringify({
              $or: [
                { source: ['switchyard.orders'], 'detail-type': ['OrderPlaced'] },
                { source: ['switchyard.helpdesk'], 'detail-type': ['TicketCreated'] },
              ],
            }),
          },
        ],
      },
    });
  });

  it("adds the filters given after the contracts', each on its scope", () => {
    const { template } = subscriber(() => ({
      contracts: [OrderPlaced],
      filters: [
        { scope: 'DATA', pattern: { detail: { total: [{ numeric: ['>', 500] }] } } },
        { scope: 'METADATA', pattern: { tenant: ['acme'] } },
        { scope: 'SYSTEM_METADATA', pattern: { ContentType: ['application/json'] } },
      ],
    }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      FilterConfiguration: {
        Filters: [
          Match.objectLike({ Scope: 'DATA', Pattern: Match.stringLikeRegexp('OrderPlaced') }),
          { Scope: 'DATA', Pattern: '{"detail":{"total":[{"numeric":[">",500]}]}}' },
          { Scope: 'METADATA', Pattern: '{"tenant":["acme"]}' },
          { Scope: 'SYSTEM_METADATA', Pattern: '{"ContentType":["application/json"]}' },
        ],
      },
    });
  });

  it('delivers a FIFO subscriber in batches with its retries, transformer, starting point and state', () => {
    const start = new Date('2026-11-01T00:00:00Z');
    const { template } = subscriber(() => ({
      fifo: true,
      maxBatchSize: 25,
      maxBatchWindow: Duration.seconds(5),
      maxRetryAttempts: 10,
      maxEventAge: Duration.hours(1),
      transformer: SubscriberTransformer.jsonata('{% $events.Data %}'),
      startingPosition: SubscriberStartingPosition.timestamp(start),
      enabled: false,
      description: 'Orders in order',
    }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      Type: 'FIFO',
      Description: 'Orders in order',
      BatchConfiguration: { MaxBatchSize: 25, MaxBatchWindowInSeconds: 5 },
      RetryPolicy: { MaxRetryAttempts: 10, MaxEventAgeInSeconds: 3600 },
      Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $events.Data %}' } },
      StartingPosition: 'POINT_IN_TIME',
      PointInTimeConfiguration: { PointType: 'TIMESTAMP', StartingPoint: start.getTime() / 1000 },
      State: 'STOPPED',
      InvokeConfiguration: Match.objectLike({ LambdaParameters: { InvocationType: 'REQUEST_RESPONSE' } }),
    });
  });

  it('starts from the horizon, and delivers with metadata', () => {
    const { template } = subscriber(() => ({
      startingPosition: SubscriberStartingPosition.horizon(),
      transformer: SubscriberTransformer.withMetadata(),
    }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      StartingPosition: 'POINT_IN_TIME',
      PointInTimeConfiguration: { PointType: 'HORIZON' },
      Transformer: { Type: 'WITH_METADATA' },
    });
  });

  it("sends to a queue, granted through the queue's own send", () => {
    const { template } = subscriber((p) => ({ target: SubscriberTarget.queue(p.queue) }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      InvokeConfiguration: Match.objectLike({ TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Inbox'), 'Arn'] }, SqsParameters: {} }),
    });
    expect(deliveryStatements(template)).toEqual([
      expect.objectContaining({
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Inbox/), 'Arn'] },
      }),
      expect.objectContaining({ Action: dlqSend.Action }),
    ]);
  });

  it("groups a FIFO queue's messages by the event's group", () => {
    const { template } = subscriber((p) => ({ target: SubscriberTarget.queue(new sqs.Queue(p.stack, 'Ordered', { fifo: true })) }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      InvokeConfiguration: Match.objectLike({ SqsParameters: { MessageGroupId: '{% $events.SystemMetadata.EventGroupId %}' } }),
    });
  });

  it('starts state machine executions, or runs them synchronously, each with its own grant', () => {
    const machine = (p: Parts) =>
      new sfn.StateMachine(p.stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(p.stack, 'Pass')) });
    const started = subscriber((p) => ({ target: SubscriberTarget.stateMachine(machine(p)) })).template;
    started.hasResourceProperties('AWS::EventsV2::Subscriber', {
      InvokeConfiguration: Match.objectLike({ StepFunctionsParameters: { InvocationType: 'EVENT' } }),
    });
    expect(JSON.stringify(deliveryStatements(started))).toContain('"states:StartExecution"');
    const synced = subscriber((p) => ({
      target: SubscriberTarget.stateMachine(machine(p), { invocationType: 'REQUEST_RESPONSE' }),
    })).template;
    expect(JSON.stringify(deliveryStatements(synced))).toContain('"states:StartSyncExecution"');
  });

  it('publishes to a topic through its grantPublish', () => {
    const { template } = subscriber((p) => ({ target: SubscriberTarget.topic(new sns.Topic(p.stack, 'Topic')) }));
    expect(deliveryStatements(template)[0]).toEqual(
      expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: expect.stringMatching(/^Topic/) } }),
    );
  });

  it('forwards to another Custom Event Bus, granted its publish actions', () => {
    const { template } = subscriber((p) => ({ target: SubscriberTarget.eventBus(new CustomEventBus(p.stack, 'Downstream')) }));
    expect(deliveryStatements(template)[0]).toEqual(expect.objectContaining({ Action: ['events:PutEvents', 'events:PutRawEvents'] }));
  });

  it("starts a durable flow's executions through its alias, one event each, asynchronously", () => {
    const { template } = subscriber((p) => ({ target: SubscriberTarget.durableFlow(durable(p)) }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      InvokeConfiguration: Match.objectLike({
        TargetArn: { Ref: Match.stringLikeRegexp('^FlowAlias') },
        LambdaParameters: { InvocationType: 'EVENT' },
      }),
      BatchConfiguration: { MaxBatchSize: 1 },
    });
    expect(deliveryStatements(template)[0]).toEqual(
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: { Ref: expect.stringMatching(/^FlowAlias/) } }),
    );
  });

  it('warns at synth when the function may run longer than a synchronous call is waited for', () => {
    const slow = subscriber((p) => {
      const fn = new lambda.Function(p.stack, 'Slow', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {};'),
        timeout: Duration.seconds(60),
      });
      return { target: SubscriberTarget.lambda(fn) };
    });
    const warnings = Annotations.fromStack(slow.stack).findWarning('/Test/Sub', Match.stringLikeRegexp('subscriberOutwaited'));
    expect(warnings.map((w) => w.entry.data)).toEqual([
      expect.stringContaining(
        'Test/Slow may run 60 s, longer than the subscriber waits for a REQUEST_RESPONSE call (30 s): a slower call counts as failed and is retried while it still runs.',
      ),
    ]);
    const quick = subscriber();
    expect(Annotations.fromStack(quick.stack).findWarning('*', Match.stringLikeRegexp('subscriberOutwaited'))).toEqual([]);
  });

  it('calls an AWS API action as a universal target, one event at a time, with the policy statement given', () => {
    const { template } = subscriber(() => ({
      target: SubscriberTarget.awsApi(putItem),
      maxBatchSize: 1,
      maxBatchWindow: Duration.seconds(0),
    }));
    template.hasResourceProperties('AWS::EventsV2::Subscriber', {
      InvokeConfiguration: Match.objectLike({
        TargetArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:::aws-sdk:dynamodb:putItem']] },
        UniversalTargetParameters: { Input: putItem.input },
      }),
      BatchConfiguration: { MaxBatchSize: 1, MaxBatchWindowInSeconds: 0 },
    });
    expect(deliveryStatements(template)[0]).toEqual(expect.objectContaining({ Action: 'dynamodb:PutItem', Resource: TABLE_ARN }));
  });

  it.each<[string, (p: Parts) => Partial<BusSubscriberProps>, string]>([
    [
      'a universal target has no batch configuration',
      () => ({ target: SubscriberTarget.awsApi(putItem) }),
      "Test/Sub: maxBatchSize and maxBatchWindow are both required with an AWS API action (a universal target) as the target (got no maxBatchSize): AWS cannot know how many events the action's request can carry",
    ],
    [
      'a universal target has a batch window but no batch size',
      () => ({ target: SubscriberTarget.awsApi(putItem), maxBatchWindow: Duration.seconds(1) }),
      'Test/Sub: maxBatchSize and maxBatchWindow are both required with an AWS API action (a universal target) as the target (got no maxBatchSize)',
    ],
    [
      'a universal target is sent more than one event per call',
      () => ({ target: SubscriberTarget.awsApi(putItem), maxBatchSize: 2, maxBatchWindow: Duration.seconds(1) }),
      'Test/Sub: maxBatchSize must be at most 1 with an AWS API action (a universal target) as the target (got 2)',
    ],
    [
      'a FIFO subscriber starts durable executions',
      (p) => ({ fifo: true, target: SubscriberTarget.durableFlow(durable(p)) }),
      'Test/Sub: fifo cannot be true with a durable flow as the target: a durable execution is started asynchronously (EVENT), so the order would hold only up to the hand-off',
    ],
    ['maxBatchSize is 0', () => ({ maxBatchSize: 0 }), 'Test/Sub: maxBatchSize must be from 1 to 500 (got 0)'],
    ['maxBatchSize is 501', () => ({ maxBatchSize: 501 }), 'Test/Sub: maxBatchSize must be from 1 to 500 (got 501)'],
    ['maxBatchSize is 2.5', () => ({ maxBatchSize: 2.5 }), 'Test/Sub: maxBatchSize must be a whole number (got 2.5)'],
    [
      'maxBatchSize is over a Lambda target’s 100',
      () => ({ maxBatchSize: 101 }),
      'Test/Sub: maxBatchSize must be at most 100 with a Lambda function as the target (got 101): AWS refuses more per delivery',
    ],
    [
      'maxBatchSize is over a queue’s 10',
      (p) => ({ target: SubscriberTarget.queue(p.queue), maxBatchSize: 11 }),
      'Test/Sub: maxBatchSize must be at most 10 with an SQS queue as the target (got 11)',
    ],
    [
      'maxBatchWindow is 301 s',
      () => ({ maxBatchWindow: Duration.seconds(301) }),
      'Test/Sub: maxBatchWindow must be from 0 to 300 seconds (got 301 seconds)',
    ],
    [
      'maxBatchWindow is not whole seconds',
      () => ({ maxBatchWindow: Duration.millis(1500) }),
      'Test/Sub: maxBatchWindow (in seconds) must be a whole number (got 1.5)',
    ],
    ['maxRetryAttempts is 186', () => ({ maxRetryAttempts: 186 }), 'Test/Sub: maxRetryAttempts must be from 0 to 185 (got 186)'],
    ['maxRetryAttempts is -1', () => ({ maxRetryAttempts: -1 }), 'Test/Sub: maxRetryAttempts must be from 0 to 185 (got -1)'],
    [
      'maxEventAge is 59 s',
      () => ({ maxEventAge: Duration.seconds(59) }),
      'Test/Sub: maxEventAge must be from 60 to 86400 seconds (got 59 seconds)',
    ],
    [
      'maxEventAge is over 24 h',
      () => ({ maxEventAge: Duration.hours(25) }),
      'Test/Sub: maxEventAge must be from 60 to 86400 seconds (got 90000 seconds)',
    ],
    [
      'a FIFO subscriber calls Lambda asynchronously',
      (p) => ({ fifo: true, target: SubscriberTarget.lambda(p.fn, { invocationType: 'EVENT' }) }),
      "Test/Sub: target's invocationType must be REQUEST_RESPONSE on a FIFO subscriber (got EVENT): with EVENT the order holds only up to the hand-off into Lambda's asynchronous queue",
    ],
    [
      'the Lambda invocation timeout is 31 s',
      (p) => ({ target: SubscriberTarget.lambda(p.fn, { invocationTimeout: Duration.seconds(31) }) }),
      "Test/Sub: target's invocationTimeout must be from 1 to 30 seconds (got 31 seconds)",
    ],
    [
      'contracts is empty',
      () => ({ contracts: [] }),
      'Test/Sub: contracts must list at least one contract (got none); leave it out to receive every event',
    ],
    [
      'a filter uses wildcard',
      () => ({ filters: [{ scope: 'DATA', pattern: { source: [{ wildcard: 'orders.*' }] } }] }),
      'Test/Sub: filters[0] (DATA) pattern uses wildcard, which subscriber filters do not support',
    ],
    [
      'a METADATA filter uses an operator',
      () => ({ filters: [{ scope: 'METADATA', pattern: { tenant: [{ prefix: 'ac' }] } }] }),
      'Test/Sub: filters[0] (METADATA) pattern must list exact values for each metadata key, such as { "tenant": ["acme"] }: METADATA takes no operators or $or (got {"tenant":[{"prefix":"ac"}]})',
    ],
    [
      'a filter is empty',
      () => ({ filters: [{ scope: 'DATA', pattern: {} }] }),
      'Test/Sub: filters[0] (DATA) pattern must be a non-empty object (got {})',
    ],
    [
      'a filter is over 4096 characters',
      () => ({ filters: [{ scope: 'DATA', pattern: { detail: { id: ['x'.repeat(4100)] } } }] }),
      'Test/Sub: filters[0] (DATA) pattern must be at most 4096 characters as JSON (got 4122)',
    ],
    [
      'there are 51 filters with the contracts’',
      () => ({
        contracts: [OrderPlaced],
        filters: Array.from({ length: 50 }, (_, i) => ({ scope: 'DATA' as const, pattern: { detail: { n: [i] } } })),
      }),
      "Test/Sub: filters must be at most 50, contracts' included (got 51)",
    ],
    [
      'the JSONata expression is not enclosed in {% %}',
      () => ({ transformer: SubscriberTransformer.jsonata('$events.Data') }),
      `Test/Sub: transformer's JSONata expression must be enclosed in {% %} and at most 8192 characters (got "$events.Data")`,
    ],
    [
      'the starting point ends before it starts',
      () => ({
        startingPosition: SubscriberStartingPosition.timestamp(new Date('2026-11-02T00:00:00Z'), new Date('2026-11-01T00:00:00Z')),
      }),
      'Test/Sub: startingPosition endAt must be after its start (got start 2026-11-02T00:00:00.000Z, endAt 2026-11-01T00:00:00.000Z)',
    ],
    [
      'the starting point is not a date',
      () => ({ startingPosition: SubscriberStartingPosition.timestamp(new Date('not a date')) }),
      'Test/Sub: startingPosition start must be a valid date (got an invalid Date)',
    ],
    [
      'the subscriber name has a space',
      () => ({ subscriberName: 'order events' }),
      `Test/Sub: subscriberName must be 1 to 256 characters, a letter or digit then letters, digits, '.', '-' or '_' (got "order events")`,
    ],
  ])('fails if %s', (_case, props, message) => {
    expect(() => subscriber(props)).toThrow(message);
  });
});
