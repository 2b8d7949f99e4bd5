import * as path from 'node:path';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { AgentGraphProps, AgentNode, IdempotencyStore } from 'switchyard-cdk/constructs';
import { AgentGraph, BedrockModel, SwitchyardEncryption, SwitchyardFunction } from 'switchyard-cdk/constructs';
import { ENV, RETRYABLE_MODEL_ERRORS, ResearchCompleted, ResearchRequested, ResearchStopped, workflowInput } from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';

const HANDLERS = path.join(import.meta.dirname, '../../lambdas/agents');
/** The research models: a small fast one for searches, Claude through the US cross-region profile for summaries. */
const FAST = BedrockModel.fromModelId('amazon.nova-micro-v1:0');
const LARGE = BedrockModel.fromModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0');

export interface ResearchAgentsProps {
  /** The hub: ResearchRequested arrives on it, ResearchCompleted and ResearchStopped leave on it. */
  readonly eventBus: events.IEventBus;
  /** Where the flow's starter claims each ResearchRequested. */
  readonly idempotencyStore: IdempotencyStore;
  /**
   * Model calls one request may make (retries included); a request may ask for fewer
   * (its `maxModelCalls`).
   * @default 20
   */
  readonly maxModelCalls?: number;
  /**
   * Tokens one request's model calls may use (each reserves its estimate, then settles to
   * what the model reported).
   * @default 20,000
   */
  readonly maxTokens?: number;
  /**
   * Where the models' tokens per minute are counted; pass the app's one table so that every
   * flow calling a model counts against the same limit.
   * @default - a table of the graph's own
   */
  readonly flowControlTable?: dynamodb.ITable;
  /**
   * Whether a request may carry `simulate` (model failures to act out, for demos and tests).
   * @default false - the planner refuses such a request (SimulationRefused): the flow stops before any model call
   */
  readonly allowSimulatedFailures?: boolean;
  /**
   * What happens to the ledger when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const requestId = `{% ${workflowInput('detail')}.requestId %}`;
const metadata = { correlationId: `{% ${workflowInput('correlationId')} %}`, causationId: `{% ${workflowInput('event')}.id %}` };

/** The events the flow ends with: ResearchCompleted with the report, or ResearchStopped with why. */
const OUTCOMES: Pick<AgentGraphProps, 'completed' | 'stopped'> = {
  completed: {
    contract: ResearchCompleted,
    detail: {
      requestId,
      report: '{% $report.report %}',
      subTasks: '{% $report.subTasks %}',
      failedSubTasks: '{% $report.failedSubTasks %}',
      metadata,
    },
  },
  stopped: {
    contract: ResearchStopped,
    detail: { requestId, reason: '{% $stopped.reason %}', cause: '{% $stopped.cause %}', metadata },
  },
};

/**
 * The research agents: ResearchRequested starts one STANDARD execution per request. A
 * planner splits the question into sub-tasks; the sub-tasks fan out, `search` to a
 * small fast model and `summarise` to a larger one, while an outline is drawn beside
 * them; a reducer writes the report (ResearchCompleted). Each model call reserves its
 * estimated tokens in its model's tokens per minute and day (waiting for the next window
 * when they are full) and in the request's budget of tokens and calls; a spent budget and
 * too many failed sub-tasks stop the flow cleanly (ResearchStopped).
 * Every model call is written to the ledger where it happens.
 */
export class ResearchAgents extends Construct {
  /** One item per model call: `requestId`, `call` (`<subTask>#<attempt>`), `calls` (1 unless called twice), model, outcome, tokens. */
  public readonly ledger: dynamodb.Table;
  public readonly graph: AgentGraph;

