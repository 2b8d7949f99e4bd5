import { AwsError } from '../../endpoint/aws-error.js';
import type {
  ErrorObject,
  HistoryEvent,
  Operation,
  OperationRecord,
  OperationStatus,
  OperationType,
  OperationUpdate,
} from './durable-types.js';

/** A history event before the store numbers it. */
export type NewEvent = Omit<HistoryEvent, 'EventId'>;

const TYPES: ReadonlySet<string> = new Set(['EXECUTION', 'CONTEXT', 'STEP', 'WAIT', 'CALLBACK', 'CHAINED_INVOKE']);
/** The actions each operation type takes (API reference, OperationUpdate). */
const ACTIONS: Readonly<Record<OperationType, readonly string[]>> = {
  EXECUTION: ['SUCCEED', 'FAIL'],
  CONTEXT: ['START', 'SUCCEED', 'FAIL'],
  STEP: ['START', 'SUCCEED', 'FAIL', 'RETRY'],
  WAIT: ['START', 'CANCEL'],
  CALLBACK: ['START', 'CANCEL'],
  CHAINED_INVOKE: ['START', 'CANCEL'],
};

/** The states an existing operation may be in for each action (as the SDK's reference checkpoint server checks them). */
const ALLOWED_FROM: Readonly<Record<string, readonly OperationStatus[]>> = {
  'STEP:START': ['READY'],
  'STEP:SUCCEED': ['STARTED', 'READY'],
  'STEP:FAIL': ['STARTED', 'READY'],
  'STEP:RETRY': ['STARTED', 'READY'],
  'CONTEXT:SUCCEED': ['STARTED'],
  'CONTEXT:FAIL': ['STARTED'],
  'WAIT:CANCEL': ['STARTED'],
  'CALLBACK:CANCEL': ['STARTED'],
  'CHAINED_INVOKE:CANCEL': ['STARTED'],
};

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message);
}

/** Checks an update's own shape before anything is applied. */
export function validateUpdate(update: OperationUpdate): void {
  if (typeof update?.Id !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(update.Id)) {
    throw invalid(`Invalid operation Id: ${String(update?.Id)}`);
  }
  if (!TYPES.has(update.Type)) throw invalid(`Invalid operation type: ${String(update.Type)}`);
  if (!ACTIONS[update.Type].includes(update.Action)) {
    throw invalid(`Invalid ${update.Type} action: ${String(update.Action)}`);
  }
  if (update.Action === 'FAIL' && update.Payload != null) throw invalid('Cannot provide a Payload for FAIL action.');
  if (update.Action === 'SUCCEED' && update.Error != null) throw invalid('Cannot provide an Error for SUCCEED action.');
  if (update.Action === 'RETRY' && update.StepOptions == null) throw invalid('Invalid StepOptions for the given action.');
  if (update.Type === 'WAIT' && update.Action === 'START') {
    const seconds = update.WaitOptions?.WaitSeconds;
    if (seconds === undefined || !Number.isInteger(seconds) || seconds < 1 || seconds > 31_622_400) {
      throw invalid('WaitOptions.WaitSeconds must be an integer from 1 to 31622400.');
    }
  }
  if (update.Type === 'CHAINED_INVOKE' && update.Action === 'START' && !update.ChainedInvokeOptions?.FunctionName) {
    throw invalid('ChainedInvokeOptions.FunctionName is required to start a CHAINED_INVOKE operation.');
  }
}

/** What applying one update gives: the operation as it is now, and the history it adds. */
export interface Applied {
  readonly record: OperationRecord;
  readonly events: readonly NewEvent[];
  /** A chained invoke the service is to start: the function, its input, and what the start resolved of it. */
  readonly chainedInvoke?: { readonly functionName: string; readonly payload: string } & ChainedTarget;
}

/**
 * What starting a chained invoke resolved of its function (ChainedInvokeStartedDetails):
 * the version that runs, and for a durable function the execution it started.
 */
export interface ChainedTarget {
  readonly ExecutedVersion?: string;
  readonly DurableExecutionArn?: string;
}

/** What applying an update asks of the service: a new callback's id, a chained invoke's start. */
export interface UpdateServices {
  newCallbackId(): string;
  startChainedTarget(opId: string, functionName: string, payload: string): ChainedTarget;
}

/**
 * Applies one checkpoint update (not of the EXECUTION, which ends the execution) to the
 * operation it names, which may not exist yet.
 */
