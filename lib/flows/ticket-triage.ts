import * as path from 'node:path';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AgentTokenRate, CircuitBreaker, IdempotencyStore } from 'switchyard-cdk/constructs';
import {
  type EscalationCondition,
  EscalationPolicy,
  type EscalationStep,
  invalidProp,
  jsonataObject,
  PUT_EVENTS_RETRY,
  SwitchyardFunction,
  type TableOutbox,
  validateRange,
  Workflow,
} from 'switchyard-cdk/constructs';
import {
  ENV,
  ERROR_NAMES,
  EscalationDecisionSchema,
  RETRYABLE_MODEL_ERRORS,
  TICKET_QUEUES,
  TicketCreated,
  TicketDecisionRefused,
  TicketEscalated,
  type TicketQueue,
  TicketRouted,
  workflowInput,
} from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';
import { AnnounceOnce, announcementTable } from './announce-once.js';
import { decisionProblems } from './decision-problems.js';
import { failOnFullTokenWindow, type TriageModelTokens, triageModelTokens } from './triage-model-tokens.js';

const TRIAGE_HANDLERS = path.join(import.meta.dirname, '../../lambdas/triage');
/**
 * The classify step has one entry per model adapter, and the function bundles only the one
 * configured: the Bedrock client (~90 KB of minified bundle, all evaluated at cold start) is
 * never called by a function on the local model, and the local model (a 186 KB file) is
 * never read by a function on Bedrock.
 */
const CLASSIFY_ENTRY = {
  local: path.join(TRIAGE_HANDLERS, 'classify-local.ts'),
  bedrock: path.join(TRIAGE_HANDLERS, 'classify-bedrock.ts'),
} as const;
/** The local model, shipped beside the bundle rather than in it (lambdas/triage/local-model/index.ts reads it). */
const LOCAL_MODEL_FILE = path.join(TRIAGE_HANDLERS, 'local-model', 'model.json');
/** What TicketRouted and the escalation carry of the TicketCreated that started triage. */
const TICKET_METADATA = {
  correlationId: `{% ${workflowInput('correlationId')} %}`,
  causationId: `{% ${workflowInput('event', 'id')} %}`,
};
/** The escalation execution's input, written by the Escalate state below. */
const ESCALATION_INPUT = '$states.context.Execution.Input';
/** The escalation's events carry the ticket's correlation and causation, from the escalation's input. */
const ESCALATION_METADATA = {
  correlationId: `{% ${ESCALATION_INPUT}.correlationId %}`,
  causationId: `{% ${ESCALATION_INPUT}.causationId %}`,
};
/**
 * Lambda's own transient errors. LambdaInvoke's default retry for them (6 attempts,
 * 2 s doubling: up to 2 minutes) does not fit the triage budget; they get its one retry.
 */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * The triage flow's time budget. A crashed delivery of a TicketCreated comes back after
 * the starter queue's visibility timeout, which is six times the starter's timeout (see
 * QueueConsumer), which is the Express execution's timeout plus the starter's overhead:
 * 15 s + 3 s = 18 s, so 108 s. Everything the execution does must fit in its 15 s:
 * - one classification takes milliseconds with the local model and one to a few seconds
 *   on Bedrock (a short prompt, at most 200 output tokens), so an attempt gets 6 s;
 * - a transient model or Lambda error (throttled, unavailable) is retried once after up to 1 s;
 *   a model that is still failing, or slower than that, escalates the ticket to a person;
 * - routing is one conditional DynamoDB write (milliseconds), whose outbox sends TicketRouted;
 *   escalating is one StartExecution call.
 * Worst case 6 + 1 + 6 s, plus the last calls: within 15 s.
 */
export const TRIAGE_TIMEOUTS = {
  classifyAttempt: Duration.seconds(6),
  execution: Duration.seconds(15),
} as const;

/**
 * How long a ticket's routing announcement is kept: as long as a delivery of its
 * TicketCreated may come back to start triage again (the starter queue and its dead-letter
 * queue keep a message 14 days; a redrive comes from there).
 */
const ROUTING_KEPT = Duration.days(14);

/** Builds a PutEvents state that publishes TicketRouted with the given detail and metadata (the escalation's decision). */
type RoutedStateFactory = (
  stateId: string,
  detail: Record<string, unknown>,
  metadata: { readonly correlationId: string; readonly causationId: string },
) => sfn.TaskStateBase;

