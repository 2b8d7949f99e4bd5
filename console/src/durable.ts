import {
  type DurableOperationView,
  type DurableOutcome,
  durableOperations,
  durableOutcome,
  waitingCallbacks,
} from '../../clients/durable-timeline.js';
import { DURABLE_EXECUTION_STATUSES, isStatusOf } from '../../clients/execution-statuses.js';
import type { DurableExecutionDetail } from '../../clients/read-api-contract.js';
import { followUntil } from './actions.js';
import { AwsCallError } from './aws.js';
import type { ExecutionRow } from './executions-data.js';
import { durableExecution, durableExecutions } from './feed.js';
import { signedHeaders } from './signer.js';

/** One durable execution as its page shows it: the read API's answer read by the timeline reader the CLI uses. */
export interface DurableView {
  readonly detail: DurableExecutionDetail;
  readonly operations: readonly DurableOperationView[];
  readonly waiting: readonly DurableOperationView[];
  readonly outcome: DurableOutcome;
}

export async function loadDurable(arn: string): Promise<DurableView> {
  const detail = await durableExecution(arn);
  const operations = durableOperations(detail.events);
  return { detail, operations, waiting: waitingCallbacks(operations), outcome: durableOutcome(detail.events) };
}

/** Reads a durable execution until `done` says an action's work is over; undefined when the page stopped first. */
export function followDurable(arn: string, done: (view: DurableView) => boolean, stopped: () => boolean): Promise<DurableView | undefined> {
  return followUntil(() => loadDurable(arn), done, stopped);
}

/**
 * The durable executions as rows of the Executions page, beside the state machines': none
 * for a status they never have (ABORTED, PENDING_REDRIVE).
 */
export async function durableRows(filter: { status?: string; limit?: number }): Promise<ExecutionRow[]> {
  if (filter.status !== undefined && !isStatusOf(DURABLE_EXECUTION_STATUSES, filter.status)) return [];
  const { executions } = await durableExecutions({ ...(filter.status ? { status: filter.status } : {}), limit: filter.limit ?? 100 });
  return executions.map((e) => ({
    executionArn: e.durableExecutionArn,
    stateMachineArn: e.functionArn,
    flow: e.functionName,
    type: 'DURABLE',
    name: e.name,
    status: e.status,
    startDate: new Date(e.startDate),
    ...(e.stopDate ? { stopDate: new Date(e.stopDate) } : {}),
  }));
}

/** An operator's answer to a waiting callback: approve with a result (JSON text), or refuse with an error. */
export type CallbackAnswer =
  | { readonly approve: true; readonly result: string }
  | { readonly approve: false; readonly errorType: string; readonly reason: string };

/**
 * SendDurableExecutionCallbackSuccess or SendDurableExecutionCallbackFailure: Lambda's
 * REST API on this origin, signed as the SDK signs it (the callback id encoded in the path,
 * the result as the raw body, the error as an ErrorObject), so the console answers as
 * `switchyard durable approve` does.
 */
export async function answerCallback(callbackId: string, answer: CallbackAnswer): Promise<void> {
  const path = `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(callbackId)}/${answer.approve ? 'succeed' : 'fail'}`;
  if (answer.approve) return lambdaPost(path, answer.result, 'application/octet-stream');
  return lambdaPost(path, JSON.stringify({ ErrorType: answer.errorType, ErrorMessage: answer.reason }), 'application/json');
}

/** StopDurableExecution, as `switchyard stop` sends it without --error: the execution ends STOPPED. */
export async function stopDurable(arn: string): Promise<void> {
  // The request's body is its ErrorObject (the operation's payload): none given.
  return lambdaPost(`/2025-12-01/durable-executions/${encodeURIComponent(arn)}/stop`, '{}', 'application/json');
}

/** A POST to Lambda's REST API on this origin, signed; Lambda's error as an AwsCallError. */
async function lambdaPost(path: string, body: string, contentType: string): Promise<void> {
  const headers = await signedHeaders('lambda', { 'content-type': contentType }, body, path);
  const response = await fetch(path, { method: 'POST', headers, body, credentials: 'omit', cache: 'no-store' });
  if (response.ok) return;
  const text = await response.text();
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON: the status says it.
  }
  const type = parsed.__type ?? response.headers.get('x-amzn-errortype') ?? 'UnknownError';
  const code = type.slice(type.lastIndexOf('#') + 1).split(':')[0] ?? type;
  throw new AwsCallError(code, parsed.message ?? parsed.Message ?? text, response.status);
}
