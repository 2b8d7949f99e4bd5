import { EscalationDecisionSchema, TICKET_QUEUES } from '../../contracts/tickets.js';
import { detailsOf, type WireHistoryEvent } from './history.js';
import { schemaProblems } from './schema-check.js';
import { toDate } from './wire.js';

/**
 * Open human tasks, found as the CLI finds them (cli/escalations.ts): a running execution of
 * a Standard flow whose latest task scheduled with a `taskToken` in its parameters has
 * nothing ending it since. A refused answer is asked again with a new token, so only the
 * latest ask counts.
 */
export interface OpenTask {
  readonly stateMachineArn: string;
  readonly flow: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly state: string;
  readonly taskToken: string;
  readonly question: Record<string, unknown>;
  readonly input: Record<string, unknown>;
  readonly scheduledAt?: Date;
}

const TASK_ENDS = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed', 'TaskStateAborted']);
const EXECUTION_ENDS = /^Execution(Succeeded|Failed|TimedOut|Aborted)$/;

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
 * The escalation policy's verdict on the answer sent to `taskToken`, as the CLI reads it
 * (cli/escalations.ts): RecordDecision entered after that task succeeded, or the problems
 * RefuseDecision published.
 */
export function decisionOutcomeIn(events: readonly WireHistoryEvent[], taskToken: string): DecisionOutcome {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const asked = sorted.findIndex((e) => e.type === 'TaskScheduled' && withToken(detailsOf(e).parameters)?.taskToken === taskToken);
  if (asked < 0) return undefined;
  const after = sorted.slice(asked + 1);
  const answered = after.findIndex((e) => e.type === 'TaskSucceeded');
  if (answered < 0) return undefined;
  for (const event of after.slice(answered + 1)) {
    if (event.type?.endsWith('StateEntered') && detailsOf(event).name === 'RecordDecision') return { accepted: true };
    if (event.type === 'TaskScheduled') {
      const refusal = objectWith(detailsOf(event).parameters, 'problems');
      if (Array.isArray(refusal?.problems)) return { accepted: false, problems: refusal.problems.map(String) };
    }
  }
  return undefined;
}

/** The latest ask of an execution, open or not: its question and the bus it went out on. */
export function lastAskIn(events: readonly WireHistoryEvent[]): { question: Record<string, unknown>; eventBusName?: string } | undefined {
  const sorted = [...events].sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
  for (const event of sorted) {
    if (event.type !== 'TaskScheduled') continue;
    const parameters = detailsOf(event).parameters;
    const question = withToken(parameters);
    if (question === undefined) continue;
    const entry = objectWith(parameters, 'EventBusName');
    return { question, eventBusName: typeof entry?.EventBusName === 'string' ? entry.EventBusName : undefined };
  }
  return undefined;
}

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
export function openTaskIn(
  events: readonly WireHistoryEvent[],
): { state: string; question: Record<string, unknown>; scheduledAt?: Date } | undefined {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  let latest: { index: number; question: Record<string, unknown>; at?: Date } | undefined;
  sorted.forEach((event, index) => {
    if (event.type !== 'TaskScheduled') return;
    const question = withToken(detailsOf(event).parameters);
    if (question) latest = { index, question, at: toDate(event.timestamp) };
  });
  if (latest === undefined) return undefined;
  if (sorted.slice(latest.index + 1).some((e) => TASK_ENDS.has(e.type ?? '') || EXECUTION_ENDS.test(e.type ?? ''))) return undefined;
  const entered = sorted
    .slice(0, latest.index)
    .reverse()
    .find((e) => e.type?.endsWith('StateEntered'));
  return { state: String(detailsOf(entered ?? {}).name ?? '?'), question: latest.question, scheduledAt: latest.at };
}

export function parseObject(text: unknown): Record<string, unknown> {
  try {
    const value = JSON.parse(typeof text === 'string' ? text : '{}') as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function ticketOf(task: Pick<OpenTask, 'question' | 'input'>): string | undefined {
  const id = task.question.ticketId ?? task.input.ticketId;
  return typeof id === 'string' ? id : undefined;
}

export const QUEUES: readonly string[] = TICKET_QUEUES;

export interface Decision {
  decision: 'approve' | 'reject';
  queue?: string;
  reviewer?: string;
  reason?: string;
}

/** The decision as the app's EscalationDecision schema (contracts/tickets.ts) checks it: one line per problem. */
export function decisionProblems(decision: Decision): string[] {
  return schemaProblems(EscalationDecisionSchema, decision);
}

/**
 * Sends the decision to the task the execution waits on now (read again at the moment of
 * deciding, as the CLI does, so an answer never goes to a refused ask's stale token).
 */
