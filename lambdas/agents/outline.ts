import type { AgentTaskRequest } from '../../contracts/index.js';
import { outlineResearch, type ResearchOutline, type ResearchPlan } from './research.js';

/** The report's outline, from the plan (runs beside the research fan-out). */
export async function handler(request: AgentTaskRequest<{ plan: ResearchPlan }>): Promise<ResearchOutline> {
  return outlineResearch(request.results.plan);
}
