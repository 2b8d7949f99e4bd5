import { describe, expect, it } from 'vitest';
import type { AgentItemOutcome, ResearchSubTask } from '../../../domain/index.js';
import { outlineResearch, planResearch, type SubTaskAnswer, writeReport } from '../../../lambdas/agents/research.js';

const request = {
  requestId: 'R-1',
  question: 'Which heat pumps suit old houses?',
  topics: ['insulation', 'noise'],
  simulate: [{ subTask: 't2', failure: 'permanent' as const }],
};

describe('the research steps', () => {
  it('plans one search per topic and one summary, carrying each simulated failure to its sub-task', () => {
    const plan = planResearch(request, true);
    expect(plan.subTasks.map((t) => [t.id, t.type, t.simulate?.failure])).toEqual([
      ['t1', 'search', undefined],
      ['t2', 'search', 'permanent'],
      ['summary', 'summarise', undefined],
    ]);
    expect(plan.subTasks[0]?.prompt).toBe('Find facts about "insulation" that answer: Which heat pumps suit old houses?');
  });

  it('fails if a request asks for simulated failures where they are not allowed, before any sub-task is planned', () => {
    expect(() => planResearch(request)).toThrow(
      expect.objectContaining({
        name: 'SimulationRefused',
        message: 'research request R-1 asks for simulated failures, which this deployment refuses',
      }),
    );
    expect(planResearch({ ...request, simulate: undefined }).subTasks).toHaveLength(3);
  });

  it('writes the report in the outline order, marking a failed sub-task as missing', () => {
    const plan = planResearch(request, true);
    const [t1, t2, summary] = plan.subTasks as ResearchSubTask[];
    const outcomes: AgentItemOutcome<ResearchSubTask, SubTaskAnswer>[] = [
      { item: summary as ResearchSubTask, failed: false, result: { subTaskId: 'summary', model: 'Large', text: 'S', tokens: 2 } },
      { item: t1 as ResearchSubTask, failed: false, result: { subTaskId: 't1', model: 'Fast', text: 'A', tokens: 2 } },
      { item: t2 as ResearchSubTask, failed: true, error: 'ModelRejected', cause: 'no' },
    ];
    expect(writeReport(plan, outlineResearch(plan), outcomes)).toEqual({
      requestId: 'R-1',
      report: 'Research: Which heat pumps suit old houses?\n- t1 [Fast]: A\n- t2: (missing: ModelRejected)\n- summary [Large]: S',
      subTasks: 3,
      failedSubTasks: 1,
    });
  });
});
