/** The Parallel state: every branch on the same input; the first failure stops the others. */
import type { StateRun } from './execution-types.js';
import { markFailed, taskFailures } from './retry-policy.js';
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
  let failure: unknown;
  let lastId = frame.last;
  const results = await Promise.all(
    branches.map(async (branch) => {
      const child = x.childFrame(frame, signal);
      try {
        const out = await x.runProgram(branch, branchInput, child);
        lastId = Math.max(lastId, child.last);
        return out;
      } catch (e) {
        lastId = Math.max(lastId, child.last);
        // Off the branch's thread: the Parallel's failure still follows the task's.
        if (taskFailures.has(e as object)) x.emit(child, 'TaskStateAborted');
        if (failure === undefined) {
          failure = e;
          abort.abort(new Error('branch failed'));
        }
        return undefined;
      }
    }),
  );
  frame.last = lastId;
  if (failure !== undefined) {
    if (x.signal.aborted) throw failure;
    throw markFailed(failure);
  }
  // AWS's ParallelStateExited names the last branch event as its previous one, not this (its recorded ids).
  const last = frame.last;
  x.emit(frame, 'ParallelStateSucceeded');
  frame.last = last;
  return x.finish(run, results, run.input);
}
