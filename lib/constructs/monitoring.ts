import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Aws, Duration, Stack, Token } from 'aws-cdk-lib/core';
import type * as MonitoringConstructs from 'cdk-monitoring-constructs';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import { Construct, type IConstruct } from 'constructs';
import {
  FOLLOW_QUERY_FIELDS,
  FOLLOW_QUERY_LIMIT,
  FOLLOW_QUERY_MAX_LOG_GROUPS,
  FOLLOW_QUERY_SORT,
  followQueryName,
  followQuerySpecs,
  SPANS_LOG_GROUP,
  spanAttributeField,
  spanQuerySpecs,
} from '../../contracts/log-queries.js';
import { SwitchyardEncryption } from './encryption.js';
import { EscalationPolicy } from './escalation-policy.js';
import { flowName, isMonitorable, MonitoringContext, resourceName } from './monitoring-context.js';
import { onFirstUse } from './on-first-use.js';
import { SwitchyardFunction } from './switchyard-function.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

// Loaded when an app first makes a SwitchyardMonitoring (on-first-use.ts says why).
const monitoringConstructs = onFirstUse<typeof MonitoringConstructs>('cdk-monitoring-constructs');
const snsModule = onFirstUse<typeof sns>('aws-cdk-lib/aws-sns');

/** CloudWatch Logs Insights runs a query over at most 50 log groups. */
const MAX_LOG_GROUPS_PER_QUERY = FOLLOW_QUERY_MAX_LOG_GROUPS;
/** The most lines one graph takes. */
const MAX_LINES_PER_GRAPH = 100;
const BUSINESS_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export interface SwitchyardMonitoringProps {
  /**
   * The topic every alarm notifies (in ALARM only).
   * @default - a new topic, encrypted with a new KMS key (rotated yearly) that CloudWatch may use, refusing requests without TLS
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Name of the app's dashboard.
   * @default - `<stack name>-switchyard`
   */
  readonly dashboardName?: string;
  /**
   * Where each alarm's runbook link points; the section's anchor is appended (`<runbookUrl>#runbook-...`).
   * @default 'https://www.npmjs.com/package/switchyard-cdk' (the library's README, which ends with the runbook: one section per alarm kind)
   */
  readonly runbookUrl?: string;
  /**
   * More than this many errors of one function in one period raise its alarm (0 to 100,000).
   * A construct's `alarms` may override it for its own functions.
   * @default 0 - any error
   */
  readonly functionErrors?: number;
  /**
   * More than this many throttled invocations of one function in one period raise its alarm (0 to 100,000).
   * @default 0 - any throttle
   */
  readonly functionThrottles?: number;
  /**
   * More than this many failed executions of one flow in one period raise its alarm, and
   * likewise timed-out and aborted ones (0 to 100,000). A Workflow's `alarms` may override it.
   * @default 0 - any failed, timed-out or aborted execution
   */
  readonly failedExecutions?: number;
  /**
   * The period the count alarms (errors, throttles, executions, rules, pipes, schedules) sum
   * over, in whole minutes (1 to 60). Dead-letter and queue-age alarms look every minute.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * Detail fields that name a business item (`ticketId`): one saved Logs Insights query per
   * field follows one value of it across every log group of the app.
   * @default - none: one query follows any value (a free-text match)
   */
  readonly businessKeys?: readonly string[];
  /**
   * The folder the saved Logs Insights queries are in (their names start with `<folder>/`).
   * @default - the stack's name
   */
  readonly queryFolder?: string;
}

/**
 * The app's monitoring, added once per stack after its constructs: it finds every
 * construct that owns something that can fail and asks each (IMonitorable) for its alarms,
 * then covers what is left (every function, state machine, rule and queue DLQ of the
 * stack) the same way. Every alarm notifies one SNS topic and says what broke, what to run
 * (`switchyard failures`, `switchyard redrive`) and which runbook section to read. It also
 * builds one dashboard and saved Logs Insights queries that follow a correlation id, an
 * event id or a business key across every log group of the app.
 *
 * Alarms on SQS, Lambda and Step Functions come from cdk-monitoring-constructs' facade;
 * EventBridge rules, Pipes, Scheduler and circuit breakers are alarmed directly. A
 * construct whose `alarms` prop is false, and everything in it, gets no alarms (its
 * dashboard lines stay).
 */
