import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Duration } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AnyEventContract } from '../../contracts/index.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { turnAlarmsOff } from './monitoring-context.js';
import { invalidProp, validateRange } from './validation.js';
import { publishTask, Workflow, type WorkflowTrigger } from './workflow.js';

/** Lambda's own transient errors, retried like a step's transient errors. */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
const NAME = /^[A-Za-z][A-Za-z0-9]{0,39}$/;
const ERROR_NAME = /^[A-Za-z][\w.-]{0,127}$/;

/** One function call of a saga: the function and the payload it gets (JSONata `{% %}` allowed). */
export interface SagaInvocation {
  readonly function: lambda.IFunction;
  readonly payload: Record<string, unknown>;
}

export interface SagaStep {
  /** The step's name (letters and digits): its states are `<name>` and `Undo<name>`. */
  readonly name: string;
  readonly action: SagaInvocation;
  /**
   * Undoes the action once it has succeeded; must be idempotent (it is retried, and may
   * run after an answer was lost). None for the last step, or a step with nothing to undo.
   * @default - nothing to undo
   */
  readonly compensation?: SagaInvocation;
  /** Error names that fail the saga at this step (business outcomes, not retried). */
  readonly businessErrors: readonly string[];
}

/** An event the saga publishes when it ends; `detail` may use `$failure` (`step`, `error`, `cause`) when it failed. */
export interface SagaEvent {
  readonly contract: AnyEventContract;
  readonly detail: Record<string, unknown>;
}

export interface SagaRetry {
  /** @default 3 */
  readonly maxAttempts?: number;
  /** @default Duration.seconds(1) */
  readonly interval?: Duration;
  /** @default 2 */
  readonly backoffRate?: number;
  /** @default Duration.seconds(30) */
  readonly maxDelay?: Duration;
}

export interface SagaProps {
  /** The steps, in the order they run. */
  readonly steps: readonly SagaStep[];
  /** Error names a step may throw that another attempt can fix; retried with backoff and full jitter. */
  readonly transientErrors: readonly string[];
  /** How a step's transient errors are retried before the step counts as failed. */
  readonly retry?: SagaRetry;
  /**
   * How often a compensation is tried (any error) before the saga gives up on it and ends
   * FAILED with `CompensationFailed`, for a person to finish.
   * @default 6
   */
  readonly compensationAttempts?: number;
  readonly completed: SagaEvent;
  readonly failed: SagaEvent;
  readonly eventBus: events.IEventBus;
  readonly trigger?: WorkflowTrigger;
  readonly idempotencyStore?: IdempotencyStore;
  /**
   * `false` turns off the saga workflow's alarms (Workflow's, and its starter's), made by SwitchyardMonitoring; their dashboard lines stay.
   * @default - every alarm
   */
  readonly alarms?: false;
}

/** The error name a saga ends with when a compensation fails for good. */
export const COMPENSATION_FAILED = 'CompensationFailed';

/**
 * A saga as a STANDARD workflow: the steps run in order; a business error at step i runs
 * the compensations of steps i-1..0 (in reverse), publishes `failed`, and ends the
 * execution FAILED with the step's error and cause; success publishes `completed`.
 * Compensations form one reverse chain, and each step's Catch enters it just below the
 * step, so only the steps that completed are undone.
 */
export class Saga extends Construct {
  public readonly workflow: Workflow;

