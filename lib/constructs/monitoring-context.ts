import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { CfnElement, Duration, Names, Stack } from 'aws-cdk-lib/core';
import type { MonitoringFacade } from 'cdk-monitoring-constructs';
import type { Construct, IConstruct } from 'constructs';

/**
 * A construct that owns something that can fail: `SwitchyardMonitoring` finds it in the
 * stack and calls `monitor` once, and the construct adds its alarms and dashboard lines
 * through the context (which leaves out the alarms of a construct whose `alarms` is false).
 */
export interface IMonitorable extends IConstruct {
  /** Adds this construct's alarms and dashboard lines. */
  monitor(context: MonitoringContext): void;
}

/** Whether a construct implements IMonitorable. */
export function isMonitorable(construct: IConstruct): construct is IMonitorable {
  return typeof (construct as Partial<IMonitorable>).monitor === 'function';
}

/** The README runbook section (its anchor) each kind of alarm links to. */
export const RUNBOOK_SECTIONS = {
  deadLetters: 'runbook-dead-letter-queue-has-messages',
  oldestMessage: 'runbook-oldest-message-too-old',
  executions: 'runbook-executions-failed-timed-out-or-aborted',
  ruleDelivery: 'runbook-rule-failed-invocations',
  functionErrors: 'runbook-function-errors-or-throttles',
  pipe: 'runbook-pipe-failed',
  schedule: 'runbook-schedule-target-errors',
  circuit: 'runbook-circuit-stays-open',
} as const;

export type RunbookSection = (typeof RUNBOOK_SECTIONS)[keyof typeof RUNBOOK_SECTIONS];

/** App-wide alarm thresholds, as SwitchyardMonitoring resolved them (each construct may override its own). */
export interface MonitoringThresholds {
  /** More than this many function errors in one period raise the function's alarm. */
  readonly functionErrors: number;
  /** More than this many throttled invocations in one period raise the function's alarm. */
  readonly functionThrottles: number;
  /** More than this many failed, timed-out or aborted executions (each) in one period raise the flow's alarm. */
  readonly failedExecutions: number;
  /** The period every count alarm sums over. */
  readonly period: Duration;
}

/** What an alarm says: what broke and what to run; the runbook link is added. */
export interface AlarmText {
  /** What broke, naming the resource (`Orders consumer's dead-letter queue has messages`). */
  readonly what: string;
  /** The commands that show and fix it (`npx switchyard failures --source X`). */
  readonly run: string;
  readonly runbook: RunbookSection;
}

const ALARMS_OFF = new WeakSet<IConstruct>();

/** Marks a construct whose `alarms` prop is false: it and everything in it get no alarms (dashboard lines stay). */
export function turnAlarmsOff(construct: IConstruct): void {
  ALARMS_OFF.add(construct);
}

/** Whether a construct, or one of its scopes, turned its alarms off. */
export function alarmsAreOff(construct: IConstruct): boolean {
  return construct.node.scopes.some((scope) => ALARMS_OFF.has(scope));
}

/** A name for dashboards and the CLI: the resource's logical id without its hash, as `switchyard failures` lists it. */
export function resourceName(construct: IConstruct): string {
  const cfn = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  const id = cfn instanceof CfnElement ? Stack.of(construct).getLogicalId(cfn) : Names.uniqueId(construct);
  const name = id.replace(/[0-9A-F]{8}$/, '');
  return name === '' ? id : name;
}

/** A line of the dashboard: a metric and its label. */
export interface DashboardLine {
  readonly label: string;
  readonly metric: cloudwatch.IMetric;
}

/** What the dashboard shows, gathered while the constructs are monitored. */
export interface DashboardLines {
  readonly eventsIn: DashboardLine[];
  readonly queueDepth: DashboardLine[];
  readonly queueAge: DashboardLine[];
  readonly deadLetters: DashboardLine[];
  readonly errors: DashboardLine[];
  readonly throttles: DashboardLine[];
  readonly durationP99: DashboardLine[];
  readonly flows: { readonly name: string; readonly stateMachine: sfn.IStateMachine }[];
  readonly circuits: DashboardLine[];
}

