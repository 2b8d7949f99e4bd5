/**
 * The names the infrastructure (lib/) and the handlers (lambdas/) must agree on, in one
 * place both may import: a construct sets an environment variable that a handler reads,
 * a state machine retries an error name that a handler throws, an operator filters a
 * dead-letter queue on an attribute that the consumer kit writes. A name changed here
 * changes on both sides; a copy of one of these strings elsewhere is a bug.
 */

/** Environment variables the constructs set and the handlers read at module load. */
export const ENV = {
  /** The idempotency table (IdempotencyStore.grant sets it). */
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  /** The state machine a workflow starter starts. */
  stateMachineArn: 'STATE_MACHINE_ARN',
  /**
   * How a function is traced (TRACING_MODES): `opentelemetry` turns the kit's spans on;
   * `active` and `off` leave them off (SwitchyardFunction's `tracing` sets it).
   */
  tracing: 'SWITCHYARD_TRACING',
  /** `STANDARD` or `EXPRESS`: how the starter runs the state machine. */
  workflowType: 'WORKFLOW_TYPE',
  /** The qualified ARN (an alias) of the durable function a durable flow's starter invokes (DurableFlow). */
  durableFunctionArn: 'DURABLE_FUNCTION_ARN',
  /**
   * Set (to `1`) on a DurableFlow's function whose bundle forks (its `forks`): an execution
   * whose event carries a fork begins at its step (lambdas/kit/durable-forks.ts). What the CLI
   * checks before it forks one in AWS with a plain Invoke.
   */
  durableForks: 'SWITCHYARD_DURABLE_FORKS',
  /** The queue a consumer drains (QueueConsumer): transient failures change visibility on it. */
  queueUrl: 'SOURCE_QUEUE_URL',
  /** The consumer queue's dead-letter queue: permanent failures are sent there at once. */
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  /** The queue's maxReceiveCount: on the last receive the consumer dead-letters a failure itself, with its reason. */
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
  /** The bus a producer publishes to (WebhookIngress sets it). */
  eventBusName: 'EVENT_BUS_NAME',
  /** The Custom Event Bus (`AWS::EventsV2::EventBus`) a producer publishes to, by ARN: what `customBusPublisherFromEnv` reads. */
  customEventBusArn: 'CUSTOM_EVENT_BUS_ARN',
  /** The Secrets Manager secret (ARN or name) holding a webhook's signing secret; never the secret itself. */
  webhookSecretId: 'WEBHOOK_SECRET_ID',
  /** The provider name of a webhook route (`POST /webhooks/<provider>`): part of every event id it derives. */
  webhookProvider: 'WEBHOOK_PROVIDER',
  /** The largest webhook body accepted, in bytes. */
  webhookMaxBodyBytes: 'WEBHOOK_MAX_BODY_BYTES',
  /** How far a signed timestamp may be from now, in seconds (profiles that sign one). */
  webhookToleranceSeconds: 'WEBHOOK_TOLERANCE_SECONDS',
  /** How long after a secret rotation the previous secret is still accepted, in seconds. */
  webhookPreviousSecretGraceSeconds: 'WEBHOOK_PREVIOUS_SECRET_GRACE_SECONDS',
  /** A FileTrigger's name, stated in every FileLanded event it publishes. */
  fileTriggerName: 'FILE_TRIGGER_NAME',
  /** The entity a change-capture function names its events after (`Ticket` -> `TicketCreated`). */
  changeEntity: 'CHANGE_ENTITY',
  /** The circuit breaker table (CircuitBreaker.grantUse sets it and the circuit settings below). */
  circuitBreakerTable: 'CIRCUIT_BREAKER_TABLE_NAME',
  /** The circuit (downstream) a function's breaker guards: its item in the table. */
  circuitName: 'CIRCUIT_NAME',
  /** Failures within the window that open the circuit. */
  circuitFailureThreshold: 'CIRCUIT_FAILURE_THRESHOLD',
  /** The sliding window failures are counted in, in seconds. */
  circuitWindowSeconds: 'CIRCUIT_WINDOW_SECONDS',
  /** How long the circuit stays open before trial calls are let through, in seconds. */
  circuitOpenSeconds: 'CIRCUIT_OPEN_SECONDS',
  /** How many trial calls a half-open circuit lets through at once. */
  circuitHalfOpenTrials: 'CIRCUIT_HALF_OPEN_TRIALS',
  /**
   * `true` lets events carry failures to simulate (a demo's `simulate` field); anything else
   * refuses such an event (ERROR_NAMES.simulationRefused) before it has any effect.
   */
  allowSimulatedFailures: 'ALLOW_SIMULATED_FAILURES',
  /** A staged pipeline's side-effect ledger (StagedPipeline): one item per job and effect. */
  pipelineLedgerTable: 'PIPELINE_LEDGER_TABLE_NAME',
  /** A staged pipeline's read model (StagedPipeline): one item per job, the fold of its events. */
  pipelineReadModelTable: 'PIPELINE_READ_MODEL_TABLE_NAME',
  /** The stage a pipeline stage function runs (StagedPipeline sets it per stage). */
  pipelineStage: 'PIPELINE_STAGE',
  /**
   * What a function publishes from its own code, declared for tools that read the template
   * (`switchyard cost` follows these events): a JSON array of `{ source, detailType }`.
   * The function does not read it.
   */
  emittedEvents: 'SWITCHYARD_EMITS',
  /** The agent graph's budget table (AgentGraph): one item per execution counting its model calls. */
  modelBudgetTable: 'MODEL_BUDGET_TABLE_NAME',
  /** The model an agent graph's model-call function calls (one function per model). */
  agentModelName: 'AGENT_MODEL_NAME',
  /** That model's id (a Bedrock model id, or a local model's name). */
  agentModelId: 'AGENT_MODEL_ID',
  /** The Bedrock model id or inference profile id a function calls (BedrockModel.connect sets it). */
  modelId: 'SWITCHYARD_MODEL_ID',
  /** The flow control table (FlowControlTable.grantUse sets it): leases, rate logs, debounce marks, pauses, token budgets. */
  flowControlTable: 'FLOW_CONTROL_TABLE_NAME',
  /** A queue consumer's flow control (QueueConsumer `flowControl`): the JSON of `FlowControlSettings` (contracts/flow-control.ts). */
  flowControl: 'FLOW_CONTROL',
} as const;

