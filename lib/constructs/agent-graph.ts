import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AnyEventContract } from '../../contracts/index.js';
import { ENV, ERROR_NAMES } from '../../contracts/wiring.js';
import {
  type AgentBudget,
  type AgentTokenRate,
  budgetPayload,
  hasTokenWindows,
  TOKEN_WAIT_RETRY,
  tokenWaitSeconds,
  validateBudget,
  validateTokenRate,
} from './agent-graph-budget.js';
import { type AgentNode, layersOf, validateGraph } from './agent-graph-layers.js';
import type { BedrockModel } from './bedrock-model.js';
import { SwitchyardEncryption } from './encryption.js';
import { FlowControlTable } from './flow-control-table.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { grantTableKey } from './key-grants.js';
import { turnAlarmsOff } from './monitoring-context.js';
import { SwitchyardFunction } from './switchyard-function.js';
import { invalidProp, validateRange } from './validation.js';
import { publishTask, Workflow, type WorkflowTrigger } from './workflow.js';

export type { AgentBudget, AgentTokenRate } from './agent-graph-budget.js';
export type { AgentFanOutNode, AgentNode, AgentTaskNode } from './agent-graph-layers.js';

/** Lambda's own transient errors (throttling by a model function's reserved concurrency among them). */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
];
/**
 * A throttled invoke is back-pressure, not a failure of the item: a model's functions have
 * reserved concurrency (its quota) and every execution's Map shares it, so a burst of
 * executions is throttled until earlier calls finish. It gets a retrier of its own, before
 * the transient one, with room to wait its turn (up to about 5 minutes) instead of failing
 * the item after the transient retrier's few attempts.
 */
const THROTTLE_RETRY: sfn.RetryProps = {
  errors: ['Lambda.TooManyRequestsException'],
  maxAttempts: 12,
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};
/** An inline Map runs at most 40 iterations at once. */
const INLINE_MAP_MAX_CONCURRENCY = 40;
const EXECUTION_INPUT = '$states.context.Execution.Input';
/** The variable the flow's stop reason is kept in; no node may be named so. */
const STOP_VARIABLE = 'stopped';

/** A JSONata expression for an error's cause: a Lambda error's message (its Cause is the error as JSON, trace and all), any other cause as it is. */
function causeMessage(cause: string): string {
  return `($exists(${cause}) ? ($contains(${cause}, '"errorMessage"') ? $parse(${cause}).errorMessage : ${cause}) : "")`;
}

/**
 * A model the graph's fan-outs call, with its quota: tokens per minute (and day), or,
 * without them, calls in flight.
 */
export interface AgentModel extends Partial<AgentTokenRate> {
  /** The model's id, given to its function (a Bedrock model id, or a local model's name). */
  readonly modelId: string;
  /**
   * The Bedrock model the calls go to: the model's function is granted bedrock:InvokeModel on
   * it (`BedrockModel.grantInvoke`), and its id must be `modelId`.
   * @default - no Bedrock grant (a model the function reaches otherwise, or a local one)
   */
  readonly bedrock?: BedrockModel;
  /**
   * Most calls to this model in flight at once: the MaxConcurrency of each fan-out's Map for
   * this model (1 to 40). Without `tokensPerMinute`, also the reserved concurrency of the
   * model's own function, across every execution (a call past it is throttled and retried).
   */
  readonly maxConcurrency: number;
  /**
   * Tokens per minute of this model (its id), across every execution and every graph that
   * limits it: each call reserves its estimate in the minute's window before it is made and
   * settles to the usage reported; a call that does not fit waits for the next window
   * (TokenLimitReached, retried). With it the model's function gets no reserved concurrency.
   * @default - no token limit; the model's function reserves maxConcurrency
   */
  readonly tokensPerMinute?: number;
}

