/**
 * A durable fork through Lambda's public API, as the handler kit starts one in AWS
 * (lambdas/kit/durable-forks.ts): the parent's operations are read from its history
 * (GetDurableExecutionHistory, the one read a DurableFlow is granted for it) and written into
 * the fork's own checkpoint (CheckpointDurableExecution) before the handler runs, so the SDK
 * replays them as the local runtime's forks do. The API creates an operation only as its
 * handler would, so what it can hold is narrower than a copy: a step with its result or error,
 * a child context (a map, a parallel, a waitForCallback) with its result, a wait as a wait of one
 * second. A callback the handler created itself (`createCallback`) and a chained invoke cannot
 * be answered without calling out again, so a fork after one is refused.
 */
import type { DurableForkOperation } from './durable-fork.js';
import { ForkNotPossible } from './fork.js';

/** One history event of GetDurableExecutionHistory (the SDK's or the wire's): its type, operation and details. */
export interface DurableForkHistoryEvent {
  readonly EventType?: string;
  readonly Id?: string;
  readonly Name?: string;
  readonly ParentId?: string;
  readonly SubType?: string;
  readonly [details: string]: unknown;
}

/** `ErrorObject` of Lambda's API. */
export interface DurableForkError {
  readonly ErrorType?: string;
  readonly ErrorMessage?: string;
  readonly ErrorData?: string;
  readonly StackTrace?: string[];
}

/** An operation of the parent as its history recorded it: where it was and how it ended. */
export interface RecordedOperation extends DurableForkOperation {
  readonly SubType?: string;
  readonly result?: string;
  readonly error?: DurableForkError;
}

/** `OperationUpdate` of Lambda's API, as far as a fork writes one. */
export interface DurableForkUpdate {
  readonly Id: string;
  readonly Type: 'STEP' | 'CONTEXT' | 'WAIT';
  readonly Action: 'START' | 'SUCCEED' | 'FAIL';
  readonly ParentId?: string;
  readonly Name?: string;
  readonly SubType?: string;
  readonly Payload?: string;
  readonly Error?: DurableForkError;
  readonly WaitOptions?: { readonly WaitSeconds: number };
}

const TYPES: Readonly<Record<string, string>> = {
  ChainedInvoke: 'CHAINED_INVOKE',
  Callback: 'CALLBACK',
  Context: 'CONTEXT',
  Step: 'STEP',
  Wait: 'WAIT',
};
const PHASES: Readonly<Record<string, string>> = {
  Started: 'STARTED',
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
  TimedOut: 'TIMED_OUT',
  Cancelled: 'CANCELLED',
  Stopped: 'STOPPED',
};

/** The operations of a history in the order they started, each as it ended (or stands), with its result or error. */
export function recordedOperations(events: readonly DurableForkHistoryEvent[]): RecordedOperation[] {
  const byId = new Map<string, RecordedOperation>();
  for (const event of events) {
    const [, kind, phase] = /^(ChainedInvoke|Callback|Context|Step|Wait)(\w+)$/.exec(event.EventType ?? '') ?? [];
    if (kind === undefined || phase === undefined || event.Id === undefined || PHASES[phase] === undefined) continue;
    const details = (event[`${kind}${phase}Details`] ?? {}) as {
      Result?: { Payload?: string };
      Error?: { Payload?: DurableForkError };
      RetryDetails?: { NextAttemptDelaySeconds?: number };
    };
    const known = byId.get(event.Id) ?? {
      Id: event.Id,
      Type: TYPES[kind] as string,
      Status: 'STARTED',
      ...(event.Name ? { Name: event.Name } : {}),
      ...(event.ParentId ? { ParentId: event.ParentId } : {}),
      ...(event.SubType ? { SubType: event.SubType } : {}),
    };
    // A step's try that the handler retries carries the delay to its next try: it has not ended.
    const retrying = kind === 'Step' && details.RetryDetails?.NextAttemptDelaySeconds !== undefined;
    const { result: _, error: __, ...op } = known;
    byId.set(event.Id, {
      ...op,
      Status: retrying ? 'PENDING' : (PHASES[phase] as string),
      ...(details.Result?.Payload !== undefined ? { result: details.Result.Payload } : {}),
      ...(details.Error?.Payload !== undefined ? { error: details.Error.Payload } : {}),
    });
  }
  return [...byId.values()];
}

/**
 * The checkpoint updates that give a fork the parent's operations it copies (the `copied` of
 * durableForkStart, from recordedOperations), in order: each step started and ended as it
 * ended, each child context started and ended with its result (its children are left out, as
 * Lambda leaves a finished context's children out of the state), each wait as a wait of one
 * second. Refused, naming the operation, for what the API cannot hold.
 */
export function forkCheckpointUpdates(copied: readonly RecordedOperation[], from: string): DurableForkUpdate[] {
  const contexts = new Set<string>();
  const updates: DurableForkUpdate[] = [];
  for (const op of copied) {
    // Under a context the fork holds whole: the SDK does not replay its children.
    if (op.ParentId !== undefined && contexts.has(op.ParentId)) {
      if (op.Type === 'CONTEXT') contexts.add(op.Id);
      continue;
    }
    const base = {
      Id: op.Id,
      ...(op.ParentId ? { ParentId: op.ParentId } : {}),
      ...(op.Name ? { Name: op.Name } : {}),
      ...(op.SubType ? { SubType: op.SubType } : {}),
    };
    if (op.Type === 'WAIT') {
      updates.push({ ...base, Type: 'WAIT', Action: 'START', WaitOptions: { WaitSeconds: 1 } });
      continue;
    }
    if (op.Type !== 'STEP' && op.Type !== 'CONTEXT')
      throw notHeld(
        op,
        from,
        'it is answered from outside the execution (a callback the handler created, a chained invoke), which a checkpoint cannot record',
      );
    if (op.Status !== 'SUCCEEDED' && op.Status !== 'FAILED')
      throw notHeld(op, from, `it ended ${op.Status}, which only Lambda can end an operation in`);
    if (op.Type === 'CONTEXT') {
      // A result over the checkpoint's limit is left empty, and the SDK rebuilds it from the children, which the fork cannot hold.
      if (op.Status === 'SUCCEEDED' && !op.result) throw notHeld(op, from, 'its result was too large to be checkpointed');
      contexts.add(op.Id);
    }
    updates.push({ ...base, Type: op.Type, Action: 'START' });
    updates.push(
      op.Status === 'SUCCEEDED'
        ? { ...base, Type: op.Type, Action: 'SUCCEED', ...(op.result !== undefined ? { Payload: op.result } : {}) }
        : { ...base, Type: op.Type, Action: 'FAIL', Error: op.error ?? {} },
    );
  }
  return updates;
}

function notHeld(op: RecordedOperation, from: string, why: string): ForkNotPossible {
  return new ForkNotPossible(
    `Cannot fork from ${from} in AWS: ${op.Name ?? `the ${op.Type.toLowerCase()} ${op.Id}`} comes before it, and ${why}; fork from it instead, or on the local runtime, which forks any durable execution`,
  );
}