  constructor(scope: Construct, id: string, props: SagaProps) {
    super(scope, id);
    if (props.alarms === false) turnAlarmsOff(this);
    validate(this, props);
    const retry = props.retry ?? {};
    const jitter = {
      interval: retry.interval ?? Duration.seconds(1),
      backoffRate: retry.backoffRate ?? 2,
      maxDelay: retry.maxDelay ?? Duration.seconds(30),
      jitterStrategy: sfn.JitterType.FULL,
    };

    const failure = '$failure';
    const emitFailed = this.publish('PublishFailed', props.eventBus, props.failed);
    const fail = sfn.Fail.jsonata(this, 'SagaFailed', { error: `{% ${failure}.error %}`, cause: `{% ${failure}.cause %}` });
    emitFailed.next(fail);
    const compensationFailed = sfn.Fail.jsonata(this, 'CompensationFailed', {
      error: COMPENSATION_FAILED,
      cause: `{% $states.input.step & ' could not be undone: ' & $states.input.error & ' (' & $states.input.cause & ')' %}`,
    });

    // The reverse chain: undo[i] undoes step i, then continues with the nearest earlier undo.
    let below: sfn.IChainable = emitFailed;
    const entry: sfn.IChainable[] = [];
    props.steps.forEach((step, index) => {
      entry[index] = below;
      if (!step.compensation) return;
      const undo = this.invoke(`Undo${step.name}`, step.compensation);
      undo.addRetry({ errors: ['States.ALL'], maxAttempts: (props.compensationAttempts ?? 6) - 1, ...jitter });
      undo.addCatch(compensationFailed, {
        errors: ['States.ALL'],
        outputs: { step: `Undo${step.name}`, error: '{% $states.errorOutput.Error %}', cause: '{% $states.errorOutput.Cause %}' },
      });
      undo.next(below);
      below = undo;
    });
    // entry[i] is what runs when step i fails: the undo of the latest completed step before it.
    const states = props.steps.map((step, index) => {
      const action = this.invoke(step.name, step.action);
      action.addRetry({ errors: [...props.transientErrors, ...LAMBDA_TRANSIENT_ERRORS], maxAttempts: retry.maxAttempts ?? 3, ...jitter });
      action.addCatch(entry[index] as sfn.IChainable, {
        errors: [...step.businessErrors],
        assign: { failure: { step: step.name, error: '{% $states.errorOutput.Error %}', cause: '{% $states.errorOutput.Cause %}' } },
      });
      return action;
    });
    let chain = sfn.Chain.start(states[0] as sfn.TaskStateBase);
    for (const state of states.slice(1)) chain = chain.next(state);
    chain = chain.next(this.publish('PublishCompleted', props.eventBus, props.completed)).next(sfn.Succeed.jsonata(this, 'SagaSucceeded'));

    this.workflow = new Workflow(this, 'Workflow', {
      definition: chain,
      eventBus: props.eventBus,
      stateMachineType: sfn.StateMachineType.STANDARD,
      trigger: props.trigger,
      idempotencyStore: props.idempotencyStore,
    });
  }

  private invoke(id: string, call: SagaInvocation): tasks.LambdaInvoke {
    return tasks.LambdaInvoke.jsonata(this, id, {
      lambdaFunction: call.function,
      payload: sfn.TaskInput.fromObject(call.payload),
      // Retries are the saga's own (with jitter), not LambdaInvoke's default.
      retryOnServiceExceptions: false,
      // The step's input passes through: each step sees the execution input via the context.
      outputs: '{% $states.input %}',
    });
  }

  private publish(id: string, eventBus: events.IEventBus, event: SagaEvent): tasks.EventBridgePutEvents {
    return publishTask(this, id, eventBus, { contract: event.contract, detail: sfn.TaskInput.fromObject(event.detail) });
  }
}

function validate(scope: Construct, props: SagaProps): void {
  if (props.steps.length === 0) invalidProp(scope, 'steps must name at least one step (got none)');
  const names = new Set<string>();
  for (const step of props.steps) {
    if (!NAME.test(step.name))
      invalidProp(scope, `step names must be 1 to 40 letters and digits, starting with a letter (got ${JSON.stringify(step.name)})`);
    if (names.has(step.name)) invalidProp(scope, `step names must be unique (got ${step.name} twice)`);
    names.add(step.name);
    if (step.businessErrors.length === 0) invalidProp(scope, `step ${step.name} must name the business errors that fail it (got none)`);
    for (const error of step.businessErrors) {
      if (error.startsWith('States.')) {
        invalidProp(
          scope,
          `step ${step.name}: business errors must be the step's own error names, not ${error} (a catch-all would compensate transient and runtime failures as business outcomes)`,
        );
      }
      if (!ERROR_NAME.test(error)) invalidProp(scope, `step ${step.name}: ${JSON.stringify(error)} is not an error name`);
      if (props.transientErrors.includes(error))
        invalidProp(scope, `step ${step.name}: ${error} cannot be both a business and a transient error`);
    }
  }
  validateRange(scope, 'retry.maxAttempts', props.retry?.maxAttempts, 0, 10);
  validateRange(scope, 'retry.backoffRate', props.retry?.backoffRate, 1, 10);
  validateRange(scope, 'compensationAttempts', props.compensationAttempts, 1, 20);
}
