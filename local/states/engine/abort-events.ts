/**
 * The `*StateAborted` and `MapIterationAborted` events of a failing Parallel or Map state.
 *
 * When a branch or an iteration fails and the state fails with it, AWS closes every thread it
 * still runs, in order: a Map iteration still running gets MapIterationAborted, and the state each
 * thread is in (the failed Task itself too) gets its type's `StateAborted` (Task, Parallel, Map,
 * Wait: the types the history has one for; a Parallel or Map state in a thread closes its own
 * threads after it). Every one of these follows the event that failed, as does the failing state's
 * own `StateFailed` (AWS's recorded ids: a Parallel branch's TaskFailed, then TaskStateAborted and
 * ParallelStateFailed after it; four Map iterations timing out, then MapIterationFailed, a
 * TaskStateAborted for each and a MapIterationAborted for each other one).
 */
import type { Frame, OpenState, Thread } from './execution-types.js';
import type { StateHost } from './state-host.js';

/** The state types whose abort the history records (`HistoryEventType`'s `*StateAborted`). */
const ABORTABLE = new Set(['Task', 'Parallel', 'Map', 'Wait']);

/** Marks the state a thread enters: open until it exits, if its abort would be recorded. */
export function enterState(frame: Frame, type: string): OpenState | undefined {
  frame.current = ABORTABLE.has(type) ? { type, threads: [] } : undefined;
  return frame.current;
}

/** The state a thread was in exited: nothing of it is left to abort. */
export function exitState(frame: Frame): void {
  frame.current = undefined;
}

/** Closes the threads of a failing Parallel or Map state, each event following `anchor` (the failed event). */
export function abortThreads(x: StateHost, threads: readonly Thread[], anchor: number): void {
  for (const thread of threads) {
    if (thread.frame.silent) continue;
    if (!thread.ended && thread.iteration)
      x.emit({ last: anchor }, 'MapIterationAborted', 'mapIterationAbortedEventDetails', { ...thread.iteration });
    thread.ended = true;
    const open = thread.frame.current;
    if (!open) continue;
    thread.frame.current = undefined;
    x.emit({ last: anchor }, `${open.type}StateAborted`);
    abortThreads(x, open.threads, anchor);
  }
}
