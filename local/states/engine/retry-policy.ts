/** Which Retrier or Catcher an error matches, how long a retry waits, and how many Map failures are tolerated. */
import type { Retrier, State } from './definition.js';
import { Errors, StateOutputTooLarge, StatesError, TaskFailure, TaskTimedOut } from './errors.js';

/** Errors after which a Map or Parallel state records its `StateFailed` event. */
export const failedBody = new WeakSet<object>();
export function markFailed(e: unknown): unknown {
  if (typeof e === 'object' && e !== null) failedBody.add(e);
  return e;
}

export function toStatesError(e: unknown): StatesError {
  if (e instanceof StatesError) return e;
  if (e instanceof TaskFailure) return new StatesError(e.error, e.cause, undefined, false);
  return new StatesError(Errors.Runtime, e instanceof Error ? e.message : String(e));
}

/**
 * Whether a Retrier's or Catcher's ErrorEquals takes an error (a StatesError, or its name).
 * States.Runtime is never retried nor caught, whatever names it: it fails the execution, as
 * AWS documents.
 */
export function matches(errorEquals: string[], err: StatesError | string | undefined, type: State['type']): boolean {
  if (err === undefined) return false;
  const error = typeof err === 'string' ? err : err.error;
  if (error === Errors.Runtime) return false;
  // A failure without a name (SendTaskFailure's without an error) is matched by the wildcards alone.
  if (error !== undefined && errorEquals.includes(error)) return true;
  if (err instanceof TaskTimedOut && err.heartbeat && errorEquals.includes(Errors.HeartbeatTimeout)) return true;
  // A state's output over the quota is terminal; a name alone (TestState's) is taken as one.
  if (typeof err === 'string' ? error === Errors.DataLimitExceeded : err instanceof StateOutputTooLarge) return false;
  if (errorEquals.includes(Errors.ALL)) return true;
  // States.TaskFailed is a wildcard for any error of a Task except States.Timeout
  return type === 'Task' && errorEquals.includes(Errors.TaskFailed) && error !== Errors.Timeout;
}

/** The wait before retry number `count` (0-based), in ms. */
export function retryDelay(retrier: Retrier, count: number, random: () => number = Math.random): number {
  let seconds = retrier.intervalSeconds * retrier.backoffRate ** count;
  if (retrier.maxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.maxDelaySeconds);
  if (retrier.jitter === 'FULL') seconds = random() * seconds;
  return Math.round(seconds * 1000);
}

export function toleratedCount(total: number, percentage: number | undefined, count: number | undefined): number {
  let tolerated = Number.POSITIVE_INFINITY;
  if (count !== undefined) tolerated = count;
  if (percentage !== undefined) tolerated = Math.min(tolerated, Math.floor((percentage / 100) * total));
  return tolerated === Number.POSITIVE_INFINITY ? 0 : tolerated;
}
