import { SimulationRefusedError } from 'switchyard-cdk/kit';
import type { AgentItemOutcome, ResearchRequested, ResearchSubTask } from '../../domain/index.js';

/** What a model answers to one prompt. */
export interface ModelAnswer {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** The port the research flow's model calls go through; adapters live beside it. */
export interface ResearchModel {
  complete(request: { readonly modelId: string; readonly prompt: string }): Promise<ModelAnswer>;
  /** At most the tokens `complete` will use for this prompt (its input and the longest answer it may give): what a call reserves. */
  estimateTokens(request: { readonly modelId: string; readonly prompt: string }): number;
}

export interface ResearchPlan {
  readonly requestId: string;
  readonly question: string;
  readonly subTasks: readonly ResearchSubTask[];
}

export interface ResearchOutline {
  readonly title: string;
  readonly sections: readonly string[];
}

/** What a model call returns for one sub-task. */
export interface SubTaskAnswer {
  readonly subTaskId: string;
  readonly model: string;
  readonly text: string;
  readonly tokens: number;
}

export interface ResearchReport {
  readonly requestId: string;
  readonly report: string;
  readonly subTasks: number;
  readonly failedSubTasks: number;
}

/** The planner: one `search` sub-task per topic and one `summarise` sub-task for the question, each with its simulated failure. */
export function planResearch(request: ResearchRequested, allowSimulatedFailures = false): ResearchPlan {
  if (request.simulate !== undefined && !allowSimulatedFailures) {
    throw new SimulationRefusedError(`research request ${request.requestId} asks for simulated failures, which this deployment refuses`);
  }
  const simulated = (id: string) => request.simulate?.find((s) => s.subTask === id);
  const subTasks: ResearchSubTask[] = request.topics.map((topic, index) => {
    const id = `t${index + 1}`;
    const simulate = simulated(id);
    return {
      id,
      type: 'search',
      prompt: `Find facts about "${topic}" that answer: ${request.question}`,
      ...(simulate ? { simulate } : {}),
    };
  });
  const summary = simulated('summary');
  subTasks.push({
    id: 'summary',
    type: 'summarise',
    prompt: `Summarise what is known about: ${request.question}`,
    ...(summary ? { simulate: summary } : {}),
  });
  return { requestId: request.requestId, question: request.question, subTasks };
}

/** The report's skeleton, from the plan alone (no model): runs beside the fan-out. */
export function outlineResearch(plan: ResearchPlan): ResearchOutline {
  return { title: `Research: ${plan.question}`, sections: plan.subTasks.map((t) => t.id) };
}

/** The reducer: the outline filled with each sub-task's answer, a failed one marked as missing. */
export function writeReport(
  plan: ResearchPlan,
  outline: ResearchOutline,
  outcomes: readonly AgentItemOutcome<ResearchSubTask, SubTaskAnswer>[],
): ResearchReport {
  const byId = new Map(outcomes.map((o) => [o.item.id, o]));
  const lines = [outline.title];
  for (const id of outline.sections) {
    const outcome = byId.get(id);
    if (outcome === undefined || outcome.failed) lines.push(`- ${id}: (missing: ${outcome?.failed ? outcome.error : 'not run'})`);
    else lines.push(`- ${id} [${outcome.result.model}]: ${outcome.result.text}`);
  }
  return {
    requestId: plan.requestId,
    report: lines.join('\n'),
    subTasks: outcomes.length,
    failedSubTasks: outcomes.filter((o) => o.failed).length,
  };
}