/** The code every model function runs; the construct makes one function per model from it. */
export interface AgentModelCalls {
  /** The handler's entry file: it gets an AgentModelCallRequest and must spend the budget before calling. */
  readonly entry: string;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** Extra environment variables (a ledger table, for example). */
  readonly environment?: Record<string, string>;
}

/** How each model call (and each task) is retried, and how long one attempt may take. */
export interface AgentRetry {
  /** Retries after the first attempt. @default 3 */
  readonly maxAttempts?: number;
  /** @default Duration.seconds(2) */
  readonly interval?: Duration;
  /** @default 2 */
  readonly backoffRate?: number;
  /** @default Duration.seconds(30) */
  readonly maxDelay?: Duration;
  /** TimeoutSeconds of one attempt of a model call (`States.Timeout` is retried too). @default Duration.seconds(60) */
  readonly attemptTimeout?: Duration;
}

/** An event the graph publishes when it ends; `detail` may use the node variables (`$<id>`) and, for `stopped`, `$stopped.reason` and `$stopped.cause`. */
export interface AgentGraphEvent {
  readonly contract: AnyEventContract;
  readonly detail: Record<string, unknown>;
}

export interface AgentGraphProps {
  /** The steps and their `dependsOn` edges; independent steps run in parallel. */
  readonly nodes: readonly AgentNode[];
  /** The models fan-outs route their items to, by name. */
  readonly models: Readonly<Record<string, AgentModel>>;
  readonly modelCalls: AgentModelCalls;
  /** The execution's budget (tokens, calls) and each tenant's tokens per minute. */
  readonly budget: AgentBudget;
  /**
   * Where the models' and tenants' token windows are kept; share one between graphs (and
   * other flows) that call the same models, so their calls count against one limit.
   * @default - a table of the graph's own, made when a model or the budget has a token rate
   */
  readonly flowControlTable?: dynamodb.ITable;
  /** Error names a model call or task may throw that another attempt can fix. */
  readonly transientErrors: readonly string[];
  readonly retry?: AgentRetry;
  /**
   * Longest an execution may run in all (the state machine's TimeoutSeconds). Each
   * model call's worst case (every attempt timing out, every delay at its maximum) must fit.
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  readonly completed: AgentGraphEvent;
  readonly stopped: AgentGraphEvent;
  readonly eventBus: events.IEventBus;
  readonly trigger?: WorkflowTrigger;
  readonly idempotencyStore?: IdempotencyStore;
  /** @default RemovalPolicy.DESTROY (budget items are short-lived counters) */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * `false` turns off the graph's alarms (its workflow's, its starter's and its model functions'), made by SwitchyardMonitoring; their dashboard lines stay.
   * @default - every alarm
   */
  readonly alarms?: false;
}

/**
 * A flow declared as a DAG of steps, generated as a STANDARD state machine. Nodes are
 * laid out in layers by depth (a node runs one layer after its deepest dependency); a
 * layer of several nodes is one Parallel state, so independent nodes run at once. Each
 * node's result is kept in a variable named after it (`$plan`), which later nodes get.
 *
 * A fan-out node runs one model call per item of a list an earlier node produced: the
 * items are split by model (`routes`), and each model's share runs in its own inline
 * Map with that model's MaxConcurrency, every call its own Task (visible in the
 * execution's history) retried with backoff, full jitter and a per-attempt timeout.
 * Each model has its own function. A model's quota across all executions is its tokens
 * per minute (and day) when it has them: each call reserves its estimated tokens in the
 * model's window (and its tenant's) before it is made and settles to the usage reported,
 * and a call that does not fit waits for the next window (`TokenLimitReached`, retried);
 * without them it is the function's reserved concurrency. A failed item is caught and
 * recorded; when more than the tolerated percentage failed, the flow stops with
 * `TooManyFailures`. Every call also takes its estimate (and one call) from the
 * execution's budget (one conditional write); the call that finds it spent fails with
 * `BudgetExhausted`, which stops the flow. A stopped flow publishes
 * `stopped` and ends FAILED with the reason as its error.
 */
