import { logger, simulatedFailuresAllowed } from 'switchyard-cdk/kit';
import type { AgentTaskRequest, ResearchRequested, WorkflowInput } from '../../domain/index.js';
import { planResearch, type ResearchPlan } from './research.js';

const allowSimulatedFailures = simulatedFailuresAllowed();

/** The planner: splits a research request into sub-tasks. */
export async function handler(request: AgentTaskRequest): Promise<ResearchPlan> {
  const plan = planResearch((request.input as WorkflowInput).detail as ResearchRequested, allowSimulatedFailures);
  logger.info('research planned', { requestId: plan.requestId, subTasks: plan.subTasks.map((t) => `${t.id}:${t.type}`) });
  return plan;
}