export class SwitchyardMonitoring extends Construct {
  /** The topic every alarm notifies. */
  public readonly alarmTopic: sns.ITopic;
  /** The facade the SQS, Lambda and Step Functions alarms were made with. */
  public readonly facade: MonitoringFacade;
  public readonly dashboard: cloudwatch.Dashboard;
  /** The saved Logs Insights queries: the follow-queries over the app's log groups, and the span queries over `aws/spans`. */
  public readonly queries: readonly logs.QueryDefinition[];
  /** What the constructs added, and the alarms. */
  public readonly context: MonitoringContext;

  constructor(scope: Construct, id: string, props: SwitchyardMonitoringProps = {}) {
    super(scope, id);
    for (const name of ['functionErrors', 'functionThrottles', 'failedExecutions'] as const) {
      validateRange(this, name, props[name], 0, 100_000);
      validateInteger(this, name, props[name]);
    }
    const period = props.period ?? Duration.minutes(5);
    validateRange(this, 'period', period.toMinutes({ integral: false }), 1, 60, 'minutes');
    validateInteger(this, 'period (minutes)', period.toMinutes({ integral: false }));
    for (const key of props.businessKeys ?? []) {
      if (!BUSINESS_KEY.test(key))
        invalidProp(this, `businessKeys must hold field names (letters, digits, _) (got ${JSON.stringify(key)})`);
    }
    if (
      props.dashboardName !== undefined &&
      !Token.isUnresolved(props.dashboardName) &&
      !/^[A-Za-z0-9_-]{1,255}$/.test(props.dashboardName)
    ) {
      invalidProp(this, `dashboardName must be 1 to 255 letters, digits, '-' or '_' (got ${JSON.stringify(props.dashboardName)})`);
    }
    const stack = Stack.of(this);

    this.alarmTopic = props.alarmTopic ?? this.createTopic();
    const { DefaultDashboardFactory, MonitoringFacade, SnsAlarmActionStrategy } = monitoringConstructs();
    this.facade = new MonitoringFacade(this, 'Facade', {
      alarmFactoryDefaults: {
        alarmNamePrefix: stack.stackName,
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: this.alarmTopic }),
        datapointsToAlarm: 1,
      },
      metricFactoryDefaults: {},
      // The facade's own dashboards are off: the app's one dashboard is built below.
      dashboardFactory: new DefaultDashboardFactory(this, 'FacadeDashboards', {
        dashboardNamePrefix: `${stack.stackName}-facade`,
        createDashboard: false,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });
    this.context = new MonitoringContext(
      this.facade,
      this.alarmTopic,
      {
        functionErrors: props.functionErrors ?? 0,
        functionThrottles: props.functionThrottles ?? 0,
        failedExecutions: props.failedExecutions ?? 0,
        period,
      },
      { alarmScope: new Construct(this, 'Alarms'), runbookUrl: props.runbookUrl ?? 'https://www.npmjs.com/package/switchyard-cdk' },
    );

    const found = stack.node.findAll().filter((c) => !c.node.scopes.includes(this));
    // The constructs first (they know what their resources are for), then what is left.
    for (const construct of found) if (isMonitorable(construct)) construct.monitor(this.context);
    for (const construct of found) this.monitorResource(construct);

    this.dashboard = this.createDashboard(props.dashboardName ?? `${stack.stackName}-switchyard`, found);
    const folder = props.queryFolder ?? stack.stackName;
    this.queries = [...this.createQueries(found, props.businessKeys ?? [], folder), ...this.createSpanQueries(found, folder)];
  }

  /** Every alarm made: the facade's (SQS, Lambda, Step Functions) and the direct ones. */
  get alarms(): readonly cloudwatch.AlarmBase[] {
    return this.context.alarms;
  }

