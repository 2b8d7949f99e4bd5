import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Duration, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { SCHEDULED_TIME_PLACEHOLDER, ScheduleFired } from '../../contracts/schedules.js';
import { SwitchyardEncryption } from './encryption.js';
import { type IMonitorable, type MonitoringContext, RUNBOOK_SECTIONS, resourceName, turnAlarmsOff } from './monitoring-context.js';
import { onFirstUse } from './on-first-use.js';
import { deadLetterQueue } from './secure-queue.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

// Loaded when an app first makes one (on-first-use.ts says why).
const schedulerModule = onFirstUse<typeof scheduler>('aws-cdk-lib/aws-scheduler');
const schedulerTargetsModule = onFirstUse<typeof schedulerTargets>('aws-cdk-lib/aws-scheduler-targets');

/** What a trigger name may hold: it is matched on by consumers and written into `detail.schedule`. */
const TRIGGER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** How the trigger is scheduled. */
export enum ScheduleEngine {
  /**
   * EventBridge Scheduler: cron, rate and one-time expressions, time zones, a flexible
   * window, its own retry policy and DLQ, and a `ScheduleFired` contract event on the bus.
   */
  SCHEDULER = 'scheduler',
  /**
   * A scheduled EventBridge rule on the default bus, forwarding its `Scheduled Event`
   * (source `aws.events`, `time` = the scheduled time, `resources` = the rule ARN) to the
   * bus. Cron and rate in UTC only; no window, no one-time schedules.
   */
  RULE = 'rule',
}

export interface ScheduledTriggerProps {
  /** The bus the firing is published on (the app's hub). */
  readonly eventBus: events.IEventBus;
  /**
   * When to fire: `ScheduleExpression.cron({ ..., timeZone })`, `.rate(...)` (1 minute or
   * more), `.at(date, timeZone)` for one firing, or `.expression('cron(...)', timeZone)`.
   */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * The name consumers match on (`detail.schedule`), 1 to 64 of `A-Z a-z 0-9 . _ -`.
   * @default - the construct's id
   */
  readonly triggerName?: string;
  /**
   * What the schedule is for, shown in the console (at most 512 characters).
   * @default - none
   */
  readonly description?: string;
  /**
   * Fixed values added to every firing as `detail.payload` (JSON-serialisable).
   * @default - no payload
   */
  readonly payload?: Readonly<Record<string, unknown>>;
  /**
   * Let Scheduler fire up to this long after the scheduled time, to spread load (1 to
   * 1440 minutes). Scheduler only.
   * @default - off: fires at the scheduled time
   */
  readonly flexibleWindow?: Duration;
  /**
   * Scheduler only: the first time the schedule may fire.
   * @default - from its creation
   */
  readonly start?: Date;
  /**
   * Scheduler only: the last time the schedule may fire; after `start`.
   * @default - no end
   */
  readonly end?: Date;
  /**
   * Whether the schedule fires.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How often Scheduler retries a PutEvents that failed (0 to 185). Scheduler only.
   * @default 185
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps retrying one firing (60 s to 24 h). Scheduler only.
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
  /**
   * Scheduler, or a scheduled rule on the default bus.
   * @default ScheduleEngine.SCHEDULER
   */
  readonly engine?: ScheduleEngine;
  /**
   * The trigger's alarms (made by SwitchyardMonitoring): its dead-letter queue, and
   * Scheduler's target errors (the schedule group's) or the scheduled rule's failed
   * deliveries. `false` turns them all off (its dashboard lines stay).
   * @default - every alarm
   */
  readonly alarms?: false;
}

