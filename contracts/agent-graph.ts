/**
 * What an agent graph (lib/constructs/agent-graph.ts) sends the functions it calls, and
 * what a fan-out's result looks like: the construct generates these payloads and the
 * handlers read them, so both import them from here.
 */

/**
 * What a model function gets for one item of a fan-out: the item, which model, the
 * attempt (1 for the first), the budget to spend before calling, and the execution input.
 */
export interface AgentModelCallRequest<Item = Record<string, unknown>> {
  readonly item: Item;
  /** The model's name in the graph, and its id. */
  readonly model: string;
  readonly modelId: string;
  /** 1 for the first attempt, 2 for the first retry... */
  readonly attempt: number;
  /** The budgets to take the call from before making it (see AgentCallBudget). */
  readonly budget: AgentCallBudget;
  /** The execution's input. */
  readonly input: unknown;
}

/** Tokens per minute and, optionally, per day (UTC days). */
export interface AgentTokenLimits {
  readonly perMinute: number;
  readonly perDay?: number;
}

/**
 * What a model call draws on: the execution's budget (its item is `key`, the execution id),
 * in calls, in tokens or both, and the token windows of its model and of its tenant, shared
 * by every execution. A field that is absent is not limited.
 */
export interface AgentCallBudget {
  readonly key: string;
  /**
   * Model calls (each attempt counts) the execution may make.
   * @deprecated Budgets count tokens now (`maxTokens`); kept while graphs declare `budget.maxModelCalls`.
   */
  readonly maxModelCalls?: number;
  /** Tokens the execution's model calls may use: each reserves its estimate and settles to the usage reported. */
  readonly maxTokens?: number;
  /** The model's tokens per minute (and day) across every execution. */
  readonly modelTokens?: AgentTokenLimits;
  /** The tenant's tokens per minute (and day) across every execution; `key` names the tenant. */
  readonly tenantTokens?: AgentTokenLimits & { readonly key: string };
}

/** What a task or reduce function gets: the execution input and the results of the nodes it depends on, by node id. */
export interface AgentTaskRequest<Results = Record<string, unknown>> {
  readonly input: unknown;
  readonly results: Results;
}

/** One item's outcome in a fan-out's result: the item, and the model's answer or the error it failed with. */
export type AgentItemOutcome<Item = Record<string, unknown>, Result = unknown> =
  | { readonly item: Item; readonly failed: false; readonly result: Result }
  | { readonly item: Item; readonly failed: true; readonly error: string; readonly cause: string };