export function applyUpdate(
  previous: OperationRecord | undefined,
  update: OperationUpdate,
  now: number,
  services: UpdateServices,
): Applied {
  if (previous === undefined) return startOperation(update, now, services);
  const { op } = previous;
  if (op.Type !== update.Type) throw invalid(`Operation ${update.Id} is a ${op.Type}, not a ${update.Type}.`);
  const allowed = ALLOWED_FROM[`${update.Type}:${update.Action}`] ?? [];
  if (!allowed.includes(op.Status)) {
    throw invalid(`Invalid current ${op.Type} state to ${update.Action.toLowerCase()}: ${op.Status}.`);
  }
  if (update.Action === 'START') {
    // The next attempt of a step whose retry delay passed.
    const started: Operation = { ...op, Status: 'STARTED' };
    return { record: { ...previous, op: started }, events: [eventOf('StepStarted', started, now, { StepStartedDetails: {} })] };
  }
  return close(previous, update, now);
}

function startOperation(update: OperationUpdate, now: number, services: UpdateServices): Applied {
  const op: Operation = {
    Id: update.Id,
    Type: update.Type,
    Status: 'STARTED',
    StartTimestamp: now,
    ...(update.ParentId ? { ParentId: update.ParentId } : {}),
    ...(update.Name ? { Name: update.Name } : {}),
    ...(update.SubType ? { SubType: update.SubType } : {}),
  };
  let record: OperationRecord = { op };
  let started: NewEvent;
  let chainedInvoke: Applied['chainedInvoke'];
  switch (update.Type) {
    case 'WAIT': {
      const seconds = update.WaitOptions?.WaitSeconds ?? 1;
      op.WaitDetails = { ScheduledEndTimestamp: now + seconds * 1000 };
      started = eventOf('WaitStarted', op, now, { WaitStartedDetails: { Duration: seconds, ScheduledEndTimestamp: now + seconds * 1000 } });
      break;
    }
    case 'CALLBACK': {
      const { TimeoutSeconds: timeout, HeartbeatTimeoutSeconds: heartbeat } = update.CallbackOptions ?? {};
      op.CallbackDetails = { CallbackId: services.newCallbackId() };
      record = {
        op,
        ...(timeout ? { callbackTimeoutAt: now + timeout * 1000 } : {}),
        ...(heartbeat ? { heartbeatTimeoutAt: now + heartbeat * 1000, heartbeatSeconds: heartbeat } : {}),
      };
      started = eventOf('CallbackStarted', op, now, {
        CallbackStartedDetails: {
          CallbackId: op.CallbackDetails.CallbackId,
          ...(timeout ? { Timeout: timeout } : {}),
          ...(heartbeat ? { HeartbeatTimeout: heartbeat } : {}),
          ...(update.Payload !== undefined ? { Input: { Payload: update.Payload } } : {}),
        },
      });
      break;
    }
    case 'CONTEXT':
      op.ContextDetails =
        update.ContextOptions?.ReplayChildren === undefined ? {} : { ReplayChildren: update.ContextOptions.ReplayChildren };
      started = eventOf('ContextStarted', op, now, { ContextStartedDetails: {} });
      break;
    case 'CHAINED_INVOKE': {
      const functionName = update.ChainedInvokeOptions?.FunctionName ?? '';
      const tenantId = update.ChainedInvokeOptions?.TenantId;
      const payload = update.Payload ?? '{}';
      const target = services.startChainedTarget(update.Id, functionName, payload);
      chainedInvoke = { functionName, payload, ...target };
      started = eventOf('ChainedInvokeStarted', op, now, {
        ChainedInvokeStartedDetails: {
          FunctionName: functionName,
          ...(tenantId ? { TenantId: tenantId } : {}),
          Input: { Payload: update.Payload ?? '' },
          ...target,
        },
      });
      break;
    }
    default:
      started = eventOf('StepStarted', op, now, { StepStartedDetails: {} });
  }
  if (update.Action === 'START') return { record, events: [started], ...(chainedInvoke ? { chainedInvoke } : {}) };
  const closed = close(record, update, now);
  return { record: closed.record, events: [started, ...closed.events] };
}

