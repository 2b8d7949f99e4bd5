import type { AgentItemOutcome, AgentTaskRequest, ResearchSubTask } from '../../contracts/index.js';
import { type ResearchOutline, type ResearchPlan, type ResearchReport, type SubTaskAnswer, writeReport } from './research.js';

interface ReportResults {
  readonly plan: ResearchPlan;
  readonly outline: ResearchOutline;
  readonly research: readonly AgentItemOutcome<ResearchSubTask, SubTaskAnswer>[];
}

/** The reducer: combines the sub-tasks' answers into one report. */
export async function handler(request: AgentTaskRequest<ReportResults>): Promise<ResearchReport> {
  const { plan, outline, research } = request.results;
  return writeReport(plan, outline, research);
}
