import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/wiring.js';
import { SwitchyardEncryption } from './encryption.js';
import { grantTableKey } from './key-grants.js';
import { type IMonitorable, type MonitoringContext, RUNBOOK_SECTIONS, turnAlarmsOff } from './monitoring-context.js';
import { warnIfUnconnected } from './unconnected-grant.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

/** The alarm of a CircuitBreaker (SwitchyardMonitoring makes it). */
export interface CircuitBreakerAlarms {
  /**
   * The alarm fires when the circuit turned calls away in every minute of this long
   * (1 minute to 1 day, whole minutes): it stays open because its trial calls keep failing.
   * @default - 3 times `openFor`, at least 5 minutes
   */
  readonly openLongerThan?: Duration;
}

export interface CircuitBreakerProps {
  /**
   * Names the downstream (one item in the table). Functions granted this breaker share it.
   * @default - the construct's id
   */
  readonly circuitName?: string;
  /**
   * Failures within `window` that open the circuit (1 to 1,000).
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * The sliding window failures are counted in (1 second to 1 day); it slides in tenths of itself.
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
  /**
   * How long the circuit stays open before trial calls go through (1 second to 12 hours,
   * the longest an SQS message can be held back).
   * @default Duration.seconds(30)
   */
  readonly openFor?: Duration;
  /**
   * Trial calls a half-open circuit lets through at once (1 to 100).
   * @default 1
   */
  readonly halfOpenTrials?: number;
  /**
   * Where CircuitOpened and CircuitClosed are published.
   * @default - transitions are only logged
   */
  readonly eventBus?: events.IEventBus;
  /**
   * What happens to the table when the stack is deleted (it holds only state that rebuilds itself).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The alarm on a circuit that stays open (made by SwitchyardMonitoring from the kit's
   * `CallsRejected` metric); `false` turns it off (its dashboard lines stay).
   * @default - the alarm, with the default of CircuitBreakerAlarms
   */
  readonly alarms?: false | CircuitBreakerAlarms;
}

/**
 * A circuit breaker shared by every function it is granted to (the kit's
 * `circuitBreakerFromEnv`): the table holding its state and its settings. Use it in a
 * state machine by calling the downstream from a Lambda task through the breaker and
 * catching `ERROR_NAMES.circuitOpen` to a fallback path (do not Retry on it: it fails fast).
 */
export class CircuitBreaker extends Construct implements IMonitorable {
  /** Partition key attribute: the circuit's name. */
  static readonly KEY_ATTRIBUTE = 'id';
  /**
   * The kit's breaker metrics: `CircuitOpened` at each transition to open, `CallsRejected` at
   * each call the open circuit turned away, in this namespace with the dimensions `service`
   * (always `circuit-breaker`) and `circuit` (the circuit's name), whichever function calls.
   */
  static readonly METRICS = {
    namespace: 'Switchyard',
    service: 'circuit-breaker',
    opened: 'CircuitOpened',
    rejected: 'CallsRejected',
  } as const;

  public readonly table: dynamodb.Table;
  public readonly circuitName: string;
  readonly #settings: Record<string, string>;
  readonly #eventBus?: events.IEventBus;
  readonly #openLongerThanMinutes: number;