export interface TicketTriageProps {
  /** The hub bus: TicketCreated arrives on it, TicketEscalated and TicketRouted leave on it. */
  readonly eventBus: events.IEventBus;
  /** Where the triage starter claims each TicketCreated. */
  readonly idempotencyStore: IdempotencyStore;
  /**
   * Confidence at or above which the model's queue is used without a person (0 to 1).
   * @default 0.7
   */
  readonly confidenceThreshold?: number;
  /**
   * How long the first reviewer has to decide an escalated ticket (1 second to 1 year); they
   * are reminded after three quarters of it, and then the second step of the chain (the
   * support lead) has as long again. Ignored when `escalationChain` is given.
   * @default Duration.hours(4)
   */
  readonly escalationSla?: Duration;
  /**
   * Who may decide on the second step (the support lead); anyone if not given.
   * @default - anyone
   */
  readonly escalationLeads?: readonly string[];
  /**
   * The whole escalation chain, instead of the one `escalationSla` and `escalationLeads` describe.
   * @default - triage (anyone, escalationSla, reminder at 3/4) then support-lead (escalationLeads, escalationSla)
   */
  readonly escalationChain?: readonly EscalationStep[];
  /**
   * Queue used when the last step's SLA passes with no decision.
   * @default - the model's suggested queue (its best guess beats no routing)
   */
  readonly slaDefaultQueue?: TicketQueue;
  /**
   * Queue for a rejected suggestion with no queue named, and the suggestion when the model failed.
   * @default 'technical'
   */
  readonly fallbackQueue?: TicketQueue;
  /**
   * A Bedrock model or inference profile id (for example `eu.anthropic.claude-haiku-4-5-20251001-v1:0`)
   * to classify with through the Converse API.
   * @default - the local model, shipped in the function's asset (no Bedrock access needed)
   */
  readonly bedrockModelId?: string;
  /**
   * A breaker on the model, shared by every execution: while it is open, Classify fails
   * fast with CircuitOpen and the ticket goes to a person (the ModelFailed path).
   * @default - no breaker: every execution calls the model
   */
  readonly modelCircuit?: CircuitBreaker;
  /**
   * Whether a ticket's `simulate` (model failures, for tests and demos) is acted out; when
   * not, a ticket that asks for one is refused at its classify step and goes to a person.
   * @default false
   */
  readonly allowSimulatedFailures?: boolean;
  /**
   * The classify model's token budget across every execution: each classification reserves
   * its estimate in the model's windows and settles to the usage the model reports. A full
   * window holds tickets back at the starter until it has room (they are neither failed nor
   * sent to a person); size it to the account's quota for the model. `false`: no budget.
   * @default { tokensPerMinute: 200_000 }
   */
  readonly modelTokens?: AgentTokenRate | false;
}

/** TicketTriage's default `modelTokens`. */
export const TRIAGE_MODEL_TOKENS: AgentTokenRate = { tokensPerMinute: 200_000 };

/** The props' defaults, validated (a bad value is reported on `scope`, as invalidProp and validateRange do). */
function resolveProps(
  scope: Construct,
  props: TicketTriageProps,
): { threshold: number; sla: Duration; fallbackQueue: TicketQueue; modelId: string | undefined } {
  const threshold = props.confidenceThreshold ?? 0.7;
  validateRange(scope, 'confidenceThreshold', threshold, 0, 1);
  const sla = props.escalationSla ?? Duration.hours(4);
  validateRange(scope, 'escalationSla', sla.toMilliseconds() / 1000, 1, 31_536_000, 'seconds');
  const fallbackQueue = props.fallbackQueue ?? 'technical';
  for (const [prop, queue] of [
    ['fallbackQueue', fallbackQueue],
    ['slaDefaultQueue', props.slaDefaultQueue],
  ] as const) {
    if (queue !== undefined && !(TICKET_QUEUES as readonly string[]).includes(queue)) {
      invalidProp(scope, `${prop} must be one of ${TICKET_QUEUES.join(', ')} (got ${JSON.stringify(queue)})`);
    }
  }
  const modelId = props.bedrockModelId;
  if (modelId !== undefined && !Token.isUnresolved(modelId) && !/^[\w.:-]{1,256}$/.test(modelId)) {
    invalidProp(scope, `bedrockModelId must be a Bedrock model or inference profile id (got ${JSON.stringify(modelId)})`);
  }
  return { threshold, sla, fallbackQueue, modelId };
}