/**
 * The identifier the workflow starter's bundle has replaced (esbuild `define`) by the JSON
 * of the contracts its trigger lets through (`ContractDefinition[]`): a packaged handler
 * learns the app's contracts at bundle time, with no size limit as environment variables have.
 */
export const STARTER_CONTRACTS_DEFINE = 'SWITCHYARD_STARTER_CONTRACTS';

/**
 * The keyword of a contract's schema registry document (`registrySchema`, which EventHub
 * publishes) that lists its idempotency fields: JSON Schema has no word for them, and the CLI,
 * which knows an app's contracts only from its cloud assembly, refuses an event lacking one.
 * Beside the envelope's schema, not inside `detail`'s, which validators compile.
 */
export const REGISTRY_IDEMPOTENCY_FIELDS = 'x-switchyard-idempotency-fields';

/**
 * The attribute DynamoDB's TTL reads on tables that keep bookkeeping records (ignored
 * events): epoch seconds after which the service may delete the item.
 */
export const EXPIRES_AT_ATTRIBUTE = 'expiresAt';

/** The workflow types a starter accepts in ENV.workflowType. */
export const WORKFLOW_TYPES = ['STANDARD', 'EXPRESS'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

/**
 * How a function or a workflow is traced (docs/tracing.md): `off`, X-Ray `active` tracing
 * (Lambda and Step Functions record their own segments), or `opentelemetry` (active tracing,
 * and the kit's spans exported as OTLP under the same trace).
 */
export const TRACING_MODES = ['off', 'active', 'opentelemetry'] as const;
/** One of TRACING_MODES: `off`, `active` or `opentelemetry`. */
export type TracingMode = (typeof TRACING_MODES)[number];

/**
 * The identifier SwitchyardFunction defines at bundle time (esbuild `define`) as `true` when the
 * function's tracing is `opentelemetry` and `false` otherwise: with `false` the kit's span
 * recording and export drop out of the bundle (~16 KB) as dead code. A bundle built another
 * way leaves it undefined, and the kit decides by SWITCHYARD_TRACING at run time.
 */
export const TRACING_BUNDLED_DEFINE = 'SWITCHYARD_TRACING_BUNDLED';

/** Where an OTLP/HTTP receiver takes traces (the OTLP specification's default path). */
export const OTLP_TRACES_PATH = '/v1/traces';

/**
 * Stable error names (an Error's `name`; a Lambda error's `errorType`, which Step
 * Functions Retry and Catch match). Renaming one is a breaking change.
 */
export const ERROR_NAMES = {
  config: 'ConfigError',
  invalidEvent: 'InvalidEvent',
  unknownEventType: 'UnknownEventType',
  emitFailed: 'EmitFailed',
  workflowFailed: 'WorkflowFailed',
  nonErrorThrown: 'NonErrorThrown',
  /** A circuit breaker is open (or half-open with every trial taken): the call was not made. */
  circuitOpen: 'CircuitOpen',
  /** An event asked for simulated failures where they are not allowed (ENV.allowSimulatedFailures). */
  simulationRefused: 'SimulationRefused',
  /** An agent graph execution spent its budget of model calls: the call was not made and the flow stops. */
  budgetExhausted: 'BudgetExhausted',
  /** More of a fan-out's items failed than its tolerated failure percentage: the flow stops. */
  tooManyFailures: 'TooManyFailures',
  /** A fan-out item's type has no model to route it to. */
  unroutableItem: 'UnroutableItem',
  /**
   * Another delivery of the same fact holds the claim on its effect and may still be working:
   * this one neither acts nor announces, and comes back once that claim lapses.
   */
  effectInProgress: 'EffectInProgress',
  /**
   * Keyed flow control held a record back (its key is at its concurrency or rate limit,
   * paused after a throttling answer, or debounced): not the record's fault, so it waits
   * (visibility extended) and never counts towards the dead-letter queue.
   */
  flowHeldBack: 'FlowHeldBack',
  /**
   * A model call's token reservation does not fit a token budget's window (per model or per
   * tenant, per minute or per day): the call was not made and may be tried again after the
   * error's `retryAfterMs`, when the window has passed. Waiting, not a failure of the item.
   */
  tokenLimitReached: 'TokenLimitReached',
  /** A model call asks for more tokens than a whole window of its budget holds: it can never be made. */
  tokenRequestTooLarge: 'TokenRequestTooLarge',
  /** The model service throttled the call (its cause is the service's answer, which keyed flow control pauses on). */
  modelThrottled: 'ModelThrottled',
  /** The model service failed, timed out or was not ready: another try may succeed. */
  modelUnavailable: 'ModelUnavailable',
  /** The model answered, but not as asked (no tool call where one was forced, an input its schema refuses). */
  modelOutputInvalid: 'ModelOutputInvalid',
  /** The service refused the request itself (validation, access, an unknown model): the same request fails again. */
  modelRequestInvalid: 'ModelRequestInvalid',
  /** A tool-use loop reached its step limit without a final answer. */
  modelStepLimit: 'ModelStepLimit',
  /**
   * Events of a Custom Event Bus batch failed with errors a retry may cure (and, on a FIFO
   * subscriber, the later events of their groups were held): the invocation fails, so
   * EventBridge delivers the batch again; what succeeded is skipped by its idempotency claim.
   */
  eventsFailed: 'EventsFailed',
} as const;

/**
 * Failures that the same input will meet again however often it is retried. A queue
 * consumer sends a record failing with one of these to its dead-letter queue at once
 * instead of retrying it.
 */
export const PERMANENT_ERRORS: readonly string[] = [
  ERROR_NAMES.invalidEvent,
  ERROR_NAMES.unknownEventType,
  ERROR_NAMES.modelRequestInvalid,
  ERROR_NAMES.modelStepLimit,
];

/**
 * Message attributes a consumer puts on a record it sends to its dead-letter queue,
 * saying why. SQS allows 10 attributes a message; these take 6, so at most 4 of the
 * record's own attributes travel with it.
 */
export const DEAD_LETTER_ATTRIBUTES = {
  /** The error's stable name, for example `InvalidEvent`. */
  errorName: 'Switchyard.ErrorName',
  /** The error's message (at most 1,024 characters). */
  errorMessage: 'Switchyard.ErrorMessage',
  /** The function that gave up on the record. */
  functionName: 'Switchyard.FunctionName',
  /** When it gave up (ISO-8601). */
  failedAt: 'Switchyard.FailedAt',
  /** How often the record had been received (its ApproximateReceiveCount). */
  receiveCount: 'Switchyard.ReceiveCount',
  /** The message id the record had in the consumer queue. */
  originalMessageId: 'Switchyard.OriginalMessageId',
} as const;

/** What a workflow starter passes to the executions it starts (their `$states.context.Execution.Input`). */
export interface WorkflowInput {
  /** The triggering event's detail, as validated against its contract. */
  readonly detail: Record<string, unknown>;
  readonly event: {
    readonly id: string;
    readonly source: string;
    readonly detailType: string;
    readonly time: string;
    readonly replayName?: string;
    /**
     * The fact's idempotency key (`OrderPlaced#orderId="O-1"`, `idempotencyKeyOf`): the value the
     * execution's name is a digest of, which `switchyard executions` shows as its key. Set by
     * the workflow starter; absent from the input of an execution started otherwise.
     */
    readonly idempotencyKey?: string;
  };
  readonly correlationId: string;
}

/**
 * A JSONata path into the workflow input, from inside an execution it started:
 * `workflowInput('detail', 'ticketId')` is `$states.context.Execution.Input.detail.ticketId`.
 */
export function workflowInput<K extends keyof WorkflowInput>(
  field: K,
  ...rest: WorkflowInput[K] extends Record<string, unknown> ? [keyof WorkflowInput[K] & string] | [] : []
): string {
  return ['$states.context.Execution.Input', field, ...rest].join('.');
}
