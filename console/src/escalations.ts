import type { WireHistoryEvent } from '../../clients/history-reader.js';
import { openTaskOfHistory, refusalOfLastAsk } from '../../clients/open-task.js';
import { all, call } from './aws.js';
import {
  type Decision,
  decisionOutcomeIn,
  decisionProblems,
  type EscalationPolicyDescription,
  escalationPoliciesIn,
  type OpenTask,
  policyOfTask,
} from './open-task.js';

export {
  type Decision,
  decisionFields,
  decisionOf,
  decisionProblems,
  type OpenTask,
  subjectLabel,
  subjectOf,
  summaryOf,
} from './open-task.js';

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

/** The escalation policies a state machine's definition records (DescribeStateMachine: the deployed app, whatever it is). */
export async function policiesOf(stateMachineArn: string): Promise<EscalationPolicyDescription[]> {
  const machine = await call<{ definition?: string }>('sfn', 'DescribeStateMachine', { stateMachineArn });
  return escalationPoliciesIn(machine.definition);
}

type Machine = Pick<StateMachineItem, 'stateMachineArn' | 'name'> & { readonly policies: readonly EscalationPolicyDescription[] };

/** The open task of one execution now (the latest ask's token), or undefined. */
export async function openTaskOf(machine: Machine, executionArn: string): Promise<OpenTask | undefined> {
  const task = openTaskOfHistory(executionArn, await historyOf(executionArn));
  if (task === undefined) return undefined;
  const policy = policyOfTask(machine.policies, task);
  return { ...task, stateMachineArn: machine.stateMachineArn, flow: machine.name, ...(policy ? { policy } : {}) };
}

/** Every open human task of the Standard state machines (Express ones cannot wait on a token). */
export async function openTasks(): Promise<OpenTask[]> {
  const tasks: OpenTask[] = [];
  for (const item of (await stateMachines()).filter((m) => m.type === 'STANDARD')) {
    const running = await all<{ executionArn: string }>(
      'sfn',
      'ListExecutions',
      { stateMachineArn: item.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000 },
      'executions',
    );
    if (running.length === 0) continue;
    const machine = { ...item, policies: await policiesOf(item.stateMachineArn) };
    for (const execution of running) {
      const task = await openTaskOf(machine, execution.executionArn);
      if (task) tasks.push(task);
    }
  }
  return tasks.sort((a, b) => (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
}

export async function decide(task: OpenTask, decision: Decision): Promise<void> {
  const problems = decisionProblems(task.policy, decision);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const machine = { stateMachineArn: task.stateMachineArn, name: task.flow, policies: task.policy ? [task.policy] : [] };
  const current = await openTaskOf(machine, task.executionArn);
  if (current === undefined) {
    throw new Error(await refusedHere(task, decision, `${task.executionName} waits on no decision now: already decided`));
  }
  try {
    await call('sfn', 'SendTaskSuccess', { taskToken: current.taskToken, output: JSON.stringify(decision) });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(code)) {
      const reason = `${task.executionName} no longer waits on this decision (${code}): already decided, reassigned or its SLA ran out`;
      throw new Error(await refusedHere(task, decision, reason));
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
 * An answer that reaches no open task is refused here and published as the policy's refusal
 * event about the last ask, as the CLI does. Returns the message to show.
 */
async function refusedHere(task: OpenTask, decision: Decision, reason: string): Promise<string> {
  const policy = task.policy;
  if (policy === undefined || policy.refusal.detailType === '') return reason;
  const refusal = refusalOfLastAsk(await historyOf(task.executionArn), policy, decision.reviewer, reason);
  if (refusal === undefined) return reason;
  const { detailType, source } = policy.refusal;
  const entry = { EventBusName: refusal.eventBusName, Source: source, DetailType: detailType, Detail: JSON.stringify(refusal.detail) };
  const published = await call<{ FailedEntryCount?: number }>('events', 'PutEvents', { Entries: [entry] });
  return published.FailedEntryCount ? `${reason} (publishing ${detailType} failed)` : `${reason}; published as ${detailType}`;
}
