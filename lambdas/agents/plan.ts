import type { AgentTaskRequest, ResearchRequested, WorkflowInput } from '../../contracts/index.js';
import { planResearch, type ResearchPlan } from './research.js';

/** The planner: splits a research request into sub-tasks. */
export async function handler(request: AgentTaskRequest): Promise<ResearchPlan> {
  return planResearch((request.input as WorkflowInput).detail as ResearchRequested);
}
