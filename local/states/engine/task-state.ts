/** The Task state: its history events, its runner call under TimeoutSeconds and HeartbeatSeconds, and resuming an attempt after a restart. */
import { beginWork } from '../../clock.js';
import { Errors, StatesError, TaskFailure, TaskTimedOut } from './errors.js';
import type { StateRun, TaskRequest, TaskRunner } from './execution-types.js';
import { stringify } from './json.js';
import type { StateHost } from './state-host.js';
import { describeResource, recordedAttempt, taskKeyFor, taskTokenFor } from './task-tokens.js';

const TASK_DONE = Symbol('task done');

type ResourceKind = ReturnType<typeof describeResource>;

export async function taskState(x: StateHost, run: StateRun, attempt: number): Promise<unknown> {
  const { state, frame } = run;
  const runner = x.options.taskRunner;
  const resource = state.resource as string;
  const taskToken = resource.endsWith('.waitForTaskToken') ? taskTokenFor(x.options.executionArn, run.enteredId, attempt) : undefined;
  // TestState's context may give the token (or more of Task) the state is to see.
  if (taskToken) x.ctx(run).Task = { Token: taskToken, ...(x.options.context?.Task as object | undefined) };
  let taskInput: unknown;
  if (state.ql === 'JSONata') {
    taskInput = state.arguments ? await state.arguments(x.jsonataScope(frame, x.statesVar(run))) : run.input;
  } else {
    const effective = x.effectiveInputCached(run);
    taskInput = state.parameters ? state.parameters(x.scope(effective, x.ctx(run), frame)) : effective;
  }
  const timeoutSeconds = await x.dynamicNumber(run, state.timeoutSeconds, 'TimeoutSeconds', 'integer');
  const heartbeatSeconds = await x.dynamicNumber(run, state.heartbeatSeconds, 'HeartbeatSeconds', 'integer');
  const kind = describeResource(resource);
  const recorded = run.resumed ? recordedAttempt(run.resumed.events, attempt) : undefined;
  let result: unknown;
  if (recorded?.outcome === 'succeeded') {
    result = recorded.output;
  } else if (recorded?.outcome === 'failed') {
    throw new StatesError(recorded.error as string, recorded.cause, undefined, false);
  } else {
    if (!recorded) emitScheduled(x, run, kind, taskInput, timeoutSeconds, heartbeatSeconds);
    if (!recorded?.started) {
      if (kind.lambdaArn) x.emit(frame, 'LambdaFunctionStarted');
      else x.emit(frame, 'TaskStarted', 'taskStartedEventDetails', { resourceType: kind.type, resource: kind.name });
    }
    // A durable sink must hold TaskScheduled before the side effect starts.
    await x.flush();
    if (!runner) throw new StatesError(Errors.TaskFailed, `No task runner is configured for the resource '${resource}'.`, undefined, false);
    const end = callInFlight(x, resource, kind, taskToken);
    // A resumed attempt whose request was handed over before the restart has its event already.
    let submitted = recorded?.submitted === true;
    try {
      result = await callRunner(x, runner, {
        resource,
        input: taskInput,
        arguments: state.ql === 'JSONata' ? taskInput : undefined,
        taskToken,
        heartbeatSeconds,
        timeoutSeconds,
        credentials: state.credentials,
        stateName: state.name,
        // An iteration of a distributed Map has no history of its own to resume from, nor an entry id of its own.
        taskKey: frame.silent ? undefined : taskKeyFor(x.options.executionArn, run.enteredId, attempt),
        stateEntry: frame.silent ? undefined : { executionArn: x.options.executionArn, enteredEventId: run.enteredId },
        signal: frame.signal,
        context: x.ctx(run),
        heartbeat: () => {},
        submitted: (response) => {
          if (submitted) return;
          submitted = true;
          emitSubmitted(x, run, kind, response);
        },
      });
    } catch (e) {
      if (frame.signal.aborted) throw e;
      throw taskFailed(x, run, kind, e);
    } finally {
      end();
    }
    emitSucceeded(x, run, kind, result);
  }
  return x.finish(run, result, run.input);
}

/**
 * A request-response call to a service (a DynamoDB write, a Bedrock call) is work in flight on
 * the clock (Clock.begin): a test's clock waits for it rather than time it out by jumping past
 * its TimeoutSeconds. Not a function's call (its invocation is work of its own, and a durable
 * function's waits on the clock in between), nor a task that waits for someone else (a task
 * token, `.sync`, an activity): those wait on what the clock may have to move for.
 */
function callInFlight(x: StateHost, resource: string, kind: ResourceKind, taskToken: string | undefined): () => void {
  if (taskToken !== undefined || /\.sync(:\d+)?$/.test(resource) || kind.lambdaArn || /^(aws-sdk:)?lambda$|^activity$/.test(kind.type)) {
    return () => undefined;
  }
  return beginWork(x.clock, () => `a ${kind.type}:${kind.name} task of ${x.options.executionArn}`);
}