/** SUCCEED, FAIL, RETRY or CANCEL of an operation that exists. */
function close(previous: OperationRecord, update: OperationUpdate, now: number): Applied {
  const op: Operation = { ...previous.op };
  const error = update.Error;
  switch (update.Type) {
    case 'STEP': {
      const attempt = (op.StepDetails?.Attempt ?? 0) + 1;
      const retry = { RetryDetails: { CurrentAttempt: attempt, NextAttemptDelaySeconds: update.StepOptions?.NextAttemptDelaySeconds } };
      if (update.Action === 'RETRY') {
        const delay = update.StepOptions?.NextAttemptDelaySeconds ?? 0;
        op.Status = 'PENDING';
        op.StepDetails = {
          Attempt: attempt,
          NextAttemptTimestamp: now + delay * 1000,
          ...(update.Payload !== undefined ? { Result: update.Payload } : {}),
          ...(error ? { Error: error } : {}),
        };
        const details = error
          ? { StepFailedDetails: { Error: { Payload: error }, ...retry } }
          : { StepSucceededDetails: { Result: { Payload: update.Payload }, ...retry } };
        return { record: { ...previous, op }, events: [eventOf(error ? 'StepFailed' : 'StepSucceeded', op, now, details)] };
      }
      const succeeded = update.Action === 'SUCCEED';
      op.Status = succeeded ? 'SUCCEEDED' : 'FAILED';
      op.EndTimestamp = now;
      op.StepDetails = { Attempt: attempt, ...(succeeded ? { Result: update.Payload } : { Error: error ?? {} }) };
      const details = succeeded
        ? { StepSucceededDetails: { Result: { Payload: update.Payload }, ...retry } }
        : { StepFailedDetails: { Error: { Payload: error }, ...retry } };
      return { record: { ...previous, op }, events: [eventOf(succeeded ? 'StepSucceeded' : 'StepFailed', op, now, details)] };
    }
    case 'CONTEXT': {
      const succeeded = update.Action === 'SUCCEED';
      op.Status = succeeded ? 'SUCCEEDED' : 'FAILED';
      op.EndTimestamp = now;
      const replay = update.ContextOptions?.ReplayChildren ?? op.ContextDetails?.ReplayChildren;
      op.ContextDetails = {
        ...(replay === undefined ? {} : { ReplayChildren: replay }),
        ...(succeeded ? { Result: update.Payload } : { Error: error ?? {} }),
      };
      const details = succeeded
        ? { ContextSucceededDetails: { Result: { Payload: update.Payload } } }
        : { ContextFailedDetails: { Error: { Payload: error } } };
      return { record: { ...previous, op }, events: [eventOf(succeeded ? 'ContextSucceeded' : 'ContextFailed', op, now, details)] };
    }
    case 'WAIT':
      op.Status = 'CANCELLED';
      op.EndTimestamp = now;
      return {
        record: { ...previous, op },
        events: [eventOf('WaitCancelled', op, now, { WaitCancelledDetails: error ? { Error: { Payload: error } } : {} })],
      };
    case 'CHAINED_INVOKE':
      op.Status = 'STOPPED';
      op.EndTimestamp = now;
      return {
        record: { ...previous, op },
        events: [eventOf('ChainedInvokeStopped', op, now, { ChainedInvokeStoppedDetails: { Error: error ? { Payload: error } : {} } })],
      };
    default:
      // CALLBACK: the SDK gives up waiting for it.
      op.Status = 'CANCELLED';
      op.EndTimestamp = now;
      return { record: { op }, events: [] };
  }
}

/** A callback's outcome, sent by SendDurableExecutionCallback* or its timeout. */
export function completeCallback(
  record: OperationRecord,
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT',
  now: number,
  outcome: { result?: string; error?: ErrorObject },
): Applied {
  const op: Operation = {
    ...record.op,
    Status: status,
    EndTimestamp: now,
    CallbackDetails: {
      CallbackId: record.op.CallbackDetails?.CallbackId,
      ...(outcome.result !== undefined ? { Result: outcome.result } : {}),
      ...(outcome.error ? { Error: outcome.error } : {}),
    },
  };
  const event =
    status === 'SUCCEEDED'
      ? eventOf('CallbackSucceeded', op, now, { CallbackSucceededDetails: { Result: { Payload: outcome.result } } })
      : eventOf(status === 'FAILED' ? 'CallbackFailed' : 'CallbackTimedOut', op, now, {
          [status === 'FAILED' ? 'CallbackFailedDetails' : 'CallbackTimedOutDetails']: { Error: { Payload: outcome.error } },
        });
  return { record: { op }, events: [event] };
}

