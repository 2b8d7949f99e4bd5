import { realSleep, TaskFailure, type TaskRequest } from '../engine/index.js';
import type { TaskRecord } from '../execution-store.js';
import { abortable, executionArnOf, type TaskEnvironment } from './shared.js';

/** The activities Task states schedule work on (activities.ts). */
export interface ActivityTasks {
  exists(activityArn: string): boolean;
  /** A task of the activity can be claimed now: wakes a worker that polls for one. */
  scheduled(activityArn: string): void;
}

/**
 * The `.waitForTaskToken` pattern: `send` carries the task token to whoever answers it,
 * once (a request already submitted before a restart is not sent again), then the task
 * waits for SendTaskSuccess, SendTaskFailure or its timeout.
 */
export async function waitForTaskToken(env: TaskEnvironment, request: TaskRequest, send: () => Promise<unknown>): Promise<unknown> {
  const token = request.taskToken;
  if (!token) throw new TaskFailure('States.Runtime', `The state '${request.stateName}' has no task token.`);
  const { callbacks } = env;
  const { record, existed } = callbacks.open(token, executionArnOf(request), 'token');
  const waiting = callbacks.wait(token, request.signal, () => request.heartbeat());
  waiting.catch(() => {});
  if (record.status === 'WAITING' && !record.submitted) {
    let response: unknown;
    try {
      response = await abortable(send(), request.signal);
    } catch (error) {
      if (!request.signal.aborted) callbacks.abandon(token, 'CLOSED');
      throw error;
    }
    callbacks.markSubmitted(token, response);
    request.submitted?.(response);
  }
  if (!existed) return waiting;
  return Promise.race([waiting, resumedDeadline(env, token, record, request)]);
}

/**
 * A `.sync` task has a task token too (`$$.Task.Token`): SendTaskSuccess or SendTaskFailure on
 * it ends the task before its job does, as AWS's recorded answers show (the job runs on).
 */
export async function syncOrTaskToken(
  env: TaskEnvironment,
  request: TaskRequest,
  run: (request: TaskRequest) => Promise<unknown>,
): Promise<unknown> {
  const token = request.taskToken;
  if (!token) return run(request);
  const { callbacks } = env;
  callbacks.open(token, executionArnOf(request), 'token');
  const answered = callbacks.wait(token, request.signal, () => request.heartbeat());
  answered.catch(() => {});
  // The job is aborted (its child stopped) with the task, but not once an answer has ended the task.
  const job = new AbortController();
  const abortJob = () => job.abort(request.signal.reason);
  request.signal.addEventListener('abort', abortJob, { once: true });
  const running = run({ ...request, signal: job.signal });
  running.catch(() => {});
  try {
    return await Promise.race([running, answered]);
  } finally {
    request.signal.removeEventListener('abort', abortJob);
    // The token's wait ends with the task, whichever ended it; an answer after that is refused.
    callbacks.abandon(token, 'CLOSED');
  }
}

/**
 * A Task naming an activity: the task waits, under its token, until a worker claims it with
 * GetActivityTask (its ActivityStarted event, naming the worker) and answers SendTaskSuccess
 * or SendTaskFailure, or until it times out. The task is stored as claimable before anyone
 * hears of it, so an unclaimed task is still there for a worker after a restart.
 */
export async function runActivity(env: TaskEnvironment, activities: ActivityTasks, request: TaskRequest, activityArn: string) {
  const token = request.taskToken;
  if (!token) throw new TaskFailure('States.Runtime', `The state '${request.stateName}' has no task token.`);
  // An Express execution is not kept across a restart, so neither could its task be: AWS refuses activities in Express machines.
  if (!env.durable(executionArnOf(request)))
    throw new TaskFailure('States.Runtime', `Express state machine does not support Activity ARN: '${activityArn}'`);
  const { callbacks } = env;
  const input = JSON.stringify(request.input ?? null);
  const { record, existed } = callbacks.open(token, executionArnOf(request), 'activity', { activityArn, input });
  const waiting = callbacks.wait(token, request.signal, () => request.heartbeat());
  waiting.catch(() => {});
  const stopListening = callbacks.onClaimed(token, (claim) => request.submitted?.(claim));
  if (record.status === 'WAITING' && !record.submitted) activities.scheduled(activityArn);
  try {
    return await (existed ? Promise.race([waiting, resumedDeadline(env, token, record, request)]) : waiting);
  } finally {
    stopListening();
  }
}

/**
 * The engine restarts a resumed task's TimeoutSeconds from the resume; AWS counts from
 * when the task started, so a resumed task times out at its original deadline.
 */
function resumedDeadline(env: TaskEnvironment, token: string, record: TaskRecord, request: TaskRequest): Promise<never> {
  if (request.timeoutSeconds === undefined || request.timeoutSeconds <= 0) return new Promise(() => {});
  const remaining = record.createdAt + request.timeoutSeconds * 1000 - env.clock.now();
  const expire = () => {
    env.callbacks.abandon(token, 'TIMED_OUT');
    throw new TaskFailure('States.Timeout');
  };
  if (remaining <= 0) return Promise.resolve().then(expire);
  return (env.timer ?? realSleep)(remaining, request.signal).then(expire, () => new Promise<never>(() => {}));
}
