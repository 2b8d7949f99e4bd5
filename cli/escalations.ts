import { DescribeExecutionCommand, type DescribeExecutionOutput, type HistoryEvent, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { executionNameFor, idempotencyKeyOf, TicketCreated } from '../contracts/index.js';
import { type Clients, call, errorCode } from './aws.js';
import { CliError } from './errors.js';
import { historyOf } from './execution-history.js';
import type { Flow } from './flows.js';

/**
 * A human task an execution waits on: the latest task scheduled with a task token in its
 * parameters, with nothing ending it since. A refused answer is asked again with a new
 * token, so only the latest ask counts.
 */
export interface OpenTask {
  readonly flow: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly state: string;
  readonly taskToken: string;
  /** The object the token was sent in (the question: ticketId, suggestedQueue, decideBy, ...). */
  readonly question: Record<string, unknown>;
  readonly input: Record<string, unknown>;
  readonly scheduledAt?: Date;
}

const TASK_ENDS = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed', 'TaskStateAborted']);

/** The object holding a `taskToken` in a task's parameters, looking into JSON text too (a serialized Detail). */
function withToken(value: unknown, depth = 0): Record<string, unknown> | undefined {
  if (depth > 20) return undefined;
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      return withToken(JSON.parse(value), depth + 1);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value) && typeof (value as Record<string, unknown>).taskToken === 'string') return value as Record<string, unknown>;
  for (const child of Object.values(value)) {
    const found = withToken(child, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The open task of an execution's history, if it waits on one. */
export function openTask(
  events: readonly HistoryEvent[],
): { state: string; question: Record<string, unknown>; scheduledAt?: Date } | undefined {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  let latest: { index: number; question: Record<string, unknown>; at?: Date } | undefined;
  sorted.forEach((event, index) => {
    if (event.type !== 'TaskScheduled') return;
    const question = withToken(event.taskScheduledEventDetails?.parameters);
    if (question) latest = { index, question, at: event.timestamp };
  });
  if (latest === undefined) return undefined;
  const after = sorted.slice(latest.index + 1);
  if (after.some((e) => TASK_ENDS.has(e.type ?? '') || /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(e.type ?? '')))
    return undefined;
  const entered = sorted
    .slice(0, latest.index)
    .reverse()
    .find((e) => e.type?.endsWith('StateEntered'));
  return { state: entered?.stateEnteredEventDetails?.name ?? '?', question: latest.question, scheduledAt: latest.at };
}

function parseObject(text: string | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(text ?? '{}') as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The open task of one execution, or undefined when it waits on none. */
export async function openTaskOf(clients: Clients, flow: Flow, executionArn: string): Promise<OpenTask | undefined> {
  const events = await historyOf(clients, executionArn);
  const task = openTask(events);
  if (task === undefined) return undefined;
  const started = events.find((e) => e.type === 'ExecutionStarted');
  return {
    flow: flow.flow,
    executionArn,
    executionName: executionArn.split(':').at(-1) ?? executionArn,
    state: task.state,
    taskToken: task.question.taskToken as string,
    question: task.question,
    input: parseObject(started?.executionStartedEventDetails?.input),
    scheduledAt: task.scheduledAt,
  };
}

/** Every open human task of the app's Standard flows (Express flows cannot wait on a token). */
export async function openTasks(clients: Clients, flows: readonly Flow[]): Promise<OpenTask[]> {
  const tasks: OpenTask[] = [];
  for (const flow of flows.filter((f) => f.type === 'STANDARD')) {
    let nextToken: string | undefined;
    do {
      const page = await call(clients.target, () =>
        clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: flow.arn, statusFilter: 'RUNNING', maxResults: 1000, nextToken })),
      );
      for (const e of page.executions ?? []) {
        const task = e.executionArn ? await openTaskOf(clients, flow, e.executionArn) : undefined;
        if (task) tasks.push(task);
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return tasks;
}

/** The ticket a task or execution is about: the question's ticketId, else the execution input's. */
export function ticketOf(task: Pick<OpenTask, 'question' | 'input'>): string | undefined {
  const id = task.question.ticketId ?? task.input.ticketId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The name the app gives a ticket's executions: the workflow starter names the triage
 * execution after the TicketCreated idempotency key (both rules in contracts/identity.ts),
 * and the triage flow names its escalation the same (lib/flows/ticket-triage.ts).
 */
export function ticketExecutionName(ticketId: string): string {
  return executionNameFor(TicketCreated, idempotencyKeyOf(TicketCreated, { id: '', detail: { ticketId } }));
}

export interface Escalation {
  readonly flow: Flow;
  readonly execution: DescribeExecutionOutput;
  readonly ticketId?: string;
}

/**
 * The execution a reviewer means: an execution ARN, an execution name, or a ticket id
 * (its escalation is named after the ticket; an open task about the ticket otherwise).
 */
export async function findEscalation(clients: Clients, flows: readonly Flow[], wanted: string): Promise<Escalation> {
  const standard = flows.filter((f) => f.type === 'STANDARD');
  if (wanted.startsWith('arn:')) {
    const flow = standard.find((f) => wanted.startsWith(`${f.arn.replace(':stateMachine:', ':execution:')}:`));
    if (flow === undefined) throw new CliError(`${wanted} is not an execution of the app's Standard flows`);
    const execution = await describeIfAny(clients, wanted);
    if (execution === undefined) throw new CliError(`no execution ${wanted}`);
    return { flow, execution, ticketId: ticketOf({ question: {}, input: parseObject(execution.input) }) };
  }
  for (const name of [wanted, ticketExecutionName(wanted)]) {
    for (const flow of standard) {
      const execution = await describeIfAny(clients, `${flow.arn.replace(':stateMachine:', ':execution:')}:${name}`);
      if (execution === undefined) continue;
      const ticketId = ticketOf({ question: {}, input: parseObject(execution.input) });
      // A derived name is only this ticket's if its input says so.
      if (name === wanted || ticketId === wanted) return { flow, execution, ticketId };
    }
  }
  const task = (await openTasks(clients, standard)).find((t) => ticketOf(t) === wanted);
  const flow = standard.find((f) => f.flow === task?.flow);
  if (task && flow) {
    const execution = (await describeIfAny(clients, task.executionArn)) as DescribeExecutionOutput;
    return { flow, execution, ticketId: wanted };
  }
  throw new CliError(`no escalation for ticket or execution "${wanted}" in ${standard.map((f) => f.flow).join(', ') || "the app's flows"}`);
}

async function describeIfAny(clients: Clients, executionArn: string): Promise<DescribeExecutionOutput | undefined> {
  try {
    const { $metadata: _, ...execution } = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return execution;
  } catch (error) {
    if (errorCode(error) === 'ExecutionDoesNotExist' || errorCode(error) === 'InvalidArn') return undefined;
    return call(clients.target, () => Promise.reject(error));
  }
}

/** The first object holding `key` in a value, looking into JSON text too (a task's parameters). */
function objectWith(value: unknown, key: string, depth = 0): Record<string, unknown> | undefined {
  if (depth > 20) return undefined;
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      return objectWith(JSON.parse(value), key, depth + 1);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value) && key in value) return value as Record<string, unknown>;
  for (const child of Object.values(value)) {
    const found = objectWith(child, key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** What the escalation made of an answer: accepted, refused with its problems, or not yet known. */
export type DecisionOutcome = { readonly accepted: true } | { readonly accepted: false; readonly problems: readonly string[] } | undefined;

/**
 * Reads the escalation policy's verdict on the answer sent to `taskToken` from the
 * execution's history: the state its DecisionValid choice went to after that task
 * succeeded, RecordDecision or RefuseDecision (lib/constructs/escalation-policy.ts), and
 * the refusal's problems as it published them.
 */
export function decisionOutcome(events: readonly HistoryEvent[], taskToken: string): DecisionOutcome {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const asked = sorted.findIndex(
    (e) => e.type === 'TaskScheduled' && withToken(e.taskScheduledEventDetails?.parameters)?.taskToken === taskToken,
  );
  if (asked < 0) return undefined;
  const after = sorted.slice(asked + 1);
  const answered = after.findIndex((e) => e.type === 'TaskSucceeded');
  if (answered < 0) return undefined;
  for (const event of after.slice(answered + 1)) {
    const name = event.stateEnteredEventDetails?.name;
    if (name === 'RecordDecision') return { accepted: true };
    if (event.type === 'TaskScheduled') {
      const refusal = objectWith(event.taskScheduledEventDetails?.parameters, 'problems');
      if (Array.isArray(refusal?.problems)) return { accepted: false, problems: refusal.problems.map(String) };
    }
  }
  return undefined;
}

/** The latest ask of an execution, open or not: its question and the bus it went out on. */
export function lastAsk(
  events: readonly HistoryEvent[],
): { question: Record<string, unknown>; eventBusName?: string; source?: string } | undefined {
  const sorted = [...events].sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
  for (const event of sorted) {
    if (event.type !== 'TaskScheduled') continue;
    const parameters = event.taskScheduledEventDetails?.parameters;
    const question = withToken(parameters);
    if (question === undefined) continue;
    const entry = objectWith(parameters, 'EventBusName');
    return {
      question,
      eventBusName: typeof entry?.EventBusName === 'string' ? entry.EventBusName : undefined,
      source: typeof entry?.Source === 'string' ? entry.Source : undefined,
    };
  }
  return undefined;
}