  /** Alarms what no monitorable construct claimed: functions, state machines, rules, and queues' dead-letter queues. */
  private monitorResource(construct: IConstruct): void {
    const context = this.context;
    if (construct instanceof lambda.Function) context.lambdaFunction(construct, construct);
    else if (construct instanceof sfn.StateMachine) context.stateMachine(construct, construct, flowName(construct));
    else if (construct instanceof events.Rule) {
      const pattern = (construct.node.defaultChild as events.CfnRule | undefined)?.eventPattern as { 'detail-type'?: unknown } | undefined;
      const types = Array.isArray(pattern?.['detail-type']) ? pattern['detail-type'].join(', ') : resourceName(construct);
      context.rule(construct, construct, types, false);
    } else if (construct instanceof sqs.Queue && construct.deadLetterQueue) {
      context.deadLetterQueue(construct, construct.deadLetterQueue.queue, `Queue ${resourceName(construct)}: messages received too often`);
    }
  }

  private createTopic(): sns.Topic {
    // The stack's SwitchyardEncryption key if it has one, a key of the topic's own if not.
    const key =
      SwitchyardEncryption.keyOf(this) ??
      new kms.Key(this, 'AlarmTopicKey', {
        description: 'Encrypts the Switchyard alarm topic; CloudWatch alarms may use it to publish',
        enableKeyRotation: true,
      });
    // The AWS-managed SNS key does not let CloudWatch publish to an encrypted topic: this one does.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    const topic = new (snsModule().Topic)(this, 'AlarmTopic', {
      displayName: `${Stack.of(this).stackName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    return topic;
  }

  private createDashboard(dashboardName: string, found: readonly IConstruct[]): cloudwatch.Dashboard {
    const lines = this.context.lines;
    const graph = (title: string, items: readonly { label: string; metric: cloudwatch.IMetric }[], width = 12) =>
      new cloudwatch.GraphWidget({
        title,
        width,
        height: 6,
        left: items.slice(0, MAX_LINES_PER_GRAPH).map(({ label, metric }) => withLabel(metric, label)),
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName, defaultInterval: Duration.hours(8) });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${Stack.of(this).stackName}\nEvents in, consumers, dead letters, handlers, flows, escalations and circuits. Each alarm's description says what to run; the README's Runbook section says how to fix it.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(graph('Events in, per detail-type (matched by each rule)', lines.eventsIn, 24));
    dashboard.addWidgets(
      graph('Queue depth per consumer', lines.queueDepth),
      graph('Oldest message age per consumer (seconds)', lines.queueAge),
    );
    dashboard.addWidgets(graph('Dead-letter queue depth', lines.deadLetters, 24));
    dashboard.addWidgets(
      graph('Handler errors', lines.errors, 8),
      graph('Handler throttles', lines.throttles, 8),
      graph('Handler duration p99 (ms)', lines.durationP99, 8),
    );
    const flows = lines.flows.map(({ name, stateMachine }) =>
      graph(
        `Executions by status: ${name}`,
        [
          { label: 'started', metric: stateMachine.metricStarted() },
          { label: 'succeeded', metric: stateMachine.metricSucceeded() },
          { label: 'failed', metric: stateMachine.metricFailed() },
          { label: 'timed out', metric: stateMachine.metricTimedOut() },
          { label: 'aborted', metric: stateMachine.metricAborted() },
        ],
        8,
      ),
    );
    for (let i = 0; i < flows.length; i += 3) dashboard.addWidgets(...flows.slice(i, i + 3));
    const row: cloudwatch.IWidget[] = [];
    if (found.some((c) => c instanceof EscalationPolicy)) row.push(escalationsWidget());
    if (lines.circuits.length > 0) row.push(graph('Circuit breakers: openings and rejected calls', lines.circuits));
    if (row.length > 0) dashboard.addWidgets(...row);
    return dashboard;
  }

  private createSpanQueries(found: readonly IConstruct[], folder: string): logs.QueryDefinition[] {
    return spanQueries(this, found, folder);
  }

  private createQueries(found: readonly IConstruct[], businessKeys: readonly string[], folder: string): logs.QueryDefinition[] {
    const logGroups = found.filter((c): c is logs.LogGroup => c instanceof logs.LogGroup);
    if (logGroups.length === 0) return [];
    const follows = followQuerySpecs(businessKeys);
    const chunks: logs.LogGroup[][] = [];
    for (let i = 0; i < logGroups.length; i += MAX_LOG_GROUPS_PER_QUERY) chunks.push(logGroups.slice(i, i + MAX_LOG_GROUPS_PER_QUERY));
    return follows.flatMap(({ name, id, filter }) =>
      chunks.map(
        (chunk, index) =>
          new logs.QueryDefinition(this, chunks.length === 1 ? id : `${id}${index + 1}`, {
            queryDefinitionName: followQueryName(folder, { name }, index + 1, chunks.length),
            queryString: new logs.QueryString({
              fields: [...FOLLOW_QUERY_FIELDS],
              filterStatements: [filter],
              sort: FOLLOW_QUERY_SORT,
              limit: FOLLOW_QUERY_LIMIT,
            }),
            logGroups: chunk,
          }),
      ),
    );
  }
}

/**
 * The span queries (contracts/log-queries.ts) over Transaction Search's `aws/spans`, kept to this
 * app's functions that record OpenTelemetry spans; none when no function does.
 */
function spanQueries(scope: Construct, found: readonly IConstruct[], folder: string): logs.QueryDefinition[] {
  const traced = found.filter((c): c is SwitchyardFunction => c instanceof SwitchyardFunction && c.tracingMode === 'opentelemetry');
  if (traced.length === 0) return [];
  const spans = logs.LogGroup.fromLogGroupName(scope, 'SpansLogGroup', SPANS_LOG_GROUP);
  const names = traced.map((fn) => `"${fn.functionName}"`).join(', ');
  const ofThisApp = `${spanAttributeField('faas.name', true)} in [${names}]`;
  return spanQuerySpecs().map(
    (spec) =>
      new logs.QueryDefinition(scope, spec.id, {
        queryDefinitionName: followQueryName(folder, spec),
        queryString: new logs.QueryString({
          fields: [...spec.fields],
          filterStatements: [ofThisApp, ...spec.filters],
          ...(spec.stats ? { statsStatements: [spec.stats] } : {}),
          sort: spec.sort,
          limit: spec.limit,
        }),
        logGroups: [spans],
      }),
  );
}

function withLabel(metric: cloudwatch.IMetric, label: string): cloudwatch.IMetric {
  if (metric instanceof cloudwatch.Metric || metric instanceof cloudwatch.MathExpression) return metric.with({ label });
  return metric;
}

/**
 * Escalations wait on a task token (`.waitForTaskToken`): asks started, answered, timed out,
 * and the asks still open, counted over the dashboard's range (asked minus ended since its start).
 */
function escalationsWidget(): cloudwatch.GraphWidget {
  const period = Duration.minutes(5);
  const search = (metricName: string) =>
    `SEARCH('{AWS/States,ServiceIntegrationResourceArn} MetricName="${metricName}" waitForTaskToken', 'Sum', ${period.toSeconds()})`;
  const expression = (label: string, text: string) => new cloudwatch.MathExpression({ expression: text, label, period, usingMetrics: {} });
  return new cloudwatch.GraphWidget({
    title: 'Escalations waiting (task-token asks)',
    width: 12,
    height: 6,
    left: [
      expression('asked', `SUM(${search('ServiceIntegrationsStarted')})`),
      expression('answered', `SUM(${search('ServiceIntegrationsSucceeded')})`),
      expression('timed out (SLA passed)', `SUM(${search('ServiceIntegrationsTimedOut')})`),
    ],
    right: [
      expression(
        'waiting (asked minus ended over the range)',
        `RUNNING_SUM(SUM(${search('ServiceIntegrationsStarted')}) - SUM(${search('ServiceIntegrationsSucceeded')}) - SUM(${search('ServiceIntegrationsFailed')}) - SUM(${search('ServiceIntegrationsTimedOut')}))`,
      ),
    ],
    legendPosition: cloudwatch.LegendPosition.BOTTOM,
  });
}
