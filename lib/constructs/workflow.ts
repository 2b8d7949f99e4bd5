import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AnyEventContract } from '../../contracts/contract.js';
import { ENV, STARTER_CONTRACTS_DEFINE } from '../../contracts/wiring.js';
import { SwitchyardEncryption } from './encryption.js';
import { flaggedDefault, WORKFLOW_FORK_ENTRY } from './feature-flags.js';
import { ForkEntryDefinitionBody } from './fork-entry.js';
import { packagedHandlerEntry } from './handler-entry.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { flowName, type IMonitorable, type MonitoringContext, turnAlarmsOff } from './monitoring-context.js';
import { QueueConsumer, type QueueConsumerProps } from './queue-consumer.js';
import { deadLetterQueue } from './secure-queue.js';
import { starterContractDefinitions } from './starter-contracts.js';
import { type TracingMode, tracingModeOf } from './tracing.js';
import { invalidProp, validateRange } from './validation.js';

const STARTER_ENTRY = packagedHandlerEntry('workflow-starter/handler');
/** Express executions run at most five minutes. */
const EXPRESS_MAX_SECONDS = 300;
/**
 * What an EXPRESS starter needs besides the execution it waits for: the idempotency claim
 * and its completion, and StartSyncExecution's own round trip (tens of milliseconds each;
 * a cold start's init phase is not counted against the handler's timeout). Kept small
 * because the queue's visibility timeout is six times the starter's, and that is how long
 * a delivery lost in a crash waits before it is retried.
 */
export const EXPRESS_STARTER_OVERHEAD = Duration.seconds(3);
/** A STANDARD starter only calls StartExecution, which answers at once. */
const STANDARD_STARTER_TIMEOUT = Duration.seconds(10);

/** Which events start the workflow, and how the queue in front of it behaves. */
export type WorkflowTrigger = Omit<QueueConsumerProps, 'eventBus' | 'handler' | 'visibilityTimeout'> & {
  /**
   * The contracts of the events the trigger lets through. The starter validates each
   * event's detail against its contract (an invalid one is dead-lettered with the reason)
   * and names the execution after the contract's idempotency fields, so two deliveries of
   * one business fact start one execution.
   * @default - a contract accepting any detail for each detail-type the pattern lists
   *   (executions named after the event id); a pattern that lists none fails synthesis
   */
  readonly contracts?: readonly AnyEventContract[];
};

/** The alarms of a Workflow (SwitchyardMonitoring makes them); each threshold overrides the app's default. */
export interface WorkflowAlarms {
  /**
   * More than this many failed executions in one period raise an alarm, and likewise timed-out and aborted ones (0 to 100,000).
   * @default - SwitchyardMonitoring's `failedExecutions` (0)
   */
  readonly failedExecutions?: number;
}

export interface WorkflowProps {
  /** The states to run. */
  readonly definition: sfn.IChainable;
  /** The bus the trigger listens on and execution status changes are sent to. */
  readonly eventBus: events.IEventBus;
  /**
   * STANDARD runs up to a year, durably, and is billed per state transition; EXPRESS
   * runs up to five minutes and is billed per request and duration.
   * @default sfn.StateMachineType.STANDARD
   */
  readonly stateMachineType?: sfn.StateMachineType;
  /**
   * Events that start an execution (through a queue and a starter function). Each
   * event starts at most one execution: its name is derived from the event's
   * idempotency key.
   * @default - no trigger; start executions some other way
   */
  readonly trigger?: WorkflowTrigger;
  /**
   * Where the starter claims each event; required with `trigger`.
   * @default - none
   */
  readonly idempotencyStore?: IdempotencyStore;
  /**
   * Longest an execution may run (EXPRESS: at most 5 minutes). An EXPRESS starter waits
   * for its executions, so its function timeout is this plus `EXPRESS_STARTER_OVERHEAD`, and
   * its queue's visibility timeout (the time a crashed delivery takes to come back) six
   * times that: size it to the work.
   * @default - EXPRESS: 5 minutes; STANDARD: no limit beyond AWS's one year
   */
  readonly timeout?: Duration;
  /**
   * Whether execution logs include state inputs and outputs. They can hold personal
   * data (ticket bodies), so it is off unless asked for.
   * @default false
   */
  readonly logExecutionData?: boolean;
  /**
   * How long to keep execution logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Name of the state machine.
   * @default - a name CloudFormation generates
   */
  readonly stateMachineName?: string;
  /**
   * The workflow's alarms (made by SwitchyardMonitoring): failed, timed-out and aborted
   * executions, the status-change rule and its dead-letter queue, and the starter's (a
   * QueueConsumer). `false` turns them all off (its dashboard lines stay).
   * @default - every alarm, with the defaults of WorkflowAlarms
   */
  readonly alarms?: false | WorkflowAlarms;
  /**
   * How executions and the starter are traced (docs/tracing.md): `active` and `opentelemetry`
   * turn X-Ray tracing on for the state machine (Step Functions records each execution and its
   * states; it has no OpenTelemetry of its own), and are the starter's `tracing`; with
   * `opentelemetry` an execution started from an event joins the trace of the span that
   * emitted it. `off` turns both off.
   * @default - the `switchyard:tracing` context (TRACING_CONTEXT_KEY), else 'active'
   */
  readonly tracing?: TracingMode;
  /**
   * Whether the definition begins with a fork entry (docs/rerun-stop-pause.md): a Choice that
   * sends an execution input carrying `switchyardFork` to the state it names, with the parent's
   * recorded input and variables, so that `switchyard fork` reruns an execution from any
   * top-level state through a plain StartExecution. It costs each execution one state
   * transition (STANDARD bills transitions); `false` leaves it out, and forks of this workflow
   * then run only locally.
   * @default - true where the app's context sets `@switchyard/constructs:workflowForkEntry`
   *   (the scaffold's cdk.json does); else false, with a warning: true from the next minor release
   */
  readonly forkEntry?: boolean;
}

