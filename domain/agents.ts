import { type Detail, defineContract, type Static } from 'switchyard-cdk/contracts';
// TypeBox's builders as a namespace import rather than switchyard-cdk/contracts' `Type` object: a
// handler bundle then keeps only the builders called here, not all of TypeBox (see domain/index.ts).
import * as Type from 'typebox';

/**
 * The kinds of sub-task the research planner produces; the agent graph routes each kind
 * to its own model (`search` to a small fast one, `summarise` to a larger one).
 */
export const RESEARCH_TASK_TYPES = ['search', 'summarise'] as const;
export type ResearchTaskType = (typeof RESEARCH_TASK_TYPES)[number];

/**
 * A failure to simulate on one sub-task, for tests and demos: its model call fails
 * `times` times (default: every time) with a transient error (retried) or a permanent one
 * (the sub-task fails and counts against the tolerated failure percentage).
 */
export const ResearchSimulationSchema = Type.Object(
  {
    /** The sub-task's id: `t1`..`tN` for the topics, `summary` for the summary. */
    subTask: Type.String({ minLength: 1, maxLength: 16 }),
    failure: Type.Union([Type.Literal('transient'), Type.Literal('permanent')]),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type ResearchSimulation = Static<typeof ResearchSimulationSchema>;

/** Someone asked a research question: starts one research flow per requestId. */
export const ResearchRequested = defineContract({
  detailType: 'ResearchRequested',
  source: 'switchyard.research',
  description: 'A research question to plan, research topic by topic with models, and summarise into one report.',
  properties: {
    requestId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    question: Type.String({ minLength: 1, maxLength: 2_000 }),
    /** One `search` sub-task per topic; the planner adds one `summarise` sub-task for the question. */
    topics: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 20 }),
    /** Lowers the flow's budget of model calls for this request (never raises it). */
    maxModelCalls: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** Failures to simulate (tests, demos). */
    simulate: Type.Optional(Type.Array(ResearchSimulationSchema, { maxItems: 21 })),
  },
  // One request is one research flow, however often it is sent.
  idempotencyFields: ['requestId'],
});
export type ResearchRequested = Detail<typeof ResearchRequested>;

/** The report of a research request (some sub-tasks may have failed within the tolerance). */
export const ResearchCompleted = defineContract({
  detailType: 'ResearchCompleted',
  source: 'switchyard.research',
  description: 'A research request was answered: the report, and how many sub-tasks and model calls it took.',
  properties: {
    requestId: Type.String({ minLength: 1, maxLength: 64 }),
    report: Type.String({ maxLength: 100_000 }),
    subTasks: Type.Integer({ minimum: 0 }),
    /** Sub-tasks whose model call failed for good (within the tolerated percentage). */
    failedSubTasks: Type.Integer({ minimum: 0 }),
  },
  idempotencyFields: ['requestId'],
});
export type ResearchCompleted = Detail<typeof ResearchCompleted>;

/** A research flow stopped before its report: the budget was spent, too many sub-tasks failed, or a step failed. */
export const ResearchStopped = defineContract({
  detailType: 'ResearchStopped',
  source: 'switchyard.research',
  description:
    'A research request was stopped without a report: `reason` is the error name (BudgetExhausted, TooManyFailures, or the failing step error).',
  properties: {
    requestId: Type.String({ minLength: 1, maxLength: 64 }),
    reason: Type.String({ minLength: 1, maxLength: 256 }),
    cause: Type.String({ maxLength: 32_768 }),
  },
  idempotencyFields: ['requestId'],
});
export type ResearchStopped = Detail<typeof ResearchStopped>;

/** Error names of the research flow's model calls (besides the model errors in ERROR_NAMES). */
export const RESEARCH_ERRORS = {
  /** The model refused the sub-task (a permanent failure: not retried, counted against the tolerance). */
  modelRejected: 'ModelRejected',
} as const;

/** One sub-task of a research request, as the planner produces it and a model call gets it. */
export interface ResearchSubTask {
  /** `t1`..`tN` for the topics, `summary` for the question as a whole. */
  readonly id: string;
  readonly type: ResearchTaskType;
  readonly prompt: string;
  readonly simulate?: ResearchSimulation;
}
