/** Retry and Catch around a state's body: the attempts a Retrier allows, then the Catcher's transition. */
import type { Catcher } from './definition.js';
import { Errors, StatesError, TaskTimedOut } from './errors.js';
import type { Outcome, StateRun } from './execution-types.js';
import { failedBody, matches, retryDelay, toStatesError } from './retry-policy.js';
import type { StateHost } from './state-host.js';

/**
 * Runs `body` until it succeeds, its retriers give up or a catcher takes the error.
 * `scopeError` is the interpreter's: it prefixes an error with the state, as AWS does.
 */
export async function withRetryAndCatch(
  x: StateHost,
  run: StateRun,
  body: (attempt: number) => Promise<unknown>,
  scopeError: (e: unknown) => unknown,
): Promise<Outcome> {
  const { state } = run;
  const counts = state.retry.map(() => 0);
  for (let attempt = 0; ; attempt++) {
    if (state.type === 'Task') run.retryCount = attempt;
    run.context = undefined;
    try {
      const output = await body(attempt);
      return { output, next: state.next };
    } catch (e) {
      const halted = x.signal.aborted || run.frame.signal.aborted;
      if (halted) throw e;
      const err = scopeError(toStatesError(e));
      if (!(err instanceof StatesError)) throw err;
      const retrierIndex = state.retry.findIndex((r) => matches(r.errorEquals, err, state.type));
      const retrier = state.retry[retrierIndex];
      if (retrier && (counts[retrierIndex] as number) < retrier.maxAttempts) {
        const delay = retryDelay(retrier, counts[retrierIndex] as number);
        counts[retrierIndex] = (counts[retrierIndex] as number) + 1;
        run.evaluationFailedEmitted = false;
        await x.sleepFn(delay, run.frame.signal);
        continue;
      }
      if ((state.type === 'Map' || state.type === 'Parallel') && (failedBody.has(e as object) || err.error === Errors.QueryEvaluationError))
        x.emit(run.frame, `${state.type}StateFailed`);
      const catcher = state.catch.find((c) => matches(c.errorEquals, err, state.type));
      if (catcher) return caught(x, run, catcher, err);
      throw err;
    }
  }
}

async function caught(x: StateHost, run: StateRun, catcher: Catcher, err: StatesError): Promise<Outcome> {
  const errorOutput: Record<string, unknown> = { Error: err.error };
  if (err.cause !== undefined) errorOutput.Cause = err.cause;
  else if (err instanceof TaskTimedOut) errorOutput.Cause = '';
  // SendTaskFailure without an error: AWS's error output holds both as null (its recorded answers).
  if (err.error === undefined) Object.assign(errorOutput, { Error: null, Cause: err.cause ?? null });
  if (run.state.ql === 'JSONata') {
    const states = x.statesVar(run, { errorOutput });
    run.assigned = await x.evalAssign(catcher.assign, run, errorOutput, states);
    const output = catcher.output ? await catcher.output(x.jsonataScope(run.frame, states)) : errorOutput;
    return { output, next: catcher.next };
  }
  run.assigned = await x.evalAssign(catcher.assign, run, errorOutput, {});
  return { output: catcher.resultPath(run.input, errorOutput), next: catcher.next };
}