/** The RoutedStateFactory of `scope`'s flow: its PutEvents states put TicketRouted on `eventBus`. */
function routedStateFactory(scope: Construct, eventBus: events.IEventBus): RoutedStateFactory {
  return (stateId, detail, metadata) =>
    tasks.EventBridgePutEvents.jsonata(scope, stateId, {
      entries: [
        {
          eventBus,
          source: TicketRouted.source,
          detailType: TicketRouted.detailType,
          // One JSONata object expression rather than a field per expression: Step Functions
          // fails a field whose expression yields nothing (States.QueryEvaluationError), while
          // an object constructor just leaves the key out (`reviewer` when nobody is named).
          detail: sfn.TaskInput.fromText(jsonataObject({ ...detail, metadata })),
        },
      ],
    }).addRetry(PUT_EVENTS_RETRY);
}

/**
 * Support ticket triage. TicketCreated starts a short EXPRESS execution (classify, then
 * route if the model is confident); only tickets that need a person start a STANDARD
 * execution, which waits on a task token for the decision or the SLA. The hot path
 * thus costs an Express request, and per-transition Standard billing is paid only by
 * the tickets that wait.
 */
export class TicketTriage extends Construct {
  public readonly classifier: SwitchyardFunction;
  /** Classify and route: EXPRESS, started synchronously once per ticket. */
  public readonly triage: Workflow;
  /** Wait for a person or the SLA: STANDARD, started by `triage` for unsure tickets. */
  public readonly escalation: Workflow;
  /** When a ticket needs a person, who is asked for how long, and what happens when nobody answers. */
  public readonly policy: EscalationPolicy;
  /**
   * One item per ticket the model routed, written with its TicketRouted in one conditional
   * write; `routingOutbox` puts the event on the hub. Triage never calls PutEvents for it.
   */
  public readonly routings: dynamodb.Table;
  /** The pipe that publishes the TicketRouted each routing item carries. */
  public readonly routingOutbox: TableOutbox;
  /** The write that makes the model's TicketRouted go out once per ticket, however often triage runs for it. */
  readonly #routedOnce: AnnounceOnce;
  /** The model's token budget, unless `modelTokens` is false. */
  readonly #modelTokens?: TriageModelTokens;