  constructor(scope: Construct, id: string, props: CircuitBreakerProps = {}) {
    super(scope, id);
    const failureThreshold = props.failureThreshold ?? 5;
    const window = props.window ?? Duration.minutes(1);
    const openFor = props.openFor ?? Duration.seconds(30);
    const halfOpenTrials = props.halfOpenTrials ?? 1;
    validateInteger(this, 'failureThreshold', failureThreshold);
    validateRange(this, 'failureThreshold', failureThreshold, 1, 1000);
    validateRange(this, 'window', window.toSeconds(), 1, 86_400, 'seconds');
    validateRange(this, 'openFor', openFor.toSeconds(), 1, 43_200, 'seconds');
    validateInteger(this, 'halfOpenTrials', halfOpenTrials);
    validateRange(this, 'halfOpenTrials', halfOpenTrials, 1, 100);
    if (props.alarms === false) turnAlarmsOff(this);
    const openLongerThan = props.alarms === false ? undefined : props.alarms?.openLongerThan;
    validateRange(this, 'alarms.openLongerThan', openLongerThan?.toMinutes({ integral: false }), 1, 1440, 'minutes');
    if (openLongerThan !== undefined)
      validateInteger(this, 'alarms.openLongerThan (minutes)', openLongerThan.toMinutes({ integral: false }));
    this.#openLongerThanMinutes = openLongerThan?.toMinutes() ?? Math.max(5, Math.ceil((3 * openFor.toSeconds()) / 60));
    this.circuitName = props.circuitName ?? id;
    if (!/^[\w.:-]{1,255}$/.test(this.circuitName)) {
      invalidProp(this, `circuitName must be 1 to 255 letters, digits, '_', '.', ':' or '-' (got ${JSON.stringify(this.circuitName)})`);
    }
    this.#settings = {
      [ENV.circuitName]: this.circuitName,
      [ENV.circuitFailureThreshold]: String(failureThreshold),
      [ENV.circuitWindowSeconds]: String(window.toSeconds()),
      [ENV.circuitOpenSeconds]: String(openFor.toSeconds()),
      [ENV.circuitHalfOpenTrials]: String(halfOpenTrials),
    };
    this.#eventBus = props.eventBus;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: CircuitBreaker.KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /** One of the kit's breaker metrics of this circuit (`CircuitOpened` or `CallsRejected`), summed per minute. */
  metric(name: 'CircuitOpened' | 'CallsRejected'): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: CircuitBreaker.METRICS.namespace,
      metricName: name,
      dimensionsMap: { service: CircuitBreaker.METRICS.service, circuit: this.circuitName },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
  }

  /** Alarms when calls were turned away in every minute of `openLongerThan` (SwitchyardMonitoring calls it). */
  monitor(context: MonitoringContext): void {
    if (!context.claim(this)) return;
    context.lines.circuits.push(
      { label: `${this.circuitName} opened`, metric: this.metric('CircuitOpened') },
      { label: `${this.circuitName} calls rejected`, metric: this.metric('CallsRejected') },
    );
    if (context.alarmsOff(this)) return;
    const minutes = this.#openLongerThanMinutes;
    context.alarm(
      this,
      'StaysOpen',
      this.metric('CallsRejected'),
      {
        what: `Circuit ${this.circuitName} has turned calls away for ${minutes} minutes: its downstream keeps failing the trial calls`,
        run: `npx switchyard failures --since 1h (the CircuitOpened events carry lastFailure), and the item ${this.circuitName} in the breaker's table`,
        runbook: RUNBOOK_SECTIONS.circuit,
      },
      { evaluationPeriods: minutes, datapointsToAlarm: minutes },
    );
  }

  /**
   * Lets `grantee` read and conditionally update the circuit (GetItem, UpdateItem only) and
   * publish the transition events to the bus, if one was given. Grants only: `connect` also
   * gives a function the circuit's settings.
   */
  grantUse(grantee: iam.IGrantable): void {
    warnIfUnconnected(this, grantee, { kind: 'CircuitBreaker', table: this.table, variable: ENV.circuitBreakerTable, grant: 'grantUse' });
    this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    grantTableKey(this.table, grantee);
    this.#eventBus?.grantPutEventsTo(grantee);
  }

  /**
   * Gives `fn` this circuit, for `circuitBreakerFromEnv`: the table name, the settings and
   * the bus in its environment, and `grantUse(fn)`.
   */
  connect(fn: lambda.Function): void {
    fn.addEnvironment(ENV.circuitBreakerTable, this.table.tableName);
    for (const [name, value] of Object.entries(this.#settings)) fn.addEnvironment(name, value);
    if (this.#eventBus) fn.addEnvironment(ENV.eventBusName, this.#eventBus.eventBusName);
    this.grantUse(fn);
  }
}
