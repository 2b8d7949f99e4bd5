import * as path from 'node:path';
import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { followQuerySpecs, followQueryString } from '../../../contracts/log-queries.js';
import {
  ChangeCapture,
  CircuitBreaker,
  FileTrigger,
  IdempotencyStore,
  QueueConsumer,
  RUNBOOK_SECTIONS,
  ScheduledTrigger,
  SwitchyardMonitoring,
  Workflow,
} from '../../../lib/constructs/index.js';
import { deadLetterQueueIds, queuesWithVisibleMessageAlarms } from '../../helpers/monitoring.js';
import { testStack } from '../../helpers/synth.js';

const ENTRY = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped
type Json = any;

/** Every kind of monitorable construct, once. */
function app(options: { consumerAlarms?: false | { maxMessageAge?: Duration }; breakerAlarms?: false } = {}) {
  const { stack, bus } = testStack();
  const store = new IdempotencyStore(stack, 'Idempotency');
  const consumer = new QueueConsumer(stack, 'Orders', {
    eventBus: bus,
    eventPattern: { source: ['shop'], detailType: ['OrderPlaced'] },
    description: 'orders',
    handler: { entry: ENTRY, description: 'orders' },
    alarms: options.consumerAlarms,
  });
  const workflow = new Workflow(stack, 'Flow', {
    definition: new sfn.Pass(stack, 'Step'),
    eventBus: bus,
    idempotencyStore: store,
    trigger: { eventPattern: { source: ['shop'], detailType: ['OrderPaid'] }, description: 'paid' },
  });
  const table = new dynamodb.Table(stack, 'Tickets', {
    partitionKey: { name: 'ticketId', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new ChangeCapture(stack, 'Changes', { table, eventBus: bus, entity: 'Ticket' });
  new ScheduledTrigger(stack, 'Tick', { eventBus: bus, schedule: ScheduleExpression.rate(Duration.hours(1)) });
  new FileTrigger(stack, 'Files', { eventBus: bus, name: 'files' });
  const breaker = new CircuitBreaker(stack, 'Breaker', { circuitName: 'model', alarms: options.breakerAlarms });
  return { stack, bus, consumer, workflow, breaker };
}

function monitored(options: Parameters<typeof app>[0] = {}, props: ConstructorParameters<typeof SwitchyardMonitoring>[2] = {}) {
  const built = app(options);
  const monitoring = new SwitchyardMonitoring(built.stack, 'Monitoring', props);
  return { ...built, monitoring, template: Template.fromStack(built.stack) };
}

/** The template of `monitored()` with its defaults, synthesized once for the tests that only read it (a synthesis takes seconds). */
let defaultTemplate: Template | undefined;
function monitoredTemplate(): Template {
  defaultTemplate ??= monitored().template;
  return defaultTemplate;
}

function alarmsNaming(template: Template, text: string): Json[] {
  return (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[]).filter((a) =>
    JSON.stringify(a.Properties).includes(text),
  );
}

describe('SwitchyardMonitoring', () => {
  it('alarms on every dead-letter queue of the app when it holds one visible message', () => {
    const template = monitoredTemplate();
    const dlqs = deadLetterQueueIds(template);
    // Consumer (2), the workflow's starter (2) and status changes (1), change capture, schedule, file trigger.
    expect(dlqs.size).toBe(8);
    expect([...dlqs].filter((id) => !queuesWithVisibleMessageAlarms(template).has(id))).toEqual([]);
  });

  it('sends every alarm to one encrypted, TLS-only topic', () => {
    const template = monitoredTemplate();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]),
      },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[];
    expect(alarms.length).toBeGreaterThan(20);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('uses the topic it is given', () => {
    const { stack } = app();
    const topic = new sns.Topic(stack, 'Pager');
    new SwitchyardMonitoring(stack, 'Monitoring', { alarmTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Pager') }] });
  });

  it("names what broke, the command to run and the runbook section in each alarm's description", () => {
    const { template } = monitored({}, { runbookUrl: 'https://example.com/README.md' });
    const dlq = alarmsNaming(template, 'OrdersDeadLetterQueue has messages')[0];
    expect(dlq.Properties.AlarmDescription).toContain('npx switchyard failures --source OrdersDeadLetterQueue');
    expect(dlq.Properties.AlarmDescription).toContain('npx switchyard redrive OrdersDeadLetterQueue');
    expect(dlq.Properties.AlarmDescription).toContain(`https://example.com/README.md#${RUNBOOK_SECTIONS.deadLetters}`);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Json[]) {
      expect(alarm.Properties.AlarmDescription).toMatch(/Run: .*npx switchyard .*\nRunbook: https:\/\/example\.com\/README\.md#runbook-/s);
      expect(alarm.Properties.AlarmDescription.length).toBeLessThanOrEqual(1024);
    }
  });

  it("alarms when a consumer's oldest message outlives its visibility timeout times maxReceiveCount", () => {
    const template = monitoredTemplate();
    // Handler timeout 30 s -> visibility 180 s, 5 receives.
    const [age] = alarmsNaming(template, 'ApproximateAgeOfOldestMessage').filter((a) => JSON.stringify(a).includes('OrdersQueue'));
    expect(age.Properties.Threshold).toBe(900);
    const overridden = monitored({ consumerAlarms: { maxMessageAge: Duration.minutes(2) } }).template;
    const [short] = alarmsNaming(overridden, 'ApproximateAgeOfOldestMessage').filter((a) => JSON.stringify(a).includes('OrdersQueue'));
    expect(short.Properties.Threshold).toBe(120);
  });

  it('alarms on failed, timed-out and aborted executions of each flow', () => {
    const template = monitoredTemplate();
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      const alarms = alarmsNaming(template, metric);
      expect(alarms, metric).toHaveLength(1);
      expect(alarms[0].Properties.AlarmDescription).toContain('npx switchyard redrive Flow');
    }
  });

  it("alarms on rules' FailedInvocations and InvocationsSentToDlq, functions' errors and throttles, the pipe and the schedule", () => {
    const template = monitoredTemplate();
    // The consumer's, the starter's, the status changes' and the file trigger's rules.
    expect(alarmsNaming(template, '"MetricName":"FailedInvocations"')).toHaveLength(4);
    expect(alarmsNaming(template, '"MetricName":"InvocationsSentToDlq"')).toHaveLength(4);
    // The consumer's handler, the starter, the pipe's enrichment, the file trigger's publisher.
    expect(alarmsNaming(template, '"MetricName":"Errors"')).toHaveLength(4);
    expect(alarmsNaming(template, '"MetricName":"Throttles"')).toHaveLength(4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EventBridge/Pipes',
      MetricName: 'ExecutionFailed',
      Dimensions: [{ Name: 'PipeName', Value: { Ref: Match.stringLikeRegexp('^ChangesPipe') } }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Scheduler',
      MetricName: 'TargetErrorCount',
      Dimensions: [{ Name: 'ScheduleGroup', Value: 'default' }],
    });
  });

  it('alarms on a circuit that turns calls away in every minute of 3x openFor (at least 5 minutes), from the kit metric', () => {
    const template = monitoredTemplate();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: CircuitBreaker.METRICS.namespace,
      MetricName: CircuitBreaker.METRICS.rejected,
      Dimensions: Match.arrayWith([
        { Name: 'circuit', Value: 'model' },
        { Name: 'service', Value: 'circuit-breaker' },
      ]),
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
    });
    const { stack } = testStack();
    new CircuitBreaker(stack, 'Slow', { openFor: Duration.minutes(4) });
    new CircuitBreaker(stack, 'Set', { alarms: { openLongerThan: Duration.minutes(30) } });
    new SwitchyardMonitoring(stack, 'Monitoring');
    const periods = (Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')) as Json[])
      .map((a) => a.Properties.EvaluationPeriods)
      .sort((a, b) => a - b);
    expect(periods).toEqual([12, 30]);
  });

  it('builds one dashboard with the app-level widgets', () => {
    const { template } = monitored({}, { dashboardName: 'orders-app' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Json[];
    expect(dashboard.Properties.DashboardName).toBe('orders-app');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of [
      'Events in, per detail-type',
      'Queue depth per consumer',
      'Oldest message age per consumer',
      'Dead-letter queue depth',
      'Handler errors',
      'Handler throttles',
      'Handler duration p99',
      'Executions by status: Flow',
      'Circuit breakers: openings and rejected calls',
    ]) {
      expect(body, title).toContain(title);
    }
    expect(body).toContain('OrderPlaced -> Orders');
    expect(body).toContain('CallsRejected');
  });

  it('saves Logs Insights queries that follow a correlation id, an event id and each business key over every log group', () => {
    const { template } = monitored({}, { businessKeys: ['ticketId'], queryFolder: 'shop' });
    const logGroups = Object.keys(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(5);
    const queries = Object.values(template.findResources('AWS::Logs::QueryDefinition')) as Json[];
    expect(queries.map((q) => q.Properties.Name).sort()).toEqual(
      ['shop/Follow a correlation id', 'shop/Follow one ticketId', 'shop/Follow an event id'].sort(),
    );
    for (const query of queries) {
      expect(query.Properties.LogGroupNames.map((n: Json) => n.Ref).sort()).toEqual([...logGroups].sort());
      expect(query.Properties.QueryString).toMatch(/\| sort @timestamp asc/);
    }
    const byName = (name: string) => queries.find((q) => q.Properties.Name === `shop/${name}`).Properties.QueryString;
    expect(byName('Follow a correlation id')).toContain('filter correlationId = "CORRELATION_ID"');
    expect(byName('Follow an event id')).toContain('eventId = "EVENT_ID"');
    expect(byName('Follow one ticketId')).toContain('ticketId = "TICKET_ID" or detail.ticketId = "TICKET_ID"');
    // One definition: the text the CLI's trace --aws expects (contracts/log-queries).
    for (const spec of followQuerySpecs(['ticketId'])) expect(byName(spec.name)).toBe(followQueryString(spec));
  });

  it("turns a construct's alarms off with alarms: false, and keeps its dashboard lines", () => {
    const { template } = monitored({ consumerAlarms: false, breakerAlarms: false });
    const alarms = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    const consumerResources = Object.keys(template.toJSON().Resources).filter((id) => id.startsWith('Orders'));
    expect(consumerResources.length).toBeGreaterThan(3);
    for (const id of consumerResources) expect(alarms, id).not.toContain(`"${id}"`);
    expect(alarms).not.toContain('CallsRejected');
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    expect(body).toContain('OrderPlaced -> Orders');
    expect(body).toContain('CallsRejected');
    // The other constructs keep theirs.
    expect(alarmsNaming(template, 'FlowStarterDeadLetterQueue has messages')).toHaveLength(1);
  });

  it("turns off the alarms of everything inside a Workflow with alarms: false (its starter's too)", () => {
    const { stack, bus } = testStack();
    new Workflow(stack, 'Quiet', {
      definition: new sfn.Pass(stack, 'Step'),
      eventBus: bus as events.IEventBus,
      idempotencyStore: new IdempotencyStore(stack, 'Idempotency'),
      trigger: { eventPattern: { source: ['shop'], detailType: ['OrderPaid'] }, description: 'paid' },
      alarms: false,
    });
    new SwitchyardMonitoring(stack, 'Monitoring');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  describe('validation', () => {
    const cases: [string, (stack: Stack) => void, RegExp][] = [
      [
        'fails if functionErrors is negative',
        (stack) => new SwitchyardMonitoring(stack, 'M', { functionErrors: -1 }),
        /^Test\/M: functionErrors must be from 0 to 100000 \(got -1\)$/,
      ],
      [
        'fails if failedExecutions is not a whole number',
        (stack) => new SwitchyardMonitoring(stack, 'M', { failedExecutions: 1.5 }),
        /^Test\/M: failedExecutions must be a whole number \(got 1.5\)$/,
      ],
      [
        'fails if period is over an hour',
        (stack) => new SwitchyardMonitoring(stack, 'M', { period: Duration.minutes(90) }),
        /^Test\/M: period must be from 1 to 60 minutes \(got 90 minutes\)$/,
      ],
      [
        'fails if period is not whole minutes',
        (stack) => new SwitchyardMonitoring(stack, 'M', { period: Duration.seconds(90) }),
        /^Test\/M: period \(minutes\) must be a whole number \(got 1.5\)$/,
      ],
      [
        'fails if a business key is not a field name',
        (stack) => new SwitchyardMonitoring(stack, 'M', { businessKeys: ['ticket id'] }),
        /^Test\/M: businessKeys must hold field names/,
      ],
      [
        "fails if a consumer's maxMessageAge is under a minute",
        (stack) =>
          new QueueConsumer(stack, 'C', {
            eventBus: testBus(stack),
            eventPattern: { detailType: ['X'] },
            description: 'x',
            handler: { entry: ENTRY, description: 'x' },
            alarms: { maxMessageAge: Duration.seconds(30) },
          }),
        /^Test\/C: alarms.maxMessageAge must be from 60 to 1209600 seconds \(got 30 seconds\)$/,
      ],
      [
        "fails if a workflow's failedExecutions is negative",
        (stack) =>
          new Workflow(stack, 'W', { definition: new sfn.Pass(stack, 'P'), eventBus: testBus(stack), alarms: { failedExecutions: -2 } }),
        /^Test\/W: alarms.failedExecutions must be from 0 to 100000 \(got -2\)$/,
      ],
      [
        "fails if a breaker's openLongerThan is over a day",
        (stack) => new CircuitBreaker(stack, 'B', { alarms: { openLongerThan: Duration.days(2) } }),
        /^Test\/B: alarms.openLongerThan must be from 1 to 1440 minutes \(got 2880 minutes\)$/,
      ],
    ];
    for (const [name, build, message] of cases) {
      it(name, () => {
        const { stack } = testStack();
        expect(() => build(stack)).toThrow(message);
      });
    }
  });
});

function testBus(stack: Stack): events.IEventBus {
  return stack.node.findChild('Bus') as events.IEventBus;
}
