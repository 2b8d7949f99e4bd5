import type { AgentTaskRequest, ResearchRequested, WorkflowInput } from '../../contracts/index.js';
import { simulatedFailuresAllowed } from '../kit/config.js';
import { logger } from '../kit/observability.js';
import { planResearch, type ResearchPlan } from './research.js';

const allowSimulatedFailures = simulatedFailuresAllowed();

/** The planner: splits a research request into sub-tasks. */
export async function handler(request: AgentTaskRequest): Promise<ResearchPlan> {
  const plan = planResearch((request.input as WorkflowInput).detail as ResearchRequested, allowSimulatedFailures);
  logger.info('research planned', { requestId: plan.requestId, subTasks: plan.subTasks.map((t) => `${t.id}:${t.type}`) });
  return plan;
}