/** Refuses props Scheduler (or the bus) would refuse at deploy time, in the order they are read. */
function validateTrigger(trigger: Construct, triggerName: string, props: ScheduledTriggerProps): void {
  if (!Token.isUnresolved(triggerName) && !TRIGGER_NAME.test(triggerName)) {
    invalidProp(trigger, `triggerName must be 1 to 64 of A-Z a-z 0-9 . _ - (got ${JSON.stringify(triggerName)})`);
  }
  if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > 512) {
    invalidProp(trigger, `description must be at most 512 characters (got ${props.description.length})`);
  }
  validateRange(trigger, 'flexibleWindow', props.flexibleWindow?.toMinutes({ integral: false }), 1, 1440, 'minutes');
  validateRange(trigger, 'retryAttempts', props.retryAttempts, 0, 185);
  validateInteger(trigger, 'retryAttempts', props.retryAttempts);
  validateRange(trigger, 'maxEventAge', props.maxEventAge?.toSeconds(), 60, 86_400, 'seconds');
  if (props.start && props.end && props.start >= props.end) {
    invalidProp(trigger, `end must be after start (got start ${props.start.toISOString()}, end ${props.end.toISOString()})`);
  }
  validateRate(trigger, props.schedule.expressionString);
  if (props.payload !== undefined) validatePayload(trigger, props.payload);
}