/**
 * A state machine with logging of all events and X-Ray tracing, optionally started
 * from events, whose STANDARD execution status changes come back onto the bus as
 * events (`source: aws.states`). EXPRESS workflows emit no status-change events in
 * AWS, so their starter runs them synchronously and fails the queue record (retry,
 * then DLQ) when an execution does not succeed.
 */
export class Workflow extends Construct implements IMonitorable {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.ILogGroup;
  /** The queue and function that start executions; present with `trigger`. */
  public readonly starter?: QueueConsumer;
  /** Forwards status changes from the default bus to `eventBus`; STANDARD only. */
  public readonly statusChangeRule?: events.Rule;
  /** Status changes the rule could not put on the bus; STANDARD only. */
  public readonly statusChangeDeadLetterQueue?: sqs.IQueue;
  readonly #alarms: WorkflowAlarms;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const type = props.stateMachineType ?? sfn.StateMachineType.STANDARD;
    const isExpress = type === sfn.StateMachineType.EXPRESS;
    validateRange(this, 'timeout', props.timeout?.toSeconds(), 1, isExpress ? EXPRESS_MAX_SECONDS : 31_536_000, 'seconds');
    if (props.trigger && !props.idempotencyStore) {
      invalidProp(this, 'idempotencyStore is required when trigger is set: the starter claims each event there (got none)');
    }
    if (props.alarms === false) turnAlarmsOff(this);
    this.#alarms = props.alarms === false ? {} : (props.alarms ?? {});
    validateRange(this, 'alarms.failedExecutions', this.#alarms.failedExecutions, 0, 100_000);
    const tracing = tracingModeOf(this, props.tracing);
    const timeout = props.timeout ?? (isExpress ? Duration.seconds(EXPRESS_MAX_SECONDS) : undefined);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps the log group's resource policy small.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${this.node.addr}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: SwitchyardEncryption.keyOf(this),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: type,
      definitionBody: definitionBodyOf(this, props),
      timeout,
      tracingEnabled: tracing !== 'off',
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: props.logExecutionData ?? false },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing require Resource "*".',
    });
    acknowledgeInvokedVersions(this.stateMachine);

    if (props.trigger && props.idempotencyStore) {
      // The starter waits for EXPRESS executions, so it must outlive them.
      const starterTimeout = isExpress
        ? Duration.seconds((timeout?.toSeconds() ?? EXPRESS_MAX_SECONDS) + EXPRESS_STARTER_OVERHEAD.toSeconds())
        : STANDARD_STARTER_TIMEOUT;
      const { contracts, ...trigger } = props.trigger;
      const definitions = starterContractDefinitions(this, contracts, trigger.eventPattern);
      this.starter = new QueueConsumer(this, 'Starter', {
        ...trigger,
        // The starter accepts these contracts: `flowControl.key` and `fairBy` are checked against them.
        contracts,
        eventBus: props.eventBus,
        handler: {
          entry: STARTER_ENTRY,
          define: { [STARTER_CONTRACTS_DEFINE]: JSON.stringify(JSON.stringify(definitions)) },
          description: `Starts ${id} executions from events, one per event`,
          serviceName: `${id}-starter`,
          timeout: starterTimeout,
          tracing,
          environment: { [ENV.stateMachineArn]: this.stateMachine.stateMachineArn, [ENV.workflowType]: type },
        },
      });
      props.idempotencyStore.connect(this.starter.function);
      if (isExpress) this.stateMachine.grantStartSyncExecution(this.starter.function);
      else this.stateMachine.grantStartExecution(this.starter.function);
    }

    if (!isExpress) {
      this.statusChangeDeadLetterQueue = deadLetterQueue(this, 'StatusChangesDeadLetterQueue');
      this.statusChangeRule = new events.Rule(this, 'StatusChanges', {
        description: `Forwards ${id} execution status changes to the hub`,
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: { stateMachineArn: [this.stateMachine.stateMachineArn] },
        },
        targets: [
          new targets.EventBus(props.eventBus, {
            deadLetterQueue: this.statusChangeDeadLetterQueue,
          }),
        ],
      });
    }
  }

  /** Executions failed, timed out or aborted; the status-change rule and its DLQ (SwitchyardMonitoring calls it; the starter is monitored as a QueueConsumer). */
  monitor(context: MonitoringContext): void {
    const flow = flowName(this.stateMachine);
    context.stateMachine(this, this.stateMachine, flow, this.#alarms.failedExecutions);
    if (this.statusChangeRule && this.statusChangeDeadLetterQueue) {
      context.deadLetterQueue(this, this.statusChangeDeadLetterQueue, `Flow ${flow}: execution status changes the hub did not receive`);
      context.rule(this, this.statusChangeRule, `Step Functions status changes -> ${flow}`, true);
    }
  }
}

