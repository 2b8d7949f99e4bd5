import { executionOutcome, type WireHistoryEvent } from '../../clients/history-reader.js';
import { openTaskOfHistory, refusalOfLastAsk } from '../../clients/open-task.js';
import { followUntil } from './actions.js';
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

/**
 * Sends a decision to the task the execution waits on now (SendTaskSuccess), tells `sent`, then
 * follows the execution until its escalation policy gives its verdict: resolves once it accepted
 * the decision (at once for a task no policy governs: SendTaskSuccess is then the whole of it),
 * undefined when the page stopped first. Throws when the policy refused it, or when the
 * execution ended before any verdict.
 */
export async function decide(
  task: OpenTask,
  decision: Decision,
  sent: (taskToken: string) => void,
  stopped: () => boolean,
): Promise<'accepted' | undefined> {
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
  sent(current.taskToken);
  if (task.policy === undefined) return 'accepted';
  // The escalation policy may still refuse it (a reviewer not on the current step): its verdict is the decision's outcome.
  const seen = await followUntil(
    async () => {
      const events = await historyOf(task.executionArn);
      return { verdict: decisionOutcomeIn(events, current.taskToken), execution: executionOutcome(events).status };
    },
    (now) => now.verdict !== undefined || now.execution !== 'RUNNING',
    stopped,
  );
  if (seen === undefined) return undefined;
  if (seen.verdict?.accepted === false) throw new Error(`The decision was refused: ${seen.verdict.problems.join('; ')}`);
  if (seen.verdict === undefined)
    throw new Error(`${task.executionName} ended ${seen.execution} before its escalation policy gave a verdict on the decision`);
  return 'accepted';
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