/** A scheduled rule has none of Scheduler's options, and takes only cron or rate expressions in UTC. */
function validateRuleEngine(trigger: Construct, props: ScheduledTriggerProps, expression: string): void {
  const schedulerOnly = (
    [
      ['flexibleWindow', props.flexibleWindow],
      ['start', props.start],
      ['end', props.end],
      ['retryAttempts', props.retryAttempts],
      ['maxEventAge', props.maxEventAge],
      ['payload', props.payload],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (schedulerOnly.length > 0) {
    invalidProp(
      trigger,
      `${schedulerOnly.map(([name]) => name).join(', ')} need the Scheduler engine; a scheduled rule has none of them (engine is ScheduleEngine.RULE)`,
    );
  }
  const zone = props.schedule.timeZone?.timezoneName;
  const utc = zone === undefined || zone === 'UTC' || zone === 'Etc/UTC';
  if (!utc || expression.startsWith('at(')) {
    invalidProp(
      trigger,
      `a scheduled rule takes a cron or rate expression in UTC (got ${expression}${utc ? '' : ` in ${zone}`}); use the Scheduler engine`,
    );
  }
}

/**
 * A schedule that puts an event on the bus each time it fires. With Scheduler (the
 * default) the event is a `ScheduleFired` contract event whose `scheduledTime` is
 * Scheduler's `<aws.scheduler.scheduled-time>`: a retry of one firing carries the same
 * time, so consumers dedupe on `schedule` + `scheduledTime` (the contract's idempotency
 * fields) whatever the event id. Failed deliveries are retried, then dead-lettered.
 */
export class ScheduledTrigger extends Construct implements IMonitorable {
  /** The name in `detail.schedule` of every firing. */
  public readonly triggerName: string;
  /** The Scheduler schedule (Scheduler engine only). */
  public readonly schedule?: scheduler.Schedule;
  /** The scheduled rule on the default bus (rule engine only). */
  public readonly rule?: events.Rule;
  /** Firings that could not be put on the bus after their retries. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Matches this trigger's firings on the bus, for a consumer's rule. */
  public readonly eventPattern: events.EventPattern;

  constructor(scope: Construct, id: string, props: ScheduledTriggerProps) {
    super(scope, id);
    const engine = props.engine ?? ScheduleEngine.SCHEDULER;
    this.triggerName = props.triggerName ?? id;
    validateTrigger(this, this.triggerName, props);
    const expression = props.schedule.expressionString;

    if (props.alarms === false) turnAlarmsOff(this);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue');

    if (engine === ScheduleEngine.RULE) {
      validateRuleEngine(this, props, expression);
      // Scheduled rules only run on the default bus; the hub receives their events as they are.
      this.rule = new events.Rule(this, 'Rule', {
        schedule: events.Schedule.expression(expression),
        description: props.description,
        enabled: props.enabled ?? true,
        targets: [new targets.EventBus(props.eventBus, { deadLetterQueue: this.deadLetterQueue })],
      });
      this.eventPattern = { source: ['aws.events'], detailType: ['Scheduled Event'], resources: [this.rule.ruleArn] };
      return;
    }

    const { Schedule, TimeWindow, ScheduleTargetInput } = schedulerModule();
    this.schedule = new Schedule(this, 'Schedule', {
      schedule: props.schedule,
      description: props.description,
      enabled: props.enabled ?? true,
      timeWindow: props.flexibleWindow ? TimeWindow.flexible(props.flexibleWindow) : TimeWindow.off(),
      start: props.start,
      end: props.end,
      target: new (schedulerTargetsModule().EventBridgePutEvents)(
        {
          eventBus: props.eventBus,
          source: ScheduleFired.source,
          detailType: ScheduleFired.detailType,
          detail: ScheduleTargetInput.fromObject({
            schedule: this.triggerName,
            scheduledTime: SCHEDULED_TIME_PLACEHOLDER,
            ...(props.payload === undefined ? {} : { payload: props.payload }),
          }),
        },
        {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.retryAttempts ?? 185,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
        },
      ),
    });
    // Scheduler sends to the dead-letter queue as the schedule's role, which the target grants
    // sqs:SendMessage only: with a customer-managed key the role needs the key too.
    const key = SwitchyardEncryption.keyOf(this);
    if (key !== undefined) {
      const target = (this.schedule.node.defaultChild as scheduler.CfnSchedule).target as scheduler.CfnSchedule.TargetProperty;
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `AllowScheduleRoleToSendToDeadLetterQueue${this.node.addr}`,
          principals: [new iam.ArnPrincipal(target.roleArn)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
        }),
      );
    }
    this.eventPattern = {
      source: [ScheduleFired.source],
      detailType: [ScheduleFired.detailType],
      detail: { schedule: [this.triggerName] },
    };
  }

  /** The dead-letter queue, and Scheduler's target errors or the rule's deliveries (SwitchyardMonitoring calls it). */
  monitor(context: MonitoringContext): void {
    context.deadLetterQueue(this, this.deadLetterQueue, `Schedule ${this.triggerName}: firings that could not be put on the bus`);
    if (this.rule) {
      context.rule(this, this.rule, `Scheduled Event (${this.triggerName})`, true);
      return;
    }
    if (this.schedule === undefined || !context.claim(this.schedule)) return;
    const group = this.schedule.scheduleGroup?.scheduleGroupName ?? 'default';
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Scheduler',
        metricName,
        dimensionsMap: { ScheduleGroup: group },
        statistic: 'Sum',
        period: context.thresholds.period,
      });
    context.lines.eventsIn.push({ label: `ScheduleFired (schedule group ${group})`, metric: metric('InvocationAttemptCount') });
    if (context.alarmsOff(this)) return;
    const dlq = resourceName(this.deadLetterQueue);
    context.alarm(this.schedule, 'TargetErrors', metric('TargetErrorCount'), {
      what: `Schedule ${this.triggerName} (group ${group}) could not put its firing on the bus (TargetErrorCount): it is retried, then dead-lettered`,
      run: `npx switchyard failures --source ${dlq}, then npx switchyard redrive ${dlq}`,
      runbook: RUNBOOK_SECTIONS.schedule,
    });
    context.alarm(this.schedule, 'InvocationsDropped', metric('InvocationDroppedCount'), {
      what: `Schedule ${this.triggerName} (group ${group}) dropped firings (InvocationDroppedCount): retries ran out and the dead-letter queue could not take them`,
      run: `npx switchyard failures --source ${dlq}, and the queue's policy`,
      runbook: RUNBOOK_SECTIONS.schedule,
    });
  }
}

/** Scheduler and EventBridge both refuse rates under a minute and units other than minutes, hours and days. */
function validateRate(scope: Construct, expression: string): void {
  if (Token.isUnresolved(expression)) return;
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (expression.startsWith('rate(') && (!rate || Number(rate[1]) < 1)) {
    invalidProp(scope, `schedule must be a rate of 1 minute or more, in minutes, hours or days (got ${expression})`);
  }
}

function validatePayload(scope: Construct, payload: Readonly<Record<string, unknown>>): void {
  try {
    JSON.stringify(payload);
  } catch (error) {
    invalidProp(scope, `payload must be JSON-serialisable (${(error as Error).message})`);
  }
}