/** The chain as written, or with the fork entry at its top: `forkEntry`, else the workflowForkEntry flag (feature-flags.ts). */
function definitionBodyOf(workflow: Workflow, props: WorkflowProps): sfn.DefinitionBody {
  const forkEntry = flaggedDefault(workflow, WORKFLOW_FORK_ENTRY, props.forkEntry);
  return forkEntry ? new ForkEntryDefinitionBody(props.definition) : sfn.DefinitionBody.fromChainable(props.definition);
}

/**
 * A LambdaInvoke step grants the state machine its function's ARN and `<ARN>:*` (any version
 * or alias of that one function: CDK's `resourceArnsForGrantInvoke`), which cdk-nag's
 * AwsSolutions-IAM5 reports as a wildcard. The finding is acknowledged here, with its reason,
 * for each function of the stack the role's policy names so: a definition that calls a
 * function needs no acknowledgement of its own (docs/constructs.md).
 */
function acknowledgeInvokedVersions(stateMachine: sfn.StateMachine): void {
  const policy = stateMachine.role.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof iam.Policy)) return;
  const statements = (policy.document.toJSON() as { Statement?: { Resource?: string | string[] }[] } | undefined)?.Statement ?? [];
  const resources = new Set(statements.flatMap((statement) => statement.Resource ?? []));
  const stack = Stack.of(stateMachine);
  for (const fn of stack.node.findAll()) {
    if (!(fn instanceof lambda.Function) || !resources.has(`${fn.functionArn}:*`)) continue;
    const logicalId = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    Validations.of(stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: `A step invokes ${fn.node.path}; CDK's LambdaInvoke grants any version or alias of it (its ARN with :*) besides its ARN.`,
    });
  }
}

/**
 * How a state machine's PutEvents task retries an entry EventBridge failed
 * (`EventBridge.FailedEntry`): the same backoff, with full jitter, in every flow.
 */
export const PUT_EVENTS_RETRY: sfn.RetryProps = {
  errors: ['EventBridge.FailedEntry'],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 4,
  jitterStrategy: sfn.JitterType.FULL,
};

/** One event a state machine publishes: its contract (source and detail-type) and its detail. */
export interface PublishedEvent {
  readonly contract: { readonly source: string; readonly detailType: string };
  readonly detail: sfn.TaskInput;
}

/**
 * A JSONata PutEvents task that publishes `event` to `eventBus` and passes its own input
 * on, retrying failed entries (PUT_EVENTS_RETRY).
 */
export function publishTask(
  scope: Construct,
  id: string,
  eventBus: events.IEventBus,
  event: PublishedEvent,
  extra: Omit<tasks.EventBridgePutEventsJsonataProps, 'entries'> = { outputs: '{% $states.input %}' },
): tasks.EventBridgePutEvents {
  const put = tasks.EventBridgePutEvents.jsonata(scope, id, {
    entries: [{ eventBus, source: event.contract.source, detailType: event.contract.detailType, detail: event.detail }],
    ...extra,
  });
  put.addRetry(PUT_EVENTS_RETRY);
  return put;
}
