/** The Parallel state: every branch on the same input; the first failure stops the others. */
import { abortThreads } from './abort-events.js';
import type { StateRun, Thread } from './execution-types.js';
import { markFailed } from './retry-policy.js';
import type { StateHost } from './state-host.js';

export async function parallelState(x: StateHost, run: StateRun, _attempt: number): Promise<unknown> {
  const { state, frame } = run;
  let branchInput: unknown;
  if (state.ql === 'JSONata') {
    branchInput = state.arguments ? await state.arguments(x.jsonataScope(frame, x.statesVar(run))) : run.input;
  } else {
    const effective = x.effectiveInput(run);
    branchInput = state.parameters ? state.parameters(x.scope(effective, x.ctx(run), frame)) : effective;
  }
  x.emit(frame, 'ParallelStateStarted');
  const abort = new AbortController();
  const signal = AbortSignal.any([frame.signal, abort.signal]);
  const branches = state.branches ?? [];
  const threads: Thread[] = branches.map(() => ({ frame: x.childFrame(frame, signal), ended: true }));
  if (frame.current) frame.current.threads = threads;
  let failure: unknown;
  /** The event the failing branch ended on, which the state's failure events follow. */
  let failedAt = frame.last;
  let lastId = frame.last;
  const results = await Promise.all(
    branches.map(async (branch, i) => {
      const child = (threads[i] as Thread).frame;
      try {
        const out = (await x.runProgram(branch, branchInput, child)).output;
        lastId = Math.max(lastId, child.last);
        return out;
      } catch (e) {
        lastId = Math.max(lastId, child.last);
        if (failure === undefined) {
          failure = e;
          failedAt = child.last;
          abort.abort(new Error('branch failed'));
          // The failed branch's state first, then the others' in order.
          if (!x.signal.aborted) abortThreads(x, [threads[i] as Thread, ...threads], failedAt);
        }
        return undefined;
      }
    }),
  );
  if (failure !== undefined) {
    frame.last = failedAt;
    if (x.signal.aborted) throw failure;
    throw markFailed(failure);
  }
  frame.last = lastId;
  // AWS's ParallelStateExited names the last branch event as its previous one, not this (its recorded ids).
  const last = frame.last;
  x.emit(frame, 'ParallelStateSucceeded');
  frame.last = last;
  return x.finish(run, results, run.input);
}
