/**
 * Reading a Step Functions execution history (GetExecutionHistory's events, or Express log
 * records turned into them): the states it went through and how it ended. Shared by the two
 * clients, the CLI and the console, so both tell one story about an execution; pure (no
 * Node.js modules, no SDK) because the console runs it in the browser.
 */

/** A history event as the SDK gives it (timestamps as Dates) or the JSON protocol carries it: the reader needs no more. */
import { FORK_ENTRY_STATE } from '../contracts/fork-names.js';
import { executionEndStatus, type LocalExecutionStatus, type TerminalExecutionStatus } from './execution-statuses.js';
import { lambdaErrorOf } from './lambda-error.js';

export interface HistoryEventLike {
  readonly id?: number;
  readonly previousEventId?: number;
  readonly type?: string;
  readonly timestamp?: unknown;
}

/** A history event as the JSON protocol carries it (GetExecutionHistory, or a log record turned into one). */
export interface WireHistoryEvent extends HistoryEventLike {
  readonly [details: string]: unknown;
}

/** A timestamp as the JSON protocols send it (epoch seconds, or ISO text), or a Date the SDK parsed, as a Date. */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string' && value !== '') {
    const date = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/** One try of a state's task. */
export interface Attempt {
  outcome: 'succeeded' | 'failed' | 'timed out' | 'running';
  error?: string;
  cause?: string;
}

export type VisitStatus = 'succeeded' | 'failed' | 'caught' | 'running';

/** One visit of a state, from the history events of that visit. */
export interface StateVisit {
  readonly name: string;
  /** Task, Choice, Pass, Map, Parallel, ... (from the StateEntered event's type). */
  readonly type: string;
  readonly enteredAt?: Date;
  exitedAt?: Date;
  input?: string;
  output?: string;
  /** Each try of its task: more than one means it was retried. */
  readonly attempts: Attempt[];
  /** The error the state ended in (or was caught with). */
  error?: { error?: string; cause?: string };
  /** The state a Catch sent the execution to, when the error was caught. */
  caughtNext?: string;
  status: VisitStatus;
  /**
   * How the execution ended, on a visit still open when it did and that had no error of its
   * own: it was cut off (ABORTED by StopExecution, TIMED_OUT by the execution's timeout), not
   * failed by what it ran. Its status is `failed`, as the execution did not succeed.
   */
  cutOffBy?: TerminalExecutionStatus;
  /**
   * Set on a visit the execution failed in when a redrive (ExecutionRedriven) ran the
   * execution again from it: how the state ends now is its next visit's.
   */
  redriven?: true;
  /** The history event ids of this visit, in order. */
  readonly eventIds: number[];
}

const ATTEMPT_STARTS = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);
const ATTEMPT_SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded', 'ActivitySucceeded']);
const ATTEMPT_FAILED: Record<string, Attempt['outcome']> = {
  TaskFailed: 'failed',
  TaskTimedOut: 'timed out',
  TaskStartFailed: 'failed',
  TaskSubmitFailed: 'failed',
  LambdaFunctionFailed: 'failed',
  LambdaFunctionTimedOut: 'timed out',
  LambdaFunctionStartFailed: 'failed',
  LambdaFunctionScheduleFailed: 'failed',
  ActivityFailed: 'failed',
  ActivityTimedOut: 'timed out',
  ActivityScheduleFailed: 'failed',
};
/** Errors of a whole state (not of one try of its task). */
const STATE_FAILED = new Set(['ParallelStateFailed', 'MapStateFailed', 'MapRunFailed', 'EvaluationFailed']);
const STATE_SUCCEEDED = new Set(['ParallelStateSucceeded', 'MapStateSucceeded']);