/**
 * What a monitored construct adds its alarms and dashboard lines with. Alarms on SQS,
 * Lambda and Step Functions are built by cdk-monitoring-constructs' facade; EventBridge rules,
 * Pipes, Scheduler and circuits (which it has no facade for) directly. Every alarm notifies
 * the one topic, and every resource is alarmed once, whoever asks first.
 */
export class MonitoringContext {
  readonly lines: DashboardLines = {
    eventsIn: [],
    queueDepth: [],
    queueAge: [],
    deadLetters: [],
    errors: [],
    throttles: [],
    durationP99: [],
    flows: [],
    circuits: [],
  };
  readonly #seen = new Set<IConstruct>();
  readonly #alarmScope: Construct;
  readonly #runbookUrl: string;
  readonly #alarms: cloudwatch.AlarmBase[] = [];

  constructor(
    /** The facade the SQS, Lambda and Step Functions alarms are made with. */
    readonly facade: MonitoringFacade,
    /** Every alarm's action target. */
    readonly topic: sns.ITopic,
    readonly thresholds: MonitoringThresholds,
    options: { readonly alarmScope: Construct; readonly runbookUrl: string },
  ) {
    this.#alarmScope = options.alarmScope;
    this.#runbookUrl = options.runbookUrl;
  }

  /** The alarms made so far, the facade's and the context's own. */
  get alarms(): readonly cloudwatch.AlarmBase[] {
    return [...this.facade.createdAlarms().map((a) => a.alarm), ...this.#alarms];
  }

  /** Whether `construct` or one of its scopes turned its alarms off. */
  alarmsOff(construct: IConstruct): boolean {
    return alarmsAreOff(construct);
  }

  /** Whether `resource` was monitored already. */
  has(resource: IConstruct): boolean {
    return this.#seen.has(resource);
  }

  /** Claims `resource`: true the first time (the caller monitors it), false after. */
  claim(resource: IConstruct): boolean {
    if (this.#seen.has(resource)) return false;
    this.#seen.add(resource);
    return true;
  }

  /** The alarm description: what broke, what to run, the runbook section. At most 1024 characters. */
  describe(text: AlarmText): string {
    const body = `${text.what}. Run: ${text.run}.`;
    const link = `Runbook: ${this.#runbookUrl}#${text.runbook}`;
    return `${body.slice(0, 1023 - link.length - 1)}\n${link}`;
  }

  /** An alarm name unique in the account and region: the stack's name and the resource's path. */
  alarmFriendlyName(resource: IConstruct): string {
    const stack = Stack.of(resource);
    const relative = stack.node.path === '' ? resource.node.path : resource.node.path.slice(stack.node.path.length + 1);
    return relative
      .split('/')
      .filter((part) => part !== 'Resource')
      .join('-');
  }

  /** Alarms when a dead-letter queue holds a visible message; one line on the DLQ depth graph. */
  deadLetterQueue(owner: IConstruct, queue: sqs.IQueue, what: string): void {
    if (!this.claim(queue)) return;
    const name = resourceName(queue);
    this.lines.deadLetters.push({ label: name, metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }) });
    if (alarmsAreOff(owner)) return;
    const text = this.describe({
      what: `${what}: ${name} has messages (nothing retries them; they are deleted when its retention ends)`,
      run: `npx switchyard failures --source ${name}, fix the cause, then npx switchyard redrive ${name}`,
      runbook: RUNBOOK_SECTIONS.deadLetters,
    });
    this.facade.monitorSqsQueue({
      queue,
      alarmFriendlyName: this.alarmFriendlyName(queue),
      humanReadableName: name,
      addToDetailDashboard: false,
      addToSummaryDashboard: false,
      addToAlarmDashboard: false,
      addQueueMaxSizeAlarm: {
        DeadLetters: {
          maxMessageCount: 0,
          period: Duration.minutes(1),
          datapointsToAlarm: 1,
          evaluationPeriods: 1,
          alarmDescriptionOverride: text,
          treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      },
    });
  }

  /** Alarms when a consumer's oldest message is older than `maxAge`; lines on the depth and age graphs. */
  consumerQueue(owner: IConstruct, queue: sqs.IQueue, consumerName: string, maxAge: Duration, why: string): void {
    if (!this.claim(queue)) return;
    this.lines.queueDepth.push({ label: consumerName, metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }) });
    this.lines.queueAge.push({ label: consumerName, metric: queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }) });
    if (alarmsAreOff(owner)) return;
    const text = this.describe({
      what: `${consumerName}'s oldest message is older than ${maxAge.toHumanString()} (${why}): its consumer is not keeping up, or not consuming`,
      run: `npx switchyard failures --source ${resourceName(queue)}, and the handler's errors and throttles on the dashboard`,
      runbook: RUNBOOK_SECTIONS.oldestMessage,
    });
    this.facade.monitorSqsQueue({
      queue,
      alarmFriendlyName: this.alarmFriendlyName(queue),
      humanReadableName: consumerName,
      addToDetailDashboard: false,
      addToSummaryDashboard: false,
      addToAlarmDashboard: false,
      addQueueMaxMessageAgeAlarm: {
        OldestMessage: {
          maxAgeInSeconds: maxAge.toSeconds(),
          period: Duration.minutes(1),
          datapointsToAlarm: 1,
          evaluationPeriods: 1,
          alarmDescriptionOverride: text,
          treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      },
    });
  }

  /** Errors and throttles alarms of a function (from its metrics: the function itself is not changed); lines on the handler graphs. */
  lambdaFunction(
    owner: IConstruct,
    fn: lambda.IFunction,
    thresholds: Partial<Pick<MonitoringThresholds, 'functionErrors' | 'functionThrottles'>> = {},
  ): void {
    if (!this.claim(fn)) return;
    const name = resourceName(fn);
    const period = this.thresholds.period;
    this.lines.errors.push({ label: name, metric: fn.metricErrors({ period, statistic: 'Sum' }) });
    this.lines.throttles.push({ label: name, metric: fn.metricThrottles({ period, statistic: 'Sum' }) });
    this.lines.durationP99.push({ label: name, metric: fn.metricDuration({ period, statistic: 'p99' }) });
    if (alarmsAreOff(owner)) return;
    const common = {
      period,
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    this.facade.monitorLambdaFunction({
      lambdaFunction: fn,
      alarmFriendlyName: this.alarmFriendlyName(fn),
      humanReadableName: name,
      addToDetailDashboard: false,
      addToSummaryDashboard: false,
      addToAlarmDashboard: false,
      addFaultCountAlarm: {
        Errors: {
          ...common,
          maxErrorCount: thresholds.functionErrors ?? this.thresholds.functionErrors,
          alarmDescriptionOverride: this.describe({
            what: `Function ${name} failed (errors: an exception, a timeout or running out of memory)`,
            run: 'npx switchyard failures --since 1h, and the function\'s log group ("Follow a correlation id" query)',
            runbook: RUNBOOK_SECTIONS.functionErrors,
          }),
        },
      },
      addThrottlesCountAlarm: {
        Throttles: {
          ...common,
          maxErrorCount: thresholds.functionThrottles ?? this.thresholds.functionThrottles,
          alarmDescriptionOverride: this.describe({
            what: `Function ${name} was throttled (its reserved concurrency, the event source's maxConcurrency or the account's limit)`,
            run: 'npx switchyard failures --since 1h',
            runbook: RUNBOOK_SECTIONS.functionErrors,
          }),
        },
      },
    });
  }

  /** Failed, timed-out and aborted executions alarms of a flow; its graph of executions by status. */
  stateMachine(owner: IConstruct, stateMachine: sfn.IStateMachine, flowName: string, failedExecutions?: number): void {
    if (!this.claim(stateMachine)) return;
    this.lines.flows.push({ name: flowName, stateMachine });
    if (alarmsAreOff(owner)) return;
    const threshold = failedExecutions ?? this.thresholds.failedExecutions;
    const alarm = (status: string) => ({
      Executions: {
        maxErrorCount: threshold,
        period: this.thresholds.period,
        datapointsToAlarm: 1,
        evaluationPeriods: 1,
        treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescriptionOverride: this.describe({
          what: `Flow ${flowName}: executions ${status}`,
          run: `npx switchyard failures --source ${flowName}, fix the cause, then npx switchyard redrive ${flowName}`,
          runbook: RUNBOOK_SECTIONS.executions,
        }),
      },
    });
    this.facade.monitorStepFunction({
      stateMachine,
      alarmFriendlyName: this.alarmFriendlyName(stateMachine),
      humanReadableName: flowName,
      addToDetailDashboard: false,
      addToSummaryDashboard: false,
      addToAlarmDashboard: false,
      addFailedExecutionCountAlarm: alarm('failed'),
      addTimedOutExecutionCountAlarm: alarm('timed out'),
      addAbortedExecutionCountAlarm: alarm('aborted'),
    });
  }

  /** FailedInvocations (and, with a DLQ, InvocationsSentToDlq) alarms of a rule; its matched events on the "events in" graph. */
  rule(owner: IConstruct, rule: events.IRule, label: string, hasDeadLetterQueue: boolean): void {
    if (!this.claim(rule)) return;
    const name = resourceName(rule);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName,
        dimensionsMap: { RuleName: rule.ruleName },
        statistic: 'Sum',
        period: this.thresholds.period,
      });
    this.lines.eventsIn.push({ label, metric: metric('MatchedEvents') });
    if (alarmsAreOff(owner)) return;
    const run = hasDeadLetterQueue
      ? `npx switchyard failures (the rule's dead-letter queue has each event with EventBridge's ERROR_CODE), then npx switchyard redrive <that queue>`
      : 'npx switchyard failures, and the target in the EventBridge console';
    this.alarm(rule, 'FailedInvocations', metric('FailedInvocations'), {
      what: `Rule ${name} could not deliver events to its target (FailedInvocations)`,
      run,
      runbook: RUNBOOK_SECTIONS.ruleDelivery,
    });
    if (hasDeadLetterQueue) {
      this.alarm(rule, 'InvocationsSentToDlq', metric('InvocationsSentToDlq'), {
        what: `Rule ${name} gave up on events and sent them to its dead-letter queue (InvocationsSentToDlq)`,
        run,
        runbook: RUNBOOK_SECTIONS.ruleDelivery,
      });
    }
  }

  /** An alarm when `metric` (a count) is at least 1 in a period: the kind the facade has no factory for. */
  alarm(
    resource: IConstruct,
    kind: string,
    metric: cloudwatch.IMetric,
    text: AlarmText,
    options: Partial<cloudwatch.CreateAlarmOptions> = {},
  ): cloudwatch.Alarm {
    const friendly = this.alarmFriendlyName(resource);
    const alarm = new cloudwatch.Alarm(this.#alarmScope, `${friendly}-${kind}`, {
      metric,
      alarmName: `${Stack.of(resource).stackName}-${friendly}-${kind}`.slice(0, 255),
      alarmDescription: this.describe(text),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...options,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    this.#alarms.push(alarm);
    return alarm;
  }
}

/** A flow's name as the CLI lists it and `--source`/`--flow` take: the state machine's logical id without its hash and "StateMachine". */
export function flowName(stateMachine: IConstruct): string {
  const name = resourceName(stateMachine).replace(/StateMachine$/, '');
  return name === '' ? resourceName(stateMachine) : name;
}
