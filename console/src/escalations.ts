import { openTaskOfHistory } from '../../clients/open-task.js';
import { all, call } from './aws.js';
import type { WireHistoryEvent } from './history.js';
import { type Decision, decisionProblems, type OpenTask } from './open-task.js';

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
  if (current === undefined) throw new Error(`${task.executionName} waits on no decision now: already decided`);
  try {
    await call('sfn', 'SendTaskSuccess', { taskToken: current.taskToken, output: JSON.stringify(decision) });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(code)) {
      throw new Error(`${task.executionName} no longer waits on this decision (${code}): already decided or its SLA ran out`);
    }
    throw error;
  }
}