/** A chained invoke's outcome, once the function it invoked answered. */
export function completeChainedInvoke(record: OperationRecord, now: number, outcome: { result?: string; error?: ErrorObject }): Applied {
  const succeeded = outcome.error === undefined;
  const op: Operation = {
    ...record.op,
    Status: succeeded ? 'SUCCEEDED' : 'FAILED',
    EndTimestamp: now,
    ChainedInvokeDetails: succeeded ? { Result: outcome.result } : { Error: outcome.error },
  };
  const event = succeeded
    ? eventOf('ChainedInvokeSucceeded', op, now, { ChainedInvokeSucceededDetails: { Result: { Payload: outcome.result } } })
    : eventOf('ChainedInvokeFailed', op, now, { ChainedInvokeFailedDetails: { Error: { Payload: outcome.error } } });
  return { record: { op }, events: [event] };
}

/**
 * What the passing of time does to an operation: a wait ends, a step's retry delay passes
 * (READY for its next attempt), a callback times out. Undefined when nothing is due.
 */
export function advance(record: OperationRecord, now: number): Applied | undefined {
  const { op } = record;
  if (op.Type === 'WAIT' && op.Status === 'STARTED' && (op.WaitDetails?.ScheduledEndTimestamp ?? 0) <= now) {
    const ended: Operation = { ...op, Status: 'SUCCEEDED', EndTimestamp: now };
    const duration = Math.round(((op.WaitDetails?.ScheduledEndTimestamp ?? now) - op.StartTimestamp) / 1000);
    return { record: { op: ended }, events: [eventOf('WaitSucceeded', ended, now, { WaitSucceededDetails: { Duration: duration } })] };
  }
  if (op.Type === 'STEP' && op.Status === 'PENDING' && (op.StepDetails?.NextAttemptTimestamp ?? 0) <= now) {
    return { record: { op: { ...op, Status: 'READY' } }, events: [] };
  }
  if (op.Type === 'CALLBACK' && op.Status === 'STARTED') {
    if (record.callbackTimeoutAt !== undefined && record.callbackTimeoutAt <= now) {
      return completeCallback(record, 'TIMED_OUT', now, { error: { ErrorType: 'Callback.Timeout', ErrorMessage: 'Callback timed out' } });
    }
    if (record.heartbeatTimeoutAt !== undefined && record.heartbeatTimeoutAt <= now) {
      return completeCallback(record, 'TIMED_OUT', now, {
        error: { ErrorType: 'Callback.HeartbeatTimeout', ErrorMessage: 'Callback timed out on heartbeat' },
      });
    }
  }
  return undefined;
}

/** When time next changes an operation (see `advance`), if it will. */
export function nextDue(record: OperationRecord): number | undefined {
  const { op } = record;
  if (op.Type === 'WAIT' && op.Status === 'STARTED') return op.WaitDetails?.ScheduledEndTimestamp;
  if (op.Type === 'STEP' && op.Status === 'PENDING') return op.StepDetails?.NextAttemptTimestamp;
  if (op.Type === 'CALLBACK' && op.Status === 'STARTED') {
    const times = [record.callbackTimeoutAt, record.heartbeatTimeoutAt].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }
  return undefined;
}

/**
 * The operations an invocation replays: all but the descendants of a finished child
 * context that does not replay its children (as Lambda leaves them out of the state).
 */
export function replayedOperations(records: readonly OperationRecord[]): Operation[] {
  const byId = new Map(records.map((r) => [r.op.Id, r.op]));
  const excluded = new Set<string>();
  const kept: Operation[] = [];
  for (const { op } of records) {
    const parent = op.ParentId === undefined ? undefined : byId.get(op.ParentId);
    if (
      parent?.Type === 'CONTEXT' &&
      (parent.Status === 'SUCCEEDED' || parent.Status === 'FAILED') &&
      (!parent.ContextDetails?.ReplayChildren || excluded.has(parent.Id))
    ) {
      excluded.add(op.Id);
      continue;
    }
    kept.push(op);
  }
  return kept;
}

export function eventOf(type: string, op: Pick<Operation, 'Id' | 'Name' | 'ParentId' | 'SubType'>, now: number, details: object): NewEvent {
  return {
    EventType: type,
    EventTimestamp: now,
    Id: op.Id,
    ...(op.Name ? { Name: op.Name } : {}),
    ...(op.ParentId ? { ParentId: op.ParentId } : {}),
    ...(op.SubType ? { SubType: op.SubType } : {}),
    ...details,
  };
}
