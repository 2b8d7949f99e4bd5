import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ENV, STARTER_CONTRACTS_DEFINE } from '../../contracts/wiring.js';
import { DURABLE_FLOW_FORKS, DURABLE_LAMBDA_CLIENT, flaggedDefault } from './feature-flags.js';
import { packagedHandlerEntry } from './handler-entry.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { type IMonitorable, type MonitoringContext, RUNBOOK_SECTIONS, resourceName, turnAlarmsOff } from './monitoring-context.js';
import { QueueConsumer } from './queue-consumer.js';
import { starterContractDefinitions } from './starter-contracts.js';
import { SwitchyardFunction, type SwitchyardFunctionProps } from './switchyard-function.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';
import type { WorkflowTrigger } from './workflow.js';

const STARTER_ENTRY = packagedHandlerEntry('workflow-starter/durable-handler');
/** The function's entry when it forks: the app's handler inside the kit's fork support. */
const FORKING_ENTRY = packagedHandlerEntry('kit/durable-flow-entry');
/** The starter only invokes asynchronously, which answers at once. */
const STARTER_TIMEOUT = Duration.seconds(10);
/** Lambda's bounds on DurableConfig (API reference, DurableConfig): 1 s to 366 days; history kept 1 to 90 days. */
const MAX_EXECUTION_SECONDS = 31_622_400;
const MAX_RETENTION_DAYS = 90;
const ALIAS_NAME = /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/;

/** The alarms of a DurableFlow (SwitchyardMonitoring makes them); each threshold overrides the app's default. */
export interface DurableFlowAlarms {
  /**
   * More than this many failed executions in one period raise an alarm, and likewise timed-out and stopped ones (0 to 100,000).
   * @default - SwitchyardMonitoring's `failedExecutions` (0)
   */
  readonly failedExecutions?: number;
}

export interface DurableFlowProps {
  /**
   * The durable handler: its entry must export `handler = withDurableExecution(...)`
   * (`@aws/durable-execution-sdk-js`). `timeout` bounds one invocation (a replay), not the
   * execution (`executionTimeout` does). `durableLambdaClient` defaults to true here where the
   * app's context sets `@switchyard/constructs:durableLambdaClient` (the scaffold's cdk.json
   * does): the bundle holds only the part of `@aws-sdk/client-lambda` the durable execution SDK
   * uses. Without the key it defaults to false, with a warning: true from the next minor release.
   */
  readonly handler: SwitchyardFunctionProps;
  /** The bus the trigger listens on. */
  readonly eventBus: events.IEventBus;
  /**
   * Events that start an execution (through a queue and a starter function). Each event
   * starts at most one execution: its DurableExecutionName is derived from the event's
   * idempotency key, as a Workflow's execution name is.
   * @default - no trigger; invoke the alias some other way (with a DurableExecutionName)
   */
  readonly trigger?: WorkflowTrigger;
  /**
   * Where the starter claims each event; required with `trigger`.
   * @default - none
   */
  readonly idempotencyStore?: IdempotencyStore;
  /**
   * Longest an execution may run, waits and retries included (1 second to 366 days).
   * @default Duration.days(365) - as long as a STANDARD Workflow may run
   */
  readonly executionTimeout?: Duration;
  /**
   * How long Lambda keeps a closed execution's history (whole days, 1 to 90).
   * @default Duration.days(14) - Lambda's own default
   */
  readonly retention?: Duration;
  /**
   * The alias executions are started through: Lambda refuses to start a durable execution
   * on an unqualified ARN, and an execution replays the version it started on, so each
   * deployment publishes a version and moves the alias; running executions finish on theirs.
   * @default 'live'
   */
  readonly aliasName?: string;
  /**
   * The flow's alarms (made by SwitchyardMonitoring): failed, timed-out and stopped
   * executions, the function's errors and throttles, and the starter's (a QueueConsumer).
   * `false` turns them all off.
   * @default - every alarm, with the defaults of DurableFlowAlarms
   */
  readonly alarms?: false | DurableFlowAlarms;
  /**
   * Whether an execution can be forked from one of its steps in AWS (`switchyard fork`,
   * docs/durable-forks.md): the handler is bundled inside the kit's fork support, which sees a
   * fork in an execution's event and, on its first invocation, reads the parent's history
   * (`lambda:GetDurableExecutionHistory`, granted on this function's versions: the only
   * permission it adds) and writes the steps before the fork's step into the fork's checkpoint.
   * An execution that is not a fork costs one look at its event. `false` bundles the handler as
   * it is; the local runtime forks any durable function either way.
   * @default - true where the app's context sets `@switchyard/constructs:durableFlowForks`
   *   (the scaffold's cdk.json does); else false, with a warning: true from the next minor release
   */
  readonly forks?: boolean;
}