/** LambdaFunctionScheduled or TaskScheduled, with the input and the deadlines the runner gets. */
function emitScheduled(
  x: StateHost,
  run: StateRun,
  kind: ResourceKind,
  taskInput: unknown,
  timeoutSeconds: number | undefined,
  heartbeatSeconds: number | undefined,
): void {
  const resource = run.state.resource as string;
  const scheduled: Record<string, unknown> = kind.lambdaArn
    ? { resource, input: stringify(taskInput), inputDetails: { truncated: false } }
    : { resourceType: kind.type, resource: kind.name, region: x.region, parameters: stringify(taskInput) };
  if (timeoutSeconds !== undefined) scheduled.timeoutInSeconds = timeoutSeconds;
  if (heartbeatSeconds !== undefined) scheduled.heartbeatInSeconds = heartbeatSeconds;
  x.emit(
    run.frame,
    kind.lambdaArn ? 'LambdaFunctionScheduled' : 'TaskScheduled',
    kind.lambdaArn ? 'lambdaFunctionScheduledEventDetails' : 'taskScheduledEventDetails',
    scheduled,
  );
}

/** Records the runner's failure (or timeout) as its history event; returns the error the state throws. */
function taskFailed(x: StateHost, run: StateRun, kind: ResourceKind, e: unknown): StatesError {
  const err =
    e instanceof TaskFailure || e instanceof StatesError
      ? e
      : new TaskFailure(Errors.TaskFailed, e instanceof Error ? e.message : String(e));
  const heartbeat = err.error === Errors.HeartbeatTimeout;
  const timedOut = err.error === Errors.Timeout || heartbeat;
  const details: Record<string, unknown> = kind.lambdaArn ? {} : { resourceType: kind.type, resource: kind.name };
  details.error = heartbeat ? Errors.Timeout : err.error;
  if (err.cause !== undefined) details.cause = err.cause;
  if (kind.lambdaArn)
    x.emit(
      run.frame,
      timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
      timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails',
      details,
    );
  else
    x.emit(run.frame, timedOut ? 'TaskTimedOut' : 'TaskFailed', timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails', details);
  return timedOut && err.cause === undefined
    ? new TaskTimedOut(heartbeat)
    : new StatesError(details.error as string, err.cause, undefined, false);
}

function emitSubmitted(x: StateHost, run: StateRun, kind: ResourceKind, response: unknown): void {
  x.emit(run.frame, 'TaskSubmitted', 'taskSubmittedEventDetails', {
    resourceType: kind.type,
    resource: kind.name,
    output: stringify(response),
    outputDetails: { truncated: false },
  });
}

function emitSucceeded(x: StateHost, run: StateRun, kind: ResourceKind, result: unknown): void {
  const text = stringify(result);
  if (kind.lambdaArn)
    x.emit(run.frame, 'LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
      output: text,
      outputDetails: { truncated: false },
    });
  else
    x.emit(run.frame, 'TaskSucceeded', 'taskSucceededEventDetails', {
      resourceType: kind.type,
      resource: kind.name,
      output: text,
      outputDetails: { truncated: false },
    });
}

/** Enforces TimeoutSeconds and HeartbeatSeconds around the runner. */
async function callRunner(x: StateHost, runner: TaskRunner, request: TaskRequest): Promise<unknown> {
  const timed = (request.timeoutSeconds ?? 0) > 0 || (request.heartbeatSeconds ?? 0) > 0;
  // Most tasks have no deadline: skip the timers and the combined signals entirely.
  if (!timed) return runner.run({ ...request });
  const expiry = new AbortController();
  const done = new AbortController();
  const signal = AbortSignal.any([request.signal, expiry.signal]);
  const expire = (error: string) => {
    if (!expiry.signal.aborted) expiry.abort(new TaskFailure(error));
  };
  const arm = (seconds: number, error: string, generation?: () => number) => {
    const mine = generation?.();
    x.timerFn(seconds * 1000, AbortSignal.any([done.signal, signal])).then(
      () => {
        if (!generation || generation() === mine) expire(error);
      },
      () => {},
    );
  };
  if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) arm(request.timeoutSeconds, Errors.Timeout);
  if (request.heartbeatSeconds !== undefined && request.heartbeatSeconds > 0) {
    let beats = 0;
    const seconds = request.heartbeatSeconds;
    const current = () => beats;
    request.heartbeat = () => {
      beats++;
      arm(seconds, Errors.HeartbeatTimeout, current);
    };
    arm(seconds, Errors.HeartbeatTimeout, current);
  }
  const expired = new Promise<never>((_, reject) => {
    expiry.signal.addEventListener('abort', () => reject(expiry.signal.reason), { once: true });
  });
  try {
    return await Promise.race([runner.run({ ...request, signal }), expired]);
  } catch (e) {
    if (expiry.signal.aborted) throw expiry.signal.reason;
    throw e;
  } finally {
    done.abort(TASK_DONE);
  }
}
