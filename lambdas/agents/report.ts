import { logger } from 'switchyard-cdk/kit';
import type { AgentItemOutcome, AgentTaskRequest, ResearchSubTask } from '../../domain/index.js';
import { type ResearchOutline, type ResearchPlan, type ResearchReport, type SubTaskAnswer, writeReport } from './research.js';

interface ReportResults {
  readonly plan: ResearchPlan;
  readonly outline: ResearchOutline;
  readonly research: readonly AgentItemOutcome<ResearchSubTask, SubTaskAnswer>[];
}

/** The reducer: combines the sub-tasks' answers into one report. */
export async function handler(request: AgentTaskRequest<ReportResults>): Promise<ResearchReport> {
  const { plan, outline, research } = request.results;
  const report = writeReport(plan, outline, research);
  logger.info('research reported', { requestId: report.requestId, subTasks: report.subTasks, failedSubTasks: report.failedSubTasks });
  return report;
}
