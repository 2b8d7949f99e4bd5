/**
 * The human task an execution waits on, read from its history: the latest task scheduled
 * with a `taskToken` in its parameters, with nothing ending it since. A refused answer is
 * asked again with a new token, so only the latest ask counts. Shared by the CLI
 * (`switchyard escalations`, `decide`) and the console's Escalations page; pure, like
 * ./history-reader.ts.
 */
import { type EscalationPolicyDescription, refusalDetail } from './escalation-policy.js';
import { detailsOf, type HistoryEventLike, toDate } from './history-reader.js';

/** What the history says of an open task; each client adds the flow it belongs to. */
export interface OpenTaskInHistory {
  readonly executionArn: string;
  readonly executionName: string;
  /** The state that scheduled the task. */
  readonly state: string;
  readonly taskToken: string;
  /** The object the token was sent in (the question: the subject, attempt, decideBy and the app's fields). */
  readonly question: Record<string, unknown>;
  /** The execution's input. */
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
 * The escalation policy's verdict on the answer sent to `taskToken`: RecordDecision
 * entered after that task succeeded, or the problems RefuseDecision published.
 */
export function decisionOutcomeIn(events: readonly HistoryEventLike[], taskToken: string): DecisionOutcome {
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

/** The latest ask of an execution, open or not: its question, and the bus and source it went out on. */
export function lastAskIn(
  events: readonly HistoryEventLike[],
): { question: Record<string, unknown>; eventBusName?: string; source?: string } | undefined {
  const sorted = [...events].sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
  for (const event of sorted) {
    if (event.type !== 'TaskScheduled') continue;
    const parameters = detailsOf(event).parameters;
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

/**
 * The refusal (the policy's refusal contract) of an answer that reached no open task, about
 * the execution's last ask (its subject, attempt, deadline, step and metadata), with the bus
 * that ask went out on; undefined when the execution never asked.
 */
export function refusalOfLastAsk(
  events: readonly HistoryEventLike[],
  policy: Pick<EscalationPolicyDescription, 'ask'>,
  reviewer: unknown,
  reason: string,
): { eventBusName: string; detail: Record<string, unknown> } | undefined {
  const ask = lastAskIn(events);
  if (ask?.eventBusName === undefined) return undefined;
  const detail = refusalDetail(policy, ask.question, reviewer, reason);
  return detail && { eventBusName: ask.eventBusName, detail };
}

/** The open task of an execution's history, if it waits on one. */
export function openTaskIn(
  events: readonly HistoryEventLike[],
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

/** The open task of one execution from its history, or undefined when it waits on none. */
export function openTaskOfHistory(executionArn: string, events: readonly HistoryEventLike[]): OpenTaskInHistory | undefined {
  const task = openTaskIn(events);
  if (task === undefined) return undefined;
  const started = events.find((e) => e.type === 'ExecutionStarted');
  return {
    executionArn,
    executionName: executionArn.split(':').at(-1) ?? executionArn,
    state: task.state,
    taskToken: String(task.question.taskToken),
    question: task.question,
    input: parseObject(detailsOf(started ?? {}).input),
    scheduledAt: task.scheduledAt,
  };
}

/** JSON text of an object (an execution's input) as the object; anything else as {}. */
export function parseObject(text: unknown): Record<string, unknown> {
  try {
    const value = JSON.parse(typeof text === 'string' ? text : '{}') as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