export class AgentGraph extends Construct {
  public readonly workflow: Workflow;
  /** One item per execution (`budgetKey`): `calls` made, `tokens` used or reserved, `maxModelCalls`, `maxTokens`, `expiresAt`. */
  public readonly budgetTable: dynamodb.Table;
  /** The token windows' table, when a model or the budget has a token rate. */
  public readonly flowControlTable?: dynamodb.ITable;
  /** The function of each model, by model name. */
  public readonly modelFunctions: ReadonlyMap<string, SwitchyardFunction>;
  /** The node ids layer by layer, as the state machine runs them. */
  public readonly layers: readonly (readonly string[])[];

  private readonly props: AgentGraphProps;
  private readonly stopHandler: sfn.IChainable;

  constructor(scope: Construct, id: string, props: AgentGraphProps) {
    super(scope, id);
    if (props.alarms === false) turnAlarmsOff(this);
    this.props = props;
    validateGraph(this, props.nodes, STOP_VARIABLE);
    validateModels(this, props);
    const layers = layersOf(props.nodes);
    this.layers = layers.map((layer) => layer.map((node) => node.id));

    this.budgetTable = new dynamodb.Table(this, 'Budget', {
      partitionKey: { name: 'budgetKey', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    if (hasTokenWindows(props.budget, Object.values(props.models))) {
      this.flowControlTable = props.flowControlTable ?? new FlowControlTable(this, 'FlowControl').table;
    }
    const modelFunctions = this.createModelFunctions(id, props);
    this.modelFunctions = modelFunctions;

    const publishStopped = this.publish('PublishStopped', props.stopped);
    publishStopped.next(
      sfn.Fail.jsonata(this, 'Stopped', { error: `{% $${STOP_VARIABLE}.reason %}`, cause: `{% $${STOP_VARIABLE}.cause %}` }),
    );
    this.stopHandler = publishStopped;

    this.workflow = new Workflow(this, 'Workflow', {
      definition: this.definition(layers, props),
      eventBus: props.eventBus,
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.hours(1),
      trigger: props.trigger,
      idempotencyStore: props.idempotencyStore,
    });
  }

  /** The function of each model: reserves each call in its budgets, then calls the model. */
  private createModelFunctions(id: string, props: AgentGraphProps): Map<string, SwitchyardFunction> {
    const modelFunctions = new Map<string, SwitchyardFunction>();
    for (const [name, model] of Object.entries(props.models)) {
      const fn = new SwitchyardFunction(this, `${name}Model`, {
        entry: props.modelCalls.entry,
        description: `Calls model ${name} (${model.modelId}) once per fan-out item, after reserving the call in its budgets`,
        serviceName: `${id}-${name}`,
        timeout: props.modelCalls.timeout ?? Duration.seconds(60),
        // A token rate replaces reserved concurrency as the model's quota: it is what the
        // provider limits, and reserving concurrency takes it from the account's pool (an
        // account with a low limit cannot reserve it at all, and the deploy fails).
        reservedConcurrentExecutions: model.tokensPerMinute === undefined ? model.maxConcurrency : undefined,
        environment: {
          ...props.modelCalls.environment,
          [ENV.agentModelName]: name,
          [ENV.agentModelId]: model.modelId,
          [ENV.modelBudgetTable]: this.budgetTable.tableName,
        },
      });
      // GetItem: a refused reservation reads which of the execution's limits refused it.
      this.budgetTable.grant(fn, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
      grantTableKey(this.budgetTable, fn);
      if (this.flowControlTable) FlowControlTable.connectTo(this.flowControlTable, fn);
      model.bedrock?.grantInvoke(fn);
      modelFunctions.set(name, fn);
    }
    return modelFunctions;
  }

  /** The layers one after another, then publish `completed` and succeed with the results of the sink nodes. */
  private definition(layers: readonly (readonly AgentNode[])[], props: AgentGraphProps): sfn.Chain {
    const layerStates = layers.map((layer, index) => this.layer(layer, index + 1));
    let chain = sfn.Chain.start(layerStates[0] as sfn.State);
    for (const state of layerStates.slice(1)) chain = chain.next(state);
    const sinks = props.nodes.filter((node) => !props.nodes.some((other) => other.dependsOn?.includes(node.id)));
    const results = sinks.map((node) => `"${node.id}": $${node.id}`).join(', ');
    return chain
      .next(this.publish('PublishCompleted', props.completed))
      .next(sfn.Succeed.jsonata(this, 'Completed', { outputs: `{% { "status": "COMPLETED", "results": { ${results} } } %}` }));
  }

  /** One layer: a single task runs as itself; several nodes (or a fan-out) run as the branches of one Parallel. */
  private layer(nodes: readonly AgentNode[], index: number): sfn.State {
    const [only] = nodes;
    if (nodes.length === 1 && only && only.kind !== 'fanOut') {
      const task = this.task(only, { [only.id]: '{% $states.result.Payload %}' });
      return this.guard(task);
    }
    const parallel = sfn.Parallel.jsonata(this, `Layer${index}`, {
      comment: `Runs ${nodes.map((n) => n.id).join(', ')} at once`,
      assign: Object.fromEntries(nodes.map((node, branch) => [node.id, `{% $states.result[${branch}] %}`])),
      outputs: '{% {} %}',
    });
    for (const node of nodes) parallel.branch(node.kind === 'fanOut' ? this.fanOut(node) : this.task(node));
    return this.guard(parallel);
  }

  /** Any error that reaches a layer stops the flow: publish `stopped`, end FAILED with it. */
  private guard<S extends sfn.TaskStateBase | sfn.Parallel>(state: S): S {
    state.addCatch(this.stopHandler, {
      errors: ['States.ALL'],
      assign: {
        [STOP_VARIABLE]: { reason: '{% $states.errorOutput.Error %}', cause: `{% ${causeMessage('$states.errorOutput.Cause')} %}` },
      },
    });
    return state;
  }

  private task(node: Extract<AgentNode, { kind: 'task' | 'reduce' }>, assign?: Record<string, string>): tasks.LambdaInvoke {
    const results = (node.dependsOn ?? []).map((dep) => `"${dep}": $${dep}`).join(', ');
    const invoke = tasks.LambdaInvoke.jsonata(this, node.id, {
      comment: node.kind === 'reduce' ? `Reduces ${(node.dependsOn ?? []).join(', ')}` : undefined,
      lambdaFunction: node.function,
      payload: sfn.TaskInput.fromText(`{% { "input": ${EXECUTION_INPUT}, "results": { ${results} } } %}`),
      retryOnServiceExceptions: false,
      outputs: '{% $states.result.Payload %}',
      assign,
    });
    invoke.addRetry(THROTTLE_RETRY);
    invoke.addRetry(this.retryProps());
    return invoke;
  }

  /**
   * A fan-out: check every item has a model, one Map per model (in one Parallel, each
   * with the model's MaxConcurrency), then the tolerated failure check on all outcomes.
   */
  private fanOut(node: Extract<AgentNode, { kind: 'fanOut' }>): sfn.IChainable {
    const items = `$${node.items.from}${node.items.path ? `.${node.items.path}` : ''}`;
    const typeOf = (v: string) => `$lookup(${v}, "${node.routeBy}")`;
    const routed = Object.keys(node.routes);
    const routedList = `[${routed.map((t) => JSON.stringify(t)).join(', ')}]`;
    const route = sfn.Choice.jsonata(this, `${node.id}Route`, { comment: `Every item of ${items} must have a model` });
    const unroutable = sfn.Fail.jsonata(this, `${node.id}Unroutable`, {
      error: ERROR_NAMES.unroutableItem,
      cause: `{% "${node.id}: the items must be an array whose ${node.routeBy} is one of ${routedList.replaceAll('"', "'")} (got " & $string(${items}) & ")" %}`,
    });
    route.when(
      sfn.Condition.jsonata(
        `{% $type(${items}) != "array" or $count($filter(${items}, function($i) { $not(${typeOf('$i')} in ${routedList}) })) > 0 %}`,
      ),
      unroutable,
    );

    const byModel = sfn.Parallel.jsonata(this, `${node.id}Models`, {
      comment: 'One Map per model, so each model has its own concurrency limit',
      outputs: '{% $reduce($states.result, $append, []) %}',
    });
    const models = [...new Set(Object.values(node.routes))];
    for (const model of models) {
      const types = Object.entries(node.routes)
        .filter(([, m]) => m === model)
        .map(([t]) => JSON.stringify(t));
      const map = sfn.Map.jsonata(this, `${node.id}On${model}`, {
        items: sfn.ProvideItems.jsonata(`{% $append([], $filter(${items}, function($i) { ${typeOf('$i')} in [${types.join(', ')}] })) %}`),
        maxConcurrency: this.props.models[model]?.maxConcurrency,
      });
      map.itemProcessor(this.modelCall(node, model));
      byModel.branch(map);
    }

    const percentage = node.toleratedFailurePercentage ?? 0;
    const failures = '$count($states.input[failed])';
    const check = sfn.Choice.jsonata(this, `${node.id}Tolerance`, {
      comment: `Stops the flow when more than ${percentage}% of the items failed`,
    });
    check.when(
      sfn.Condition.jsonata(`{% ${failures} * 100 > ${percentage} * $count($states.input) %}`),
      sfn.Fail.jsonata(this, `${node.id}TooManyFailures`, {
        error: ERROR_NAMES.tooManyFailures,
        cause: `{% "${node.id}: " & ${failures} & " of " & $count($states.input) & " items failed (tolerated: ${percentage}%); first: " & $states.input[failed][0].error & " (" & ${causeMessage('$states.input[failed][0].cause')} & ")" %}`,
      }),
    );
    check.otherwise(sfn.Pass.jsonata(this, `${node.id}Done`));
    route.otherwise(byModel.next(check));
    return route;
  }

  /** One model call, its own Task: retried when transient; a budget error ends the Map; any other failure is recorded on the item. */
  private modelCall(node: Extract<AgentNode, { kind: 'fanOut' }>, model: string): sfn.IChainable {
    const config = this.props.models[model] as AgentModel;
    const fn = this.modelFunctions.get(model) as SwitchyardFunction;
    const call = tasks.LambdaInvoke.jsonata(this, `${node.id}Call${model}`, {
      comment: `One call to ${config.modelId}`,
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromText(
        `{% { "item": $states.input, "model": "${model}", "modelId": "${config.modelId}", "attempt": $states.context.State.RetryCount + 1, "budget": ${budgetPayload(this.props.budget, config)}, "input": ${EXECUTION_INPUT} } %}`,
      ),
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(this.props.retry?.attemptTimeout ?? Duration.seconds(60)),
      outputs: '{% { "item": $states.input, "failed": false, "result": $states.result.Payload } %}',
    });
    call.addRetry(THROTTLE_RETRY);
    if (this.flowControlTable) call.addRetry(TOKEN_WAIT_RETRY);
    call.addRetry(this.retryProps(['States.Timeout']));
    call.addCatch(
      sfn.Fail.jsonata(this, `${node.id}BudgetSpent${model}`, {
        error: ERROR_NAMES.budgetExhausted,
        cause: `{% ${causeMessage('$states.input.Cause')} %}`,
      }),
      { errors: [ERROR_NAMES.budgetExhausted] },
    );
    call.addCatch(sfn.Pass.jsonata(this, `${node.id}Failed${model}`), {
      errors: ['States.ALL'],
      outputs: '{% { "item": $states.input, "failed": true, "error": $states.errorOutput.Error, "cause": $states.errorOutput.Cause } %}',
    });
    return call;
  }

  private retryProps(extra: string[] = []): sfn.RetryProps {
    const retry = this.props.retry ?? {};
    return {
      errors: [...this.props.transientErrors, ...LAMBDA_TRANSIENT_ERRORS, ...extra],
      maxAttempts: retry.maxAttempts ?? 3,
      interval: retry.interval ?? Duration.seconds(2),
      backoffRate: retry.backoffRate ?? 2,
      maxDelay: retry.maxDelay ?? Duration.seconds(30),
      jitterStrategy: sfn.JitterType.FULL,
    };
  }

  private publish(id: string, event: AgentGraphEvent): tasks.EventBridgePutEvents {
    return publishTask(this, id, this.props.eventBus, { contract: event.contract, detail: sfn.TaskInput.fromObject(event.detail) });
  }
}

function validateModels(scope: Construct, props: AgentGraphProps): void {
  const names = Object.keys(props.models);
  if (names.length === 0) invalidProp(scope, 'models must name at least one model (got none)');
  for (const [name, model] of Object.entries(props.models)) {
    if (!/^[A-Za-z][A-Za-z0-9]{0,30}$/.test(name))
      invalidProp(scope, `model names must be 1 to 31 letters and digits, starting with a letter (got ${JSON.stringify(name)})`);
    if (model.modelId.length === 0) invalidProp(scope, `model ${name}: modelId must not be empty`);
    if (model.bedrock !== undefined && model.bedrock.modelId !== model.modelId) {
      invalidProp(scope, `model ${name}: bedrock is ${model.bedrock.modelId} but modelId is ${model.modelId}: give the same id to both`);
    }
    validateRange(scope, `models.${name}.maxConcurrency`, model.maxConcurrency, 1, INLINE_MAP_MAX_CONCURRENCY);
    validateTokenRate(scope, `models.${name}`, model);
  }
  for (const node of props.nodes) {
    if (node.kind !== 'fanOut') continue;
    for (const [type, model] of Object.entries(node.routes)) {
      if (!(model in props.models))
        invalidProp(
          scope,
          `node ${node.id} routes ${JSON.stringify(type)} to model ${model}, which is not one of the models (${names.join(', ')})`,
        );
    }
  }
  validateBudget(scope, props.budget);
  const retry = props.retry ?? {};
  validateRange(scope, 'retry.maxAttempts', retry.maxAttempts, 0, 10);
  validateRange(scope, 'retry.backoffRate', retry.backoffRate, 1, 10);
  validateRange(scope, 'retry.attemptTimeout', retry.attemptTimeout?.toSeconds(), 1, 900, 'seconds');
  // The worst case of one call: every attempt times out and every delay is at its maximum.
  const attempts = (retry.maxAttempts ?? 3) + 1;
  const attemptSeconds = (retry.attemptTimeout ?? Duration.seconds(60)).toSeconds();
  const interval = (retry.interval ?? Duration.seconds(2)).toSeconds();
  const maxDelay = (retry.maxDelay ?? Duration.seconds(30)).toSeconds();
  // A call may also wait for token windows before its first attempt and between attempts.
  const tokenWait = hasTokenWindows(props.budget, Object.values(props.models)) ? tokenWaitSeconds() : 0;
  let worst = attempts * attemptSeconds + tokenWait;
  for (let i = 0; i < attempts - 1; i++) worst += Math.min(interval * (retry.backoffRate ?? 2) ** i, maxDelay);
  const total = (props.timeout ?? Duration.hours(1)).toSeconds();
  if (worst > total) {
    invalidProp(
      scope,
      `timeout (${total} s) must fit one model call's retries: ${attempts} attempts of up to ${attemptSeconds} s and their delays${tokenWait > 0 ? `, with up to ${tokenWait} s waiting for token windows,` : ''} take up to ${Math.ceil(worst)} s`,
    );
  }
}