  constructor(scope: Construct, id: string, props: ResearchAgentsProps) {
    super(scope, id);
    this.ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'requestId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'call', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Before the graph, as its nodes' functions always were: the order of the stack's resources stays as it is.
    const nodes = this.nodes(props);
    this.graph = new AgentGraph(this, 'Graph', {
      eventBus: props.eventBus,
      idempotencyStore: props.idempotencyStore,
      trigger: {
        description: 'ResearchRequested starts one research flow per request',
        eventPattern: { source: [ResearchRequested.source], detailType: [ResearchRequested.detailType] },
        contracts: [ResearchRequested],
      },
      ...modelLimits(props),
      modelCalls: {
        entry: path.join(HANDLERS, 'model-call.ts'),
        timeout: Duration.seconds(30),
        environment: { [APP_ENV.researchLedgerTable]: this.ledger.tableName },
      },
      timeout: Duration.minutes(30),
      nodes,
      ...OUTCOMES,
    });
    // GetItem: an attempt run twice is answered from the ledger instead of calling the model again.
    for (const fn of this.graph.modelFunctions.values()) this.ledger.grant(fn, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
  }

  /** Plan, then `research` (the sub-tasks fanned out to the models) beside `outline`, then `report`. */
  private nodes(props: ResearchAgentsProps): readonly AgentNode[] {
    const step = (name: string, description: string, environment?: Record<string, string>) =>
      new SwitchyardFunction(this, name, {
        entry: path.join(HANDLERS, `${name.toLowerCase()}.ts`),
        description,
        serviceName: 'research-agents',
        timeout: Duration.seconds(10),
        environment,
      });
    return [
      {
        id: 'plan',
        kind: 'task',
        function: step('Plan', 'Research planner: splits a request into sub-tasks', {
          [ENV.allowSimulatedFailures]: String(props.allowSimulatedFailures ?? false),
        }),
      },
      {
        id: 'research',
        kind: 'fanOut',
        dependsOn: ['plan'],
        items: { from: 'plan', path: 'subTasks' },
        routeBy: 'type',
        routes: { search: 'Fast', summarise: 'Large' },
        toleratedFailurePercentage: 25,
      },
      {
        id: 'outline',
        kind: 'task',
        dependsOn: ['plan'],
        function: step('Outline', "Research outline: the report's sections, from the plan"),
      },
      {
        id: 'report',
        kind: 'reduce',
        dependsOn: ['plan', 'outline', 'research'],
        function: step('Report', "Research reducer: combines the sub-tasks' answers into one report"),
      },
    ];
  }
}

/** What bounds the model calls: each model's quotas, the request's budget, and the retries of a failed call. */
function modelLimits(
  props: ResearchAgentsProps,
): Pick<AgentGraphProps, 'models' | 'flowControlTable' | 'budget' | 'transientErrors' | 'retry'> {
  return {
    // Each model's quota is its tokens per minute and per day across every request, as a
    // provider counts them: a burst of requests waits for the next minute instead of
    // failing, and no function reserves concurrency from the account.
    // Bedrock models (the local Bedrock answers them under switchyard dev): each model's
    // function is granted exactly bedrock:InvokeModel on its model (BedrockModel).
    models: {
      Fast: { modelId: FAST.modelId, bedrock: FAST, maxConcurrency: 4, tokensPerMinute: 20_000, tokensPerDay: 2_000_000 },
      Large: { modelId: LARGE.modelId, bedrock: LARGE, maxConcurrency: 2, tokensPerMinute: 8_000, tokensPerDay: 500_000 },
    },
    flowControlTable: props.flowControlTable,
    // Tokens are the budget; the calls limit stays because ResearchRequested lets a request lower it.
    budget: {
      maxTokens: props.maxTokens ?? 20_000,
      maxModelCalls: props.maxModelCalls ?? 20,
      perExecution: `${workflowInput('detail')}.maxModelCalls`,
    },
    transientErrors: RETRYABLE_MODEL_ERRORS,
    retry: {
      maxAttempts: 3,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxDelay: Duration.seconds(10),
      attemptTimeout: Duration.seconds(30),
    },
  };
}
