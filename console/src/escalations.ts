import { openTaskOfHistory, refusalOfLastAsk } from '../../clients/open-task.js';
import { TicketDecisionRefused } from '../../domain/tickets.js';
import { all, call } from './aws.js';
import type { WireHistoryEvent } from './history.js';
import { type Decision, decisionOutcomeIn, decisionProblems, type OpenTask } from './open-task.js';
import { schemaProblems } from './schema-check.js';

export { type Decision, decisionProblems, type OpenTask, QUEUES, ticketOf } from './open-task.js';

export async function historyOf(executionArn: string): Promise<WireHistoryEvent[]> {
  return all<WireHistoryEvent>('sfn', 'GetExecutionHistory', { executionArn, maxResults: 1000, includeExecutionData: true }, 'events');
}

export interface StateMachineItem {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly type: 'STANDARD' | 'EXPRESS';
}

export async function stateMachines(): Promise<StateMachineItem[]> {
  return all<StateMachineItem>('sfn', 'ListStateMachines', { maxResults: 1000 }, 'stateMachines');
}

/** The open task of one execution now (the latest ask's token), or undefined. */
export async function openTaskOf(
  machine: Pick<StateMachineItem, 'stateMachineArn' | 'name'>,
  executionArn: string,
): Promise<OpenTask | undefined> {
  const task = openTaskOfHistory(executionArn, await historyOf(executionArn));
  return task && { ...task, stateMachineArn: machine.stateMachineArn, flow: machine.name };
}

/** Every open human task of the Standard state machines (Express ones cannot wait on a token). */
export async function openTasks(): Promise<OpenTask[]> {
  const tasks: OpenTask[] = [];
  for (const machine of (await stateMachines()).filter((m) => m.type === 'STANDARD')) {
    const running = await all<{ executionArn: string }>(
      'sfn',
      'ListExecutions',
      { stateMachineArn: machine.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000 },
      'executions',
    );
    for (const execution of running) {
      const task = await openTaskOf(machine, execution.executionArn);
      if (task) tasks.push(task);
    }
  }
  return tasks.sort((a, b) => (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
}

export async function decide(task: OpenTask, decision: Decision): Promise<void> {
  const problems = decisionProblems(decision);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const current = await openTaskOf({ stateMachineArn: task.stateMachineArn, name: task.flow }, task.executionArn);
  if (current === undefined) {
    throw new Error(await refusedHere(task.executionArn, decision, `${task.executionName} waits on no decision now: already decided`));
  }
  try {
    await call('sfn', 'SendTaskSuccess', { taskToken: current.taskToken, output: JSON.stringify(decision) });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(code)) {
      const reason = `${task.executionName} no longer waits on this decision (${code}): already decided, reassigned or its SLA ran out`;
      throw new Error(await refusedHere(task.executionArn, decision, reason));
    }
    throw error;
  }
  // The escalation policy may still refuse it (a reviewer not on the current step): wait for its verdict.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const outcome = decisionOutcomeIn(await historyOf(task.executionArn), current.taskToken);
    if (outcome?.accepted === false) throw new Error(`The decision was refused: ${outcome.problems.join('; ')}`);
    if (outcome !== undefined || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * An answer that reaches no open task is refused here and published as
 * TicketDecisionRefused about the last ask, as the CLI does. Returns the message to show.
 */
async function refusedHere(executionArn: string, decision: Decision, reason: string): Promise<string> {
  const refusal = refusalOfLastAsk(await historyOf(executionArn), decision.reviewer, reason);
  if (refusal === undefined || schemaProblems(TicketDecisionRefused.schema, refusal.detail).length > 0) return reason;
  const { eventBusName, detail } = refusal;
  const entry = {
    EventBusName: eventBusName,
    Source: TicketDecisionRefused.source,
    DetailType: TicketDecisionRefused.detailType,
    Detail: JSON.stringify(detail),
  };
  const published = await call<{ FailedEntryCount?: number }>('events', 'PutEvents', { Entries: [entry] });
  return published.FailedEntryCount
    ? `${reason} (publishing TicketDecisionRefused failed)`
    : `${reason}; published as TicketDecisionRefused`;
}
