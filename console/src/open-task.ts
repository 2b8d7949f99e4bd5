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
