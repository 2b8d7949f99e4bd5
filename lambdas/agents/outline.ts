import { logger } from 'switchyard-cdk/kit';
import type { AgentTaskRequest } from '../../domain/index.js';
import { outlineResearch, type ResearchOutline, type ResearchPlan } from './research.js';

/** The report's outline, from the plan (runs beside the research fan-out). */
export async function handler(request: AgentTaskRequest<{ plan: ResearchPlan }>): Promise<ResearchOutline> {
  const outline = outlineResearch(request.results.plan);
  logger.info('research outlined', { requestId: request.results.plan.requestId, sections: outline.sections });
  return outline;
}