  constructor(scope: Construct, id: string, props: TicketTriageProps) {
    super(scope, id);
    const { threshold, sla, fallbackQueue, modelId } = resolveProps(this, props);

    this.classifier = this.createClassifier(props, modelId);
    if (modelId) this.grantBedrock(modelId);
    props.modelCircuit?.connect(this.classifier);
    if (props.modelTokens !== false) {
      this.#modelTokens = triageModelTokens(this, this.classifier, props.modelTokens ?? TRIAGE_MODEL_TOKENS, modelId ?? 'local');
    }

    this.policy = this.createPolicy(props, threshold, sla);

    this.escalation = new Workflow(this, 'Escalation', {
      eventBus: props.eventBus,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definition: this.escalationDefinition(routedStateFactory(this, props.eventBus)),
      // Refused answers are asked again and the SLA can be a year; the SLA bounds the wait, not this.
    });

    ({ table: this.routings, outbox: this.routingOutbox } = announcementTable(this, 'Routings', 'RoutingOutbox', props.eventBus));
    this.#routedOnce = this.routedOnce(this.routings);
    this.triage = new Workflow(this, 'Triage', {
      eventBus: props.eventBus,
      stateMachineType: sfn.StateMachineType.EXPRESS,
      timeout: TRIAGE_TIMEOUTS.execution,
      idempotencyStore: props.idempotencyStore,
      trigger: {
        description: 'TicketCreated starts one triage execution per ticket',
        eventPattern: { source: [TicketCreated.source], detailType: [TicketCreated.detailType] },
        contracts: [TicketCreated],
        // A fair queue with a tenant per customer: one customer's burst does not delay the others' tickets.
        fairBy: '$.detail.customerId',
        ...(this.#modelTokens ? { flowControl: this.#modelTokens.starterFlowControl } : {}),
      },
      definition: this.triageDefinition(fallbackQueue, props.slaDefaultQueue),
    });
    this.#routedOnce.grantKey(this.triage.stateMachine);
  }

  /** The classify function, bundled with the one model adapter configured (see CLASSIFY_ENTRY). */
  private createClassifier(props: TicketTriageProps, modelId: string | undefined): SwitchyardFunction {
    return new SwitchyardFunction(this, 'Classify', {
      entry: modelId ? CLASSIFY_ENTRY.bedrock : CLASSIFY_ENTRY.local,
      description: 'Classifies a support ticket into a queue with a confidence',
      serviceName: 'ticket-triage',
      timeout: TRIAGE_TIMEOUTS.classifyAttempt,
      environment: {
        ...(modelId ? { [APP_ENV.bedrockModelId]: modelId } : {}),
        [ENV.allowSimulatedFailures]: String(props.allowSimulatedFailures ?? false),
      },
      assetFiles: modelId ? undefined : { 'model.json': LOCAL_MODEL_FILE },
    });
  }

  /** Who is asked about an unsure ticket, for how long, and what they are shown and may answer. */
  private createPolicy(props: TicketTriageProps, threshold: number, sla: Duration): EscalationPolicy {
    const remindAfter = Math.floor((sla.toMilliseconds() * 3) / 4000);
    const conditions: EscalationCondition[] = [
      { kind: 'confidence-below', threshold },
      { kind: 'step-failed' },
      // A classifier may flag a contradiction in its own answer (the bundled local model never does).
      { kind: 'flag', field: 'contradiction' },
    ];
    return new EscalationPolicy(this, 'EscalationPolicy', {
      policyName: 'ticket-triage',
      eventBus: props.eventBus,
      conditions,
      chain: props.escalationChain ?? [
        { name: 'triage', sla, remindAfter: remindAfter >= 1 ? Duration.seconds(remindAfter) : undefined },
        { name: 'support-lead', reviewers: props.escalationLeads, sla },
      ],
      subjectId: `{% ${ESCALATION_INPUT}.ticketId %}`,
      ask: {
        contract: TicketEscalated,
        subjectField: 'ticketId',
        detail: {
          subject: `{% ${ESCALATION_INPUT}.subject %}`,
          suggestedQueue: `{% ${ESCALATION_INPUT}.suggestedQueue %}`,
          confidence: `{% ${ESCALATION_INPUT}.confidence %}`,
          defaultQueue: `{% ${ESCALATION_INPUT}.defaultQueue %}`,
          triggers: `{% ${ESCALATION_INPUT}.triggers %}`,
        },
      },
      refusedContract: TicketDecisionRefused,
      decisionProblems: decisionProblems(),
      // What the CLI and the console show of an ask and check an answer against.
      review: {
        decisionSchema: EscalationDecisionSchema,
        summary: [
          { field: 'suggestedQueue', label: 'suggested' },
          { field: 'confidence', label: 'confidence' },
        ],
      },
      defaultAction: 'route the ticket to its default queue (decidedBy sla-default)',
      metadata: ESCALATION_METADATA,
    });
  }

  /**
   * The model's routing, announced once: triage is EXPRESS, at least once by AWS's
   * definition, and its starter starts it again when it did not hear back (its own deadline,
   * a crash), so the flow writes TicketRouted to its routing table in one conditional write
   * and the table's outbox sends it. The escalation path publishes itself: Escalate's
   * execution name is the ticket's, and the STANDARD escalation runs once.
   */
  private routedOnce(routings: dynamodb.ITable): AnnounceOnce {
    const ticketId = `${workflowInput('detail')}.ticketId`;
    const routing = {
      ticketId: `{% ${ticketId} %}`,
      queue: '{% $states.input.queue %}',
      decidedBy: 'model',
      confidence: '{% $states.input.confidence %}',
      model: '{% $states.input.model %}',
    };
    return new AnnounceOnce(this, {
      table: routings,
      name: 'Routing',
      key: `'${TicketRouted.detailType}#' & ${ticketId}`,
      keepFor: ROUTING_KEPT,
      contract: TicketRouted,
      detail: { ...routing, metadata: TICKET_METADATA },
      // The execution's output: what was announced, and the same for a run that finds it announced.
      output: routing,
    });
  }

  private triageDefinition(fallbackQueue: TicketQueue, slaDefaultQueue: TicketQueue | undefined): sfn.IChainable {
    const classify = tasks.LambdaInvoke.jsonata(this, 'ClassifyTicket', {
      lambdaFunction: this.classifier,
      payload: sfn.TaskInput.fromObject({
        ticketId: `{% ${workflowInput('detail')}.ticketId %}`,
        subject: `{% ${workflowInput('detail')}.subject %}`,
        body: `{% ${workflowInput('detail')}.body %}`,
        // Empty when the ticket simulates nothing: a field whose expression yields nothing fails the state.
        simulate: `{% $exists(${workflowInput('detail')}.simulate) ? ${workflowInput('detail')}.simulate : [] %}`,
        retryCount: '{% $states.context.State.RetryCount %}',
      }),
      outputs: '{% $states.result.Payload %}',
      retryOnServiceExceptions: false,
    });
    classify.addRetry({
      errors: [...RETRYABLE_MODEL_ERRORS, ...LAMBDA_TRANSIENT_ERRORS],
      interval: Duration.seconds(1),
      maxAttempts: 1,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // A model that keeps failing must not lose the ticket: a person gets it instead.
    const modelFailed = sfn.Pass.jsonata(this, 'ModelFailed', {
      // `failure` is what the policy's step-failed condition looks for (the input here is the caught error).
      outputs: {
        queue: fallbackQueue,
        confidence: 0,
        model: 'none',
        failure: { step: 'ClassifyTicket', error: '{% $states.input.Error %}' },
      },
    });
    // An open circuit is not retried (it fails fast by design): the ticket goes straight to a person.
    classify.addCatch(modelFailed, { errors: [ERROR_NAMES.circuitOpen] });
    // A full token window is no fault of the model: the execution fails with it and the starter holds the ticket back.
    if (this.#modelTokens) failOnFullTokenWindow(this, classify);
    classify.addCatch(modelFailed, { errors: ['States.ALL'] });

    const escalate = tasks.StepFunctionsStartExecution.jsonata(this, 'Escalate', {
      stateMachine: this.escalation.stateMachine,
      // The triage execution's name is derived from the ticket, so this is too: one escalation per ticket.
      name: '{% $states.context.Execution.Name %}',
      input: sfn.TaskInput.fromObject({
        ticketId: `{% ${workflowInput('detail')}.ticketId %}`,
        subject: `{% ${workflowInput('detail')}.subject %}`,
        suggestedQueue: '{% $states.input.queue %}',
        confidence: '{% $states.input.confidence %}',
        model: '{% $states.input.model %}',
        defaultQueue: slaDefaultQueue ?? '{% $states.input.queue %}',
        fallbackQueue,
        triggers: `{% ${this.policy.triggers()} %}`,
        ...TICKET_METADATA,
      }),
    });
    escalate.addCatch(sfn.Succeed.jsonata(this, 'AlreadyEscalated'), { errors: ['StepFunctions.ExecutionAlreadyExistsException'] });
    // The policy decides whether a person is needed: low confidence, a failed step or a flag.
    const needsPerson = sfn.Choice.jsonata(this, 'NeedsPerson').when(this.policy.escalates(), escalate).otherwise(this.#routedOnce.start);
    modelFailed.next(needsPerson);
    return classify.next(needsPerson);
  }

  private escalationDefinition(routed: RoutedStateFactory): sfn.IChainable {
    const input = ESCALATION_INPUT;
    const slaExpired = sfn.Pass.jsonata(this, 'SlaExpired', {
      outputs: { queue: `{% ${input}.defaultQueue %}`, decidedBy: 'sla-default' },
    });
    const applyDecision = sfn.Pass.jsonata(this, 'ApplyDecision', {
      // A reviewer is optional in the decision, so the output is built as one object expression.
      outputs: jsonataObject({
        queue: `{% $exists($states.input.queue) ? $states.input.queue : ($states.input.decision = 'approve' ? ${input}.suggestedQueue : ${input}.fallbackQueue) %}`,
        decidedBy: 'human',
        reviewer: '{% $states.input.reviewer %}',
        reason: '{% $states.input.reason %}',
      }),
    });
    const routeDecision = routed(
      'RouteDecision',
      {
        ticketId: `{% ${input}.ticketId %}`,
        queue: '{% $states.input.queue %}',
        decidedBy: '{% $states.input.decidedBy %}',
        confidence: `{% ${input}.confidence %}`,
        model: `{% ${input}.model %}`,
        reviewer: '{% $states.input.reviewer %}',
        reason: '{% $states.input.reason %}',
      },
      ESCALATION_METADATA,
    );
    slaExpired.next(routeDecision);
    applyDecision.next(routeDecision);
    return this.policy.definition({ decided: applyDecision, defaulted: slaExpired });
  }

  private grantBedrock(modelId: string): void {
    const stack = Stack.of(this);
    // An inference profile id (eu./us./global. prefix) routes to the base model in several regions.
    const baseModel = modelId.replace(/^(us|eu|apac|us-gov|global)\./, '');
    this.classifier.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: [
          `arn:${stack.partition}:bedrock:*::foundation-model/${baseModel}`,
          stack.formatArn({
            service: 'bedrock',
            resource: 'inference-profile',
            resourceName: modelId,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    // On the role, which holds the policy (SwitchyardFunction makes it beside the function, not
    // inside), and with the partition as the template has it: a Ref in an environment-agnostic
    // stack, the literal one (aws) when the stack's region is known, as every stage of the app's is.
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    Validations.of(this.classifier.role ?? this.classifier).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:bedrock:*::foundation-model/${baseModel}]`,
      reason: 'Cross-region inference profiles invoke the base model in whichever region serves the request.',
    });
  }
}

export { jsonataObject } from 'switchyard-cdk/constructs';
