import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** One try of a task inside a state: what ended it. */
export interface Attempt {
  readonly outcome: 'succeeded' | 'failed' | 'timed out' | 'running';
  readonly error?: string;
  readonly cause?: string;
}

/** One visit of a state, assembled from the history events of that visit. */
export interface StateVisit {
  readonly name: string;
  /** Task, Choice, Pass, Map, ... from the StateEntered event's type. */
  readonly type: string;
  readonly enteredAt?: Date;
  exitedAt?: Date;
  durationMs?: number;
  input?: string;
  output?: string;
  readonly attempts: Attempt[];
  /** The visit ended in an error that a Catch took to `caughtBy`. */
  caught?: { error?: string; cause?: string; next?: string };
  status: 'succeeded' | 'failed' | 'caught' | 'running';
}

export interface ExecutionFailure {
  readonly error?: string;
  readonly cause?: string;
}

const FAILED_TYPES: Record<string, Attempt['outcome']> = {
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

const ATTEMPT_STARTS = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);
const ATTEMPT_SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded', 'ActivitySucceeded']);

/** The details member of an event (each type has its own, e.g. taskFailedEventDetails). */
function details(event: HistoryEvent): { error?: string; cause?: string; name?: string; input?: string; output?: string } {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value !== undefined) return value as ReturnType<typeof details>;
  }
  return {};
}

/**
 * The states an execution went through, in the order they were entered, with their
 * durations, each try of their task (so retries show), and the error a Catch handled.
 * Events are attributed to a visit through `previousEventId`, so the interleaved
 * branches of Parallel and Map states stay apart.
 */
export function stateVisits(events: readonly HistoryEvent[]): StateVisit[] {
  const visits: StateVisit[] = [];
  const visitOfEvent = new Map<number, StateVisit>();
  const open = new Set<StateVisit>();
  let lastClosedByFailure: StateVisit | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    const d = details(event);
    const previous = event.previousEventId === undefined ? undefined : visitOfEvent.get(event.previousEventId);
    if (type.endsWith('StateEntered')) {
      const visit: StateVisit = {
        name: d.name ?? '?',
        type: type.replace(/StateEntered$/, ''),
        enteredAt: event.timestamp,
        input: d.input,
        attempts: [],
        status: 'running',
      };
      visits.push(visit);
      open.add(visit);
      if (event.id !== undefined) visitOfEvent.set(event.id, visit);
      if (lastClosedByFailure?.caught && lastClosedByFailure.caught.next === undefined) lastClosedByFailure.caught.next = visit.name;
      continue;
    }
    // An exit names its state: a Parallel's or Map's exit follows the last event of a
    // branch (another state's visit), so it goes to the open visit of that name instead.
    const exitOfOther = type.endsWith('StateExited') && previous?.name !== d.name;
    const visit = exitOfOther ? ([...open].reverse().find((v) => v.name === d.name) ?? previous) : previous;
    if (visit === undefined) continue;
    if (event.id !== undefined) visitOfEvent.set(event.id, visit);
    if (ATTEMPT_STARTS.has(type)) visit.attempts.push({ outcome: 'running' });
    else if (ATTEMPT_SUCCEEDED.has(type)) replaceLast(visit, { outcome: 'succeeded' });
    else if (type in FAILED_TYPES) {
      replaceLast(visit, { outcome: FAILED_TYPES[type] as Attempt['outcome'], error: d.error, cause: d.cause });
    } else if (type.endsWith('StateExited')) {
      visit.exitedAt = event.timestamp;
      visit.output = d.output;
      open.delete(visit);
      const last = visit.attempts.at(-1);
      if (last !== undefined && last.outcome !== 'succeeded') {
        visit.caught = { error: last.error, cause: last.cause };
        visit.status = 'caught';
        lastClosedByFailure = visit;
      } else {
        visit.status = 'succeeded';
      }
    } else if (type.endsWith('Failed') || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      visit.status = 'failed';
    }
    if (visit.enteredAt && visit.exitedAt) visit.durationMs = visit.exitedAt.getTime() - visit.enteredAt.getTime();
  }
  // A visit still open when the execution failed is where it failed.
  const ended = events.find((e) => ['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted'].includes(e.type ?? ''));
  for (const visit of open) {
    if (ended) {
      visit.status = 'failed';
      visit.exitedAt = ended.timestamp;
      if (visit.enteredAt && ended.timestamp) visit.durationMs = ended.timestamp.getTime() - visit.enteredAt.getTime();
    }
  }
  return visits;
}

function replaceLast(visit: StateVisit, attempt: Attempt): void {
  const last = visit.attempts.at(-1);
  if (last !== undefined && last.outcome === 'running') visit.attempts[visit.attempts.length - 1] = attempt;
  else visit.attempts.push(attempt);
}

/** The error and cause the execution ended with, when it failed. */
export function executionFailure(events: readonly HistoryEvent[]): ExecutionFailure | undefined {
  const failed = events.find((e) => ['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted'].includes(e.type ?? ''));
  if (failed === undefined) return undefined;
  const d = details(failed);
  return { error: d.error ?? failed.type, cause: d.cause };
}