/**
 * A Lambda durable function (checkpointed steps, waits and callbacks, replayed on resume)
 * with the conventions of a Workflow: started from events on the hub through a queue and
 * a starter, one execution per business fact (the execution is named after the event's
 * idempotency key); invoked through an alias, so that an execution replays the code it
 * started with; alarmed on failed, timed-out and stopped executions.
 *
 * Why a starter rather than the function as the rule's target: an EventBridge Lambda
 * target cannot pass a DurableExecutionName, so each delivery (EventBridge delivers at
 * least once) would start an execution of its own.
 */
export class DurableFlow extends Construct implements IMonitorable {
  /** The durable function; invoke it through `alias`. */
  public readonly function: SwitchyardFunction;
  /** The alias on the current version: the qualified ARN executions start on. */
  public readonly alias: lambda.Alias;
  /** The queue and function that start executions; present with `trigger`. */
  public readonly starter?: QueueConsumer;
  readonly #alarms: DurableFlowAlarms;

  constructor(scope: Construct, id: string, props: DurableFlowProps) {
    super(scope, id);
    const executionTimeout = props.executionTimeout ?? Duration.days(365);
    const retention = props.retention ?? Duration.days(14);
    const aliasName = props.aliasName ?? 'live';
    validateRange(this, 'executionTimeout', executionTimeout.toSeconds(), 1, MAX_EXECUTION_SECONDS, 'seconds');
    const retentionDays = retention.toHours() / 24;
    validateRange(this, 'retention', retentionDays, 1, MAX_RETENTION_DAYS, 'days');
    validateInteger(this, 'retention (in days)', retentionDays);
    if (!Token.isUnresolved(aliasName) && !ALIAS_NAME.test(aliasName)) {
      invalidProp(this, `aliasName must be 1 to 128 letters, digits, - and _, not all digits (got ${JSON.stringify(aliasName)})`);
    }
    if (props.trigger && !props.idempotencyStore) {
      invalidProp(this, 'idempotencyStore is required when trigger is set: the starter claims each event there (got none)');
    }
    if (props.alarms === false) turnAlarmsOff(this);
    this.#alarms = props.alarms === false ? {} : (props.alarms ?? {});
    validateRange(this, 'alarms.failedExecutions', this.#alarms.failedExecutions, 0, 100_000);

    // The durable execution SDK's import() of the Lambda client would keep all of it (SwitchyardFunction's durableLambdaClient).
    const durableLambdaClient = flaggedDefault(this, DURABLE_LAMBDA_CLIENT, props.handler.durableLambdaClient);
    const forks = flaggedDefault(this, DURABLE_FLOW_FORKS, props.forks);
    this.function = new SwitchyardFunction(this, 'Function', {
      ...props.handler,
      durableLambdaClient,
      ...(forks
        ? {
            entry: FORKING_ENTRY,
            wrappedHandler: props.handler.entry,
            environment: { ...props.handler.environment, [ENV.durableForks]: '1' },
          }
        : {}),
    });
    // SwitchyardFunction passes no durableConfig through; set on the resource, it is part of
    // the version hash, so a change publishes a new version as a code change does.
    const cfnFunction = this.function.node.defaultChild as lambda.CfnFunction;
    cfnFunction.durableConfig = { executionTimeout: executionTimeout.toSeconds(), retentionPeriodInDays: retentionDays };
    this.grantCheckpoints(forks);
    this.alias = new lambda.Alias(this, 'Alias', { aliasName, version: this.function.currentVersion });

    if (props.trigger && props.idempotencyStore) {
      const { contracts, ...trigger } = props.trigger;
      const definitions = starterContractDefinitions(this, contracts, trigger.eventPattern);
      this.starter = new QueueConsumer(this, 'Starter', {
        ...trigger,
        // As a Workflow's starter: `flowControl.key` and `fairBy` are checked against these contracts.
        contracts,
        eventBus: props.eventBus,
        handler: {
          entry: STARTER_ENTRY,
          define: { [STARTER_CONTRACTS_DEFINE]: JSON.stringify(JSON.stringify(definitions)) },
          description: `Starts ${id} durable executions from events, one per event`,
          serviceName: `${id}-starter`,
          timeout: STARTER_TIMEOUT,
          environment: { [ENV.durableFunctionArn]: this.alias.functionArn },
          // It sends Lambda's Invoke and nothing else of the Lambda client.
          durableLambdaClient: true,
          // Its operations (Lambda Invoke, DynamoDB's for the claims, SQS's for failures) have no
          // event streams (test/lambdas/bundle-aliases.test.ts checks every command in its bundle).
          eventStreams: false,
        },
      });
      props.idempotencyStore.connect(this.starter.function);
      this.alias.grantInvoke(this.starter.function);
    }
  }

  /**
   * Lets `grantee` complete, fail or heartbeat this flow's callbacks
   * (`SendDurableExecutionCallbackSuccess`/`Failure`/`Heartbeat`): what the person or system
   * that answers a `waitForCallback` needs.
   */
  grantCallbacks(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnExecutions(grantee, [
      'lambda:SendDurableExecutionCallbackSuccess',
      'lambda:SendDurableExecutionCallbackFailure',
      'lambda:SendDurableExecutionCallbackHeartbeat',
    ]);
  }

  /** Lets `grantee` read this flow's executions: each one, its history, and the list of them. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = this.grantOnExecutions(grantee, ['lambda:GetDurableExecution', 'lambda:GetDurableExecutionHistory']);
    return grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['lambda:ListDurableExecutionsByFunction'],
        resourceArns: [this.function.functionArn, `${this.function.functionArn}:*`],
      }),
    );
  }

  /** Lets `grantee` stop this flow's running executions (StopDurableExecution). */
  grantStop(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnExecutions(grantee, ['lambda:StopDurableExecution']);
  }

  /** Failed, timed-out and stopped executions; the function's errors and throttles (the starter is monitored as a QueueConsumer). */
  monitor(context: MonitoringContext): void {
    context.lambdaFunction(this, this.function);
    if (context.alarmsOff(this) || !context.claim(this)) return;
    const name = resourceName(this.function);
    const threshold = this.#alarms.failedExecutions ?? context.thresholds.failedExecutions;
    const outcomes = [
      ['DurableExecutionFailed', 'failed'],
      ['DurableExecutionTimedOut', 'timed out'],
      ['DurableExecutionStopped', 'stopped'],
    ] as const;
    for (const [metricName, status] of outcomes) {
      const metric = new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: this.function.functionName },
        statistic: 'Sum',
        period: context.thresholds.period,
      });
      context.alarm(
        this.function,
        metricName,
        metric,
        {
          what: `Durable flow ${name}: executions ${status}`,
          run: `aws lambda list-durable-executions-by-function --function-name <${name}'s name> --statuses ${metricName.replace('DurableExecution', '').toUpperCase().replace('TIMEDOUT', 'TIMED_OUT')}, fix the cause, then send the events again`,
          runbook: RUNBOOK_SECTIONS.executions,
        },
        // "More than N" as the Workflow's alarms count it: N + 1 or more in a period.
        { threshold: threshold + 1 },
      );
    }
  }

  /**
   * The durable execution APIs authorize against the execution's ARN, which extends the
   * function's with a version (`<function>:<version>/durable-execution/...`): an unqualified
   * function ARN never matches it, so each grant is on every version (`:*`).
   */
  private grantOnExecutions(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [`${this.function.functionArn}:*`] });
  }

  /**
   * What the SDK calls to save and load progress. CDK's Function would attach the
   * AWSLambdaBasicDurableExecutionRolePolicy managed policy (checkpoints on every function
   * in the account); SwitchyardFunction has its own least-privilege role, so the two
   * actions are granted on this function's versions only. In a policy of its own: the
   * function waits for its role's default policy, which therefore cannot name the function.
   */
  private grantCheckpoints(forks: boolean): void {
    const policy = new iam.Policy(this, 'CheckpointPolicy', {
      // SwitchyardFunction always makes its own role.
      roles: [this.function.role as iam.IRole],
      statements: [
        new iam.PolicyStatement({
          // A fork reads its parent's history: an execution of this same function.
          actions: [
            'lambda:CheckpointDurableExecution',
            'lambda:GetDurableExecutionState',
            ...(forks ? ['lambda:GetDurableExecutionHistory'] : []),
          ],
          resources: [`${this.function.functionArn}:*`],
        }),
      ],
    });
    const logicalId = Stack.of(this).getLogicalId(this.function.node.defaultChild as lambda.CfnFunction);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: 'Durable executions belong to a function version; checkpoints are granted on every version of this one function.',
    });
  }
}
