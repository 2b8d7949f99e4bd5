/** What a Task resource names, the task tokens it hands out, and what a persisted history says about an attempt. */
import type { HistoryEvent } from './history-events.js';

/**
 * Which history events a Task records (AWS names them by what the resource is): a Lambda
 * function's ARN records LambdaFunction* events, an activity's ARN Activity* events, every
 * service integration Task* events.
 */
export type ResourceFamily = 'lambda' | 'activity' | 'task';

/** `arn:aws:states:::lambda:invoke.waitForTaskToken` → type `lambda`, name `invoke.waitForTaskToken`, family `task`. */
export function describeResource(resource: string): { type: string; name: string; family: ResourceFamily } {
  if (/^arn:[^:]+:lambda:/.test(resource)) return { type: 'lambda', name: resource, family: 'lambda' };
  if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:[^:]+$/.test(resource)) return { type: 'activity', name: resource, family: 'activity' };
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:(.+)$/.exec(resource);
  if (m) {
    const rest = m[1] as string;
    // `startExecution.sync:2`: the version after `.sync` belongs to the name, not the type.
    const versioned = /^(.+):([^:]+\.sync:\d+)$/.exec(rest);
    if (versioned) return { type: versioned[1] as string, name: versioned[2] as string, family: 'task' };
    const i = rest.lastIndexOf(':');
    if (i > 0) return { type: rest.slice(0, i), name: rest.slice(i + 1), family: 'task' };
  }
  return { type: 'activity', name: resource, family: 'task' };
}

/** Task tokens name the execution, the state entry and the attempt, so a resumed run reissues the same one. */
export function taskTokenFor(executionArn: string, enteredId: number, attempt: number): string {
  return Buffer.from(JSON.stringify({ e: executionArn, s: enteredId, a: attempt })).toString('base64url');
}

/**
 * The key of one attempt of one state entry: the same in a run resumed after a restart,
 * so a local service can answer the attempt's request again instead of doing it twice.
 */
export function taskKeyFor(executionArn: string, enteredId: number, attempt: number): string {
  return `${executionArn}#${enteredId}.${attempt}`;
}

/** The execution whose task a `taskKeyFor` key names. */
export function executionOfTaskKey(key: string): string {
  return key.slice(0, key.lastIndexOf('#'));
}

export function parseTaskToken(token: string): { executionArn: string; enteredId: number; attempt: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { e: string; s: number; a: number };
    if (typeof v.e !== 'string' || typeof v.s !== 'number') return undefined;
    return { executionArn: v.e, enteredId: v.s, attempt: v.a };
  } catch {
    return undefined;
  }
}

interface RecordedAttempt {
  started: boolean;
  submitted?: boolean;
  outcome?: 'succeeded' | 'failed';
  output?: unknown;
  error?: string;
  cause?: string;
}

const SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);
const STARTED = new Set(['TaskStarted', 'LambdaFunctionStarted', 'ActivityStarted']);
const SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded', 'ActivitySucceeded']);
const FAILED = /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|ScheduleFailed)$/;

/** What the history says about attempt `n` of a Task state that was running at the restart. */
export function recordedAttempt(events: HistoryEvent[], n: number): RecordedAttempt | undefined {
  let attempt = -1;
  let current: RecordedAttempt | undefined;
  for (const e of events) {
    if (SCHEDULED.has(e.type)) {
      attempt++;
      current = attempt === n ? { started: false } : undefined;
      continue;
    }
    if (!current) continue;
    const d = (e[Object.keys(e).find((k) => k.endsWith('EventDetails')) ?? ''] ?? {}) as Record<string, unknown>;
    // An activity starts when its worker claims it: that is its submission too.
    if (STARTED.has(e.type)) {
      current.started = true;
      if (e.type === 'ActivityStarted') current.submitted = true;
    } else if (e.type === 'TaskSubmitted') current.submitted = true;
    else if (SUCCEEDED.has(e.type)) {
      current.outcome = 'succeeded';
      current.output = JSON.parse((d.output as string | undefined) ?? 'null');
    } else if (FAILED.test(e.type)) {
      current.outcome = 'failed';
      current.error = d.error as string | undefined;
      current.cause = d.cause as string | undefined;
    }
  }
  return attempt >= n ? current : undefined;
}