/** The details member of an event (each type has its own: taskFailedEventDetails, ...). */
export function detailsOf(event: object): Record<string, unknown> {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  }
  return {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Which visits an event of this type can belong to. */
function belongsTo(type: string): (visit: StateVisit) => boolean {
  if (/^(Task|LambdaFunction|Activity)/.test(type)) return (v) => v.type === 'Task';
  if (type.startsWith('Parallel')) return (v) => v.type === 'Parallel';
  if (type.startsWith('Map')) return (v) => v.type === 'Map';
  if (type.startsWith('Wait')) return (v) => v.type === 'Wait';
  return () => true;
}

/**
 * The states an execution went through, in the order they were entered: each visit's
 * input and output, every try of its task (retries), the error it ended in and whether a
 * Catch took it. An event belongs to the open visit its `previousEventId` chain leads to, so
 * the interleaved branches of Parallel and Map states stay apart; `<Type>StateExited` by name.
 */
export function stateVisits(events: readonly HistoryEventLike[]): StateVisit[] {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const byId = new Map<number, HistoryEventLike>();
  const visitOfEvent = new Map<number, StateVisit>();
  const visits: StateVisit[] = [];
  const open: StateVisit[] = [];
  let justCaught: StateVisit | undefined;
  // The visits the execution last failed in: a redrive runs it again from them.
  let failedIn: StateVisit[] = [];

  for (const event of sorted) {
    if (event.id !== undefined) byId.set(event.id, event);
    const type = event.type ?? '';
    const d = detailsOf(event);
    if (type.endsWith('StateEntered')) {
      const visit: StateVisit = {
        name: str(d.name) ?? '?',
        type: type.replace(/StateEntered$/, ''),
        enteredAt: toDate(event.timestamp),
        input: str(d.input),
        attempts: [],
        status: 'running',
        eventIds: event.id === undefined ? [] : [event.id],
      };
      if (justCaught && justCaught.caughtNext === undefined) justCaught.caughtNext = visit.name;
      justCaught = undefined;
      visits.push(visit);
      open.push(visit);
      if (event.id !== undefined) visitOfEvent.set(event.id, visit);
      continue;
    }
    if (executionEndStatus(type) !== undefined) {
      failedIn = endExecution(open, type, d, event.timestamp);
      continue;
    }
    if (type === 'ExecutionRedriven') {
      for (const visit of failedIn) visit.redriven = true;
      failedIn = [];
      continue;
    }
    const visit = type.endsWith('StateExited')
      ? [...open].reverse().find((v) => v.name === d.name)
      : openVisitOf(event, belongsTo(type), { byId, visitOfEvent, open });
    if (visit === undefined) continue;
    if (event.id !== undefined) {
      visitOfEvent.set(event.id, visit);
      visit.eventIds.push(event.id);
    }
    if (applyToVisit(visit, type, d, event.timestamp, open)) justCaught = visit;
  }
  // A Workflow's fork entry routes every execution (contracts/fork.ts): a step of Switchyard's, not the flow's.
  return visits.filter((visit) => visit.name !== FORK_ENTRY_STATE);
}

/** The open visit the event's `previousEventId` chain leads to (one `accepts` takes), else the latest open one it takes. */
function openVisitOf(
  event: HistoryEventLike,
  accepts: (v: StateVisit) => boolean,
  seenSoFar: {
    readonly byId: ReadonlyMap<number, HistoryEventLike>;
    readonly visitOfEvent: ReadonlyMap<number, StateVisit>;
    readonly open: readonly StateVisit[];
  },
): StateVisit | undefined {
  const { byId, visitOfEvent, open } = seenSoFar;
  const seen = new Set<number>();
  let previous = event.previousEventId;
  while (previous !== undefined && previous !== 0 && !seen.has(previous)) {
    seen.add(previous);
    const visit = visitOfEvent.get(previous);
    if (visit && open.includes(visit) && accepts(visit)) return visit;
    previous = byId.get(previous)?.previousEventId;
  }
  return [...open].reverse().find(accepts);
}

/** An Execution* end event: every visit still open ends with the execution. Returns the visits that ended failed. */
function endExecution(open: StateVisit[], type: string, d: Record<string, unknown>, timestamp: unknown): StateVisit[] {
  const failed = type !== 'ExecutionSucceeded';
  const ended = open.splice(0);
  for (const visit of ended) {
    visit.status = failed ? 'failed' : visit.error ? 'failed' : 'succeeded';
    visit.exitedAt = toDate(timestamp);
    // A state's own `...Aborted` event (TaskStateAborted) says only that the execution's end cut it off.
    if (failed && (visit.error === undefined || visit.error.error?.endsWith('Aborted'))) visit.cutOffBy = executionEndStatus(type);
    if (failed && visit.error === undefined) visit.error = { error: str(d.error) ?? type, cause: str(d.cause) };
  }
  return ended.filter((visit) => visit.status === 'failed');
}

/** What an event of the visit does to it; true when it exited the visit after an error (a Catch took it). */
function applyToVisit(visit: StateVisit, type: string, d: Record<string, unknown>, timestamp: unknown, open: StateVisit[]): boolean {
  if (ATTEMPT_STARTS.has(type)) visit.attempts.push({ outcome: 'running' });
  else if (ATTEMPT_SUCCEEDED.has(type)) {
    settleAttempt(visit, { outcome: 'succeeded' });
    visit.error = undefined;
  } else if (type in ATTEMPT_FAILED) {
    const failure = { error: str(d.error), cause: str(d.cause) };
    settleAttempt(visit, { outcome: ATTEMPT_FAILED[type] as Attempt['outcome'], ...failure });
    visit.error = failure;
  } else if (STATE_FAILED.has(type)) visit.error = { error: str(d.error) ?? type, cause: str(d.cause) };
  else if (STATE_SUCCEEDED.has(type)) visit.error = undefined;
  else if (type.endsWith('StateExited')) {
    visit.exitedAt = toDate(timestamp);
    visit.output = str(d.output);
    open.splice(open.indexOf(visit), 1);
    // An exit after an error: a Catch took it (the next state entered is where it went).
    visit.status = visit.error ? 'caught' : 'succeeded';
    // States of its branches still open ended with it (a failed branch whose error the parent caught).
    if (visit.type === 'Parallel' || visit.type === 'Map') closeInner(visit, open);
    return visit.status === 'caught';
  } else if (type.endsWith('Aborted')) {
    visit.error ??= { error: type };
  }
  return false;
}

/** Visits entered after `parent` and still open when it exited belong to its branches: they failed with them. */
function closeInner(parent: StateVisit, open: StateVisit[]): void {
  const parentEntered = parent.eventIds[0] ?? 0;
  for (const inner of [...open]) {
    if ((inner.eventIds[0] ?? 0) < parentEntered) continue;
    inner.status = 'failed';
    inner.exitedAt = parent.exitedAt;
    open.splice(open.indexOf(inner), 1);
  }
}

function settleAttempt(visit: StateVisit, attempt: Attempt): void {
  const last = visit.attempts.at(-1);
  if (last !== undefined && last.outcome === 'running') visit.attempts[visit.attempts.length - 1] = attempt;
  else visit.attempts.push(attempt);
}

/** The execution's own outcome from its history: running until an Execution* end event. */
export function executionOutcome(events: readonly HistoryEventLike[]): {
  status: LocalExecutionStatus;
  error?: string;
  cause?: string;
  output?: string;
} {
  const end = [...events].reverse().find((e) => executionEndStatus(e.type) !== undefined);
  const status = executionEndStatus(end?.type);
  if (end === undefined || status === undefined) return { status: 'RUNNING' };
  const d = detailsOf(end);
  return { status, error: str(d.error), cause: str(d.cause), output: str(d.output) };
}

/**
 * A failure's cause as a reader wants it first: when it is a Lambda error's JSON (the cause
 * Step Functions gives a failed Lambda task: errorType, errorMessage, trace), its
 * `errorMessage`; else the cause as it is. The whole cause stays for whoever asks for it.
 */
export function causeMessage(cause: string): string {
  return lambdaErrorOf(cause)?.errorMessage ?? cause;
}
