/** The Task state: its history events, its runner call under TimeoutSeconds and HeartbeatSeconds, and resuming an attempt after a restart. */
import { beginWork } from '../../time/clock.js';
import { Errors, StatesError, TaskFailure, TaskTimedOut, tooLarge } from './errors.js';
import type { StateRun, TaskRequest, TaskRunner } from './execution-types.js';
import { overPayloadLimit, stringify } from './json.js';
import type { StateHost } from './state-host.js';
import { describeResource, type ResourceFamily, recordedAttempt, taskKeyFor, taskTokenFor } from './task-tokens.js';

const TASK_DONE = Symbol('task done');

type ResourceKind = ReturnType<typeof describeResource>;

/** The `.sync` integration pattern's resources (`startExecution.sync`, `.sync:2`). */
const SYNC = /\.sync(:\d+)?$/;

export async function taskState(x: StateHost, run: StateRun, attempt: number): Promise<unknown> {
  const { state, frame } = run;
  const runner = x.options.taskRunner;
  const resource = state.resource as string;
  const kind = describeResource(resource);
  // A `.sync` task has a token in its context object too, which SendTaskSuccess may answer (AWS's recorded answers).
  const callback = resource.endsWith('.waitForTaskToken') || SYNC.test(resource);
  // An activity's worker answers with the task token GetActivityTask handed it, as a callback task's does.
  const taskToken = callback || kind.family === 'activity' ? taskTokenFor(x.options.executionArn, run.enteredId, attempt) : undefined;
  // TestState's context may give the token (or more of Task) the state is to see.
  if (callback) x.ctx(run).Task = { Token: taskToken, ...(x.options.context?.Task as object | undefined) };
  const taskInput = await inputOf(x, run);
  const credentials = await credentialsOf(x, run);
  const timeoutSeconds = await x.dynamicNumber(run, state.timeoutSeconds, 'TimeoutSeconds', 'integer');
  const heartbeatSeconds = await x.dynamicNumber(run, state.heartbeatSeconds, 'HeartbeatSeconds', 'integer');
  const recorded = run.resumed ? recordedAttempt(run.resumed.events, attempt) : undefined;
  if (recorded?.outcome === 'succeeded') return x.finish(run, recorded.output, run.input);
  if (recorded?.outcome === 'failed') throw new StatesError(recorded.error as string, recorded.cause, undefined, false);
  if (!recorded) {
    const refused = runner?.unschedulable?.(resource, taskInput);
    if (refused !== undefined) throw new StatesError(Errors.Runtime, refused);
    emitScheduled(x, run, kind, taskInput, timeoutSeconds, heartbeatSeconds, credentials);
  }
  // An activity starts when its worker claims it (its submission, below).
  if (!recorded?.started && kind.family !== 'activity')
    emit(x, run, kind, 'Started', kind.family === 'task' ? resourceOf(kind) : undefined);
  // A durable sink must hold the Scheduled event before the side effect starts.
  await x.flush();
  if (!runner) throw new StatesError(Errors.TaskFailed, `No task runner is configured for the resource '${resource}'.`, undefined, false);
  const end = callInFlight(x, resource, kind, taskToken);
  // A resumed attempt whose request was handed over before the restart has its event already.
  let submitted = recorded?.submitted === true;
  let result: unknown;
  let output: string;
  try {
    result = await callRunner(x, runner, {
      resource,
      input: taskInput,
      arguments: state.ql === 'JSONata' ? taskInput : undefined,
      taskToken,
      heartbeatSeconds,
      timeoutSeconds,
      credentials,
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
    output = stringify(result);
    if (overPayloadLimit(output)) throw new TaskFailure(Errors.DataLimitExceeded, tooLarge(kind.family === 'task' ? kind.type : resource));
  } catch (e) {
    if (frame.signal.aborted) throw e;
    throw taskFailed(x, run, kind, e);
  } finally {
    end();
  }
  emit(x, run, kind, 'Succeeded', { ...resourceOf(kind), output, outputDetails: { truncated: false } });
  return x.finish(run, result, run.input);
}

/** The effective input (JSONPath Parameters) or the evaluated JSONata Arguments. */
async function inputOf(x: StateHost, run: StateRun): Promise<unknown> {
  const { state, frame } = run;
  if (state.ql === 'JSONata') return state.arguments ? await state.arguments(x.jsonataScope(frame, x.statesVar(run))) : run.input;
  const effective = x.effectiveInputCached(run);
  return state.parameters ? state.parameters(x.scope(effective, x.ctx(run), frame)) : effective;
}

/** The Credentials evaluated as Parameters are (JSONPath), or as a JSONata expression: `{ RoleArn }`. */
async function credentialsOf(x: StateHost, run: StateRun): Promise<{ RoleArn?: unknown } | undefined> {
  const { state, frame } = run;
  const credentials = state.credentials;
  if (credentials === undefined) return undefined;
  if (credentials.template) return (await credentials.template(x.jsonataScope(frame, x.statesVar(run)))) as { RoleArn?: unknown };
  return credentials.path?.resolve(x.scope(x.effectiveInputCached(run), x.ctx(run), frame)) as { RoleArn?: unknown };
}

/** The events of each family: LambdaFunctionScheduled, ActivityScheduled, TaskScheduled, ... */
const FAMILY_EVENTS: Readonly<Record<ResourceFamily, { type: string; details: string }>> = {
  lambda: { type: 'LambdaFunction', details: 'lambdaFunction' },
  activity: { type: 'Activity', details: 'activity' },
  task: { type: 'Task', details: 'task' },
};

/** One of the task's events, named for its family (a Lambda function's Started event has no details). */
function emit(x: StateHost, run: StateRun, kind: ResourceKind, event: string, details?: Record<string, unknown>): void {
  const { type, details: key } = FAMILY_EVENTS[kind.family];
  if (details === undefined) x.emit(run.frame, `${type}${event}`);
  else x.emit(run.frame, `${type}${event}`, `${key}${event}EventDetails`, details);
}

/** A service integration's events name its resource; a function's and an activity's do not. */
function resourceOf(kind: ResourceKind): Record<string, unknown> {
  return kind.family === 'task' ? { resourceType: kind.type, resource: kind.name } : {};
}

/**
 * A request-response call to a service (a DynamoDB write, a Bedrock call) is work in flight on
 * the clock (Clock.begin): a test's clock waits for it rather than time it out by jumping past
 * its TimeoutSeconds. Not a function's call (its invocation is work of its own, and a durable
 * function's waits on the clock in between), nor a task that waits for someone else (a task
 * token, `.sync`, an activity, a worker's GetActivityTask poll, whose 60 seconds are on the
 * clock): those wait on what the clock may have to move for.
 */
function callInFlight(x: StateHost, resource: string, kind: ResourceKind, taskToken: string | undefined): () => void {
  const waitsForOthers = taskToken !== undefined || SYNC.test(resource) || resource.endsWith(':aws-sdk:sfn:getActivityTask');
  if (waitsForOthers || kind.family === 'lambda' || /^(aws-sdk:)?lambda$|^activity$/.test(kind.type)) return () => undefined;
  return beginWork(x.clock, () => `a ${kind.type}:${kind.name} task of ${x.options.executionArn}`);
}

/** The Scheduled event, with the input and the deadlines the runner gets. */
function emitScheduled(
  x: StateHost,
  run: StateRun,
  kind: ResourceKind,
  taskInput: unknown,
  timeoutSeconds: number | undefined,
  heartbeatSeconds: number | undefined,
  credentials: { RoleArn?: unknown } | undefined,
): void {
  const resource = run.state.resource as string;
  const scheduled: Record<string, unknown> =
    kind.family === 'task'
      ? { resourceType: kind.type, resource: kind.name, region: x.region, parameters: stringify(taskInput) }
      : { resource, input: stringify(taskInput), inputDetails: { truncated: false } };
  if (timeoutSeconds !== undefined) scheduled.timeoutInSeconds = timeoutSeconds;
  if (heartbeatSeconds !== undefined) scheduled.heartbeatInSeconds = heartbeatSeconds;
  // The role the task assumes (AWS's recorded TaskScheduled names it).
  if (typeof credentials?.RoleArn === 'string' && kind.family !== 'activity') scheduled.taskCredentials = { roleArn: credentials.RoleArn };
  emit(x, run, kind, 'Scheduled', scheduled);
}

/** Records the runner's failure (or timeout) as its history event; returns the error the state throws. */
function taskFailed(x: StateHost, run: StateRun, kind: ResourceKind, e: unknown): StatesError {
  const err =
    e instanceof TaskFailure || e instanceof StatesError
      ? e
      : new TaskFailure(Errors.TaskFailed, e instanceof Error ? e.message : String(e));
  const heartbeat = err.error === Errors.HeartbeatTimeout;
  const timedOut = err.error === Errors.Timeout || heartbeat;
  const error = heartbeat ? Errors.Timeout : err.error;
  const details: Record<string, unknown> = { ...resourceOf(kind) };
  if (error !== undefined) details.error = error;
  if (err.cause !== undefined) details.cause = err.cause;
  emit(x, run, kind, timedOut ? 'TimedOut' : 'Failed', details);
  return timedOut && err.cause === undefined ? new TaskTimedOut(heartbeat) : new StatesError(error, err.cause, undefined, false);
}

/** TaskSubmitted with the service's answer; for an activity, ActivityStarted naming the worker that claimed it. */
function emitSubmitted(x: StateHost, run: StateRun, kind: ResourceKind, response: unknown): void {
  if (kind.family === 'activity') {
    const workerName = (response as { workerName?: unknown } | undefined)?.workerName;
    emit(x, run, kind, 'Started', typeof workerName === 'string' ? { workerName } : {});
    return;
  }
  emit(x, run, kind, 'Submitted', { ...resourceOf(kind), output: stringify(response), outputDetails: { truncated: false } });
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
