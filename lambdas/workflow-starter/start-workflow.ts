import {
  ExecutionAlreadyExists,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  type StartSyncExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { executionNameFor as contractExecutionName, type WorkflowInput, type WorkflowType } from '../../contracts/index.js';
import { ERROR_NAMES } from '../../contracts/wiring.js';
import type { ValidatedEvent } from '../kit/envelope.js';
import { EffectInProgressError, SwitchyardError, WorkflowFailedError } from '../kit/errors.js';
import { tracingEnabled } from '../kit/tracing/invocation.js';
import { fromTraceparent, toXRayHeader } from '../kit/tracing/trace-context.js';

export type { WorkflowInput, WorkflowType };

export interface StartResult {
  readonly executionName: string;
  readonly executionArn?: string;
  /** `STARTED`, `ALREADY_STARTED` (a duplicate), or the final status of a synchronous EXPRESS execution. */
  readonly outcome: 'STARTED' | 'ALREADY_STARTED' | 'SUCCEEDED';
}

/**
 * The execution name for an event: a pure function of its idempotency key, so every
 * delivery of one business fact maps to one name (at most 80 characters of
 * letters, digits, `-` and `_`, as Step Functions allows).
 */
export function executionNameFor(event: Pick<ValidatedEvent, 'idempotencyKey' | 'contract'>): string {
  return contractExecutionName(event.contract, event.idempotencyKey);
}

export function workflowInputFor(event: ValidatedEvent): WorkflowInput {
  const { envelope } = event;
  return {
    detail: envelope.detail,
    event: {
      id: envelope.id,
      source: envelope.source,
      detailType: envelope['detail-type'],
      time: envelope.time,
      ...(envelope['replay-name'] ? { replayName: envelope['replay-name'] } : {}),
      idempotencyKey: event.idempotencyKey,
    },
    correlationId: event.correlationId,
  };
}

/**
 * Starts one execution for `event`. STANDARD: StartExecution, where a name already
 * taken means this event already started its execution, which counts as success.
 * EXPRESS: StartSyncExecution (Express executions have no status-change events and no
 * name-based dedup in AWS), failing unless the execution succeeds so that the queue
 * retries it and, in the end, dead-letters it. Two EXPRESS failures are not the record's:
 * - the execution failed with EffectInProgress: an earlier run of the same fact holds the
 *   claim on its effect (its Cause is `expressInProgressCause`'s JSON, naming when the
 *   claim lapses), so this throws EffectInProgressError and the record is held back;
 * - `deadline` fired before the execution answered: the starter stops waiting so that its
 *   invocation settles every record of the batch before its own timeout (an invocation
 *   that times out brings the whole batch back, each record running again). The execution
 *   itself runs on to its own timeout; the retry finds what it did through the flow's claim.
 */
export async function startWorkflow(
  client: SFNClient,
  stateMachineArn: string,
  type: WorkflowType,
  event: ValidatedEvent,
  deadline?: AbortSignal,
): Promise<StartResult> {
  const name = executionNameFor(event);
  const input = JSON.stringify(workflowInputFor(event));
  const traceHeader = executionTraceHeader(event);
  if (type === 'EXPRESS') return startSync(client, { stateMachineArn, name, input, traceHeader }, deadline);
  try {
    const result = await client.send(new StartExecutionCommand({ stateMachineArn, name, input, traceHeader }));
    return { executionName: name, executionArn: result.executionArn, outcome: 'STARTED' };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { executionName: name, outcome: 'ALREADY_STARTED' };
    throw error;
  }
}

/**
 * The trace an execution joins: with the starter's tracing `opentelemetry`, the trace of the
 * span that emitted the event (its `detail.metadata.traceparent`, as X-Ray's header), so the
 * execution continues the journey's trace instead of the starter's (which Lambda began for the
 * queue's batch). Otherwise none: Step Functions takes the header the SDK sends, as before.
 */
export function executionTraceHeader(event: Pick<ValidatedEvent, 'traceparent'>): string | undefined {
  const emitted = tracingEnabled() ? fromTraceparent(event.traceparent) : undefined;
  return emitted === undefined ? undefined : toXRayHeader(emitted);
}

async function startSync(
  client: SFNClient,
  execution: { readonly stateMachineArn: string; readonly name: string; readonly input: string; readonly traceHeader?: string },
  deadline: AbortSignal | undefined,
): Promise<StartResult> {
  const { name } = execution;
  let result: StartSyncExecutionCommandOutput;
  try {
    result = await client.send(new StartSyncExecutionCommand(execution), { abortSignal: deadline });
  } catch (error) {
    if (deadline?.aborted) {
      throw new WorkflowFailedError(`execution ${name} did not end before the starter’s deadline; it may still be running`, {
        cause: error,
      });
    }
    throw error;
  }
  if (result.status === 'SUCCEEDED') return { executionName: name, executionArn: result.executionArn, outcome: 'SUCCEEDED' };
  const why = `execution ${name} ended ${result.status}${result.error ? `: ${result.error}` : ''}${result.cause ? ` (${result.cause})` : ''}`;
  if (result.status === 'FAILED' && result.error === ERROR_NAMES.effectInProgress) {
    throw new EffectInProgressError(why, retryAfterMsOf(result.cause, Date.now()));
  }
  if (result.status === 'FAILED' && result.error === ERROR_NAMES.tokenLimitReached) {
    throw new ExecutionThrottledError(why, tokenRetryAfterMsOf(result.cause));
  }
  throw new WorkflowFailedError(why);
}

/**
 * An EXPRESS execution failed with TokenLimitReached: a model's token window was full when
 * it reserved. To the starter that is a throttling answer (HTTP 429, with the window's
 * retry-after when the cause says it): with the trigger's `flowControl.pauseOnThrottle` its
 * key pauses for every record and this one is held back, not counted towards the
 * dead-letter queue; without it the record is retried with backoff like any failure.
 */
export class ExecutionThrottledError extends SwitchyardError {
  override readonly name = ERROR_NAMES.tokenLimitReached;
  /** What the kit's flow control reads a throttling answer by. */
  readonly status = 429;
  constructor(
    message: string,
    /** Until the full window ends, if the execution's cause said; the pause's default applies otherwise. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The wait a TokenLimitReached cause names: the kit's TokenLimitReachedError says "retry in
 * N s" in its message, which Lambda passes on (its error JSON carries the message, not the
 * error's fields) and the flow's Fail state keeps as its Cause.
 */
export function tokenRetryAfterMsOf(cause: string | undefined): number | undefined {
  const seconds = /retry in (\d+) s/.exec(cause ?? '')?.[1];
  return seconds === undefined ? undefined : Number(seconds) * 1000;
}

/**
 * What an EXPRESS flow puts in the Cause of a Fail state named EffectInProgress (a JSON
 * object): why, and until when (epoch milliseconds) the run that holds the claim may
 * still act. The starter holds the record back until then.
 */
export interface ExpressInProgressCause {
  readonly message: string;
  readonly leaseUntil: number;
}

/** How long until the claim in an EffectInProgress Cause lapses; 0 (look again soon) if the Cause does not say. */
export function retryAfterMsOf(cause: string | undefined, nowMs: number): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause ?? '');
  } catch {
    return 0;
  }
  const until = (parsed as Partial<ExpressInProgressCause> | null)?.leaseUntil;
  return typeof until === 'number' && Number.isFinite(until) ? Math.max(0, until - nowMs) : 0;
}
