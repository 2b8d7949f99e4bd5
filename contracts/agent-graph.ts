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
  /** The execution's budget: `key` is the execution id. */
  readonly budget: { readonly key: string; readonly maxModelCalls: number };
  /** The execution's input. */
  readonly input: unknown;
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
