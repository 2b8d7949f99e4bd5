import { toDate } from './history-reader.js';

/**
 * A durable execution's history (GetDurableExecutionHistory's `Events`, as the SDK gives
 * them or as JSON on the wire) read as operations in the order they started: one reader
 * for the CLI and the console, as clients/history-reader.ts is for state machines.
 */

/** One history event, loosely typed: times are Dates (SDK), epoch seconds or ISO strings (wire). */
export interface DurableHistoryEvent {
  readonly EventType?: string;
  readonly EventTimestamp?: unknown;
  readonly Id?: string;
  readonly Name?: string;
  readonly ParentId?: string;
  readonly SubType?: string;
  readonly [details: string]: unknown;
}

export type OperationKind = 'Step' | 'Wait' | 'Callback' | 'Context' | 'ChainedInvoke';

/** An ErrorObject as a checkpoint or a callback recorded it. */
export interface DurableError {
  readonly ErrorType?: string;
  readonly ErrorMessage?: string;
}

/** One failed try of a step before the one that ended it. */
export interface FailedAttempt {
  readonly attempt: number;
  readonly error?: DurableError;
  /** The delay the handler asked for before the next try. */
  readonly retryDelaySeconds?: number;
}

/** One operation of the execution, as an operator reads it. */
export interface DurableOperationView {
  readonly id: string;
  readonly parentId?: string;
  /** How deep it is nested: 0 for an operation of the handler itself, 1 for one of a child context (a waitForCallback's callback), and so on. */
  readonly depth: number;
  readonly kind: OperationKind;
  readonly subType?: string;
  readonly name?: string;
  /** What to call it: its name, else its parent's label and its kind (`approval/callback`, the SDK's waitForCallback), else its id. */
  readonly label: string;
  /** STARTED, RETRYING (a step waiting for its next try), SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, STOPPED. */
  readonly status: string;
  readonly startedAt?: Date;
  readonly endedAt?: Date;
  /** Tries of a step so far (1 when it never failed). */
  readonly attempts: number;
  readonly failedAttempts: readonly FailedAttempt[];
  /** A wait's end. */
  readonly waitUntil?: Date;
  /** A callback's id: what `SendDurableExecutionCallbackSuccess` names. */
  readonly callbackId?: string;
  readonly callbackTimeoutSeconds?: number;
  readonly result?: string;
  readonly error?: DurableError;
}

/** The execution's outcome from its last Execution* event. */
export interface DurableOutcome {
  readonly status: string;
  readonly result?: string;
  readonly error?: DurableError;
}

const KINDS: readonly OperationKind[] = ['ChainedInvoke', 'Callback', 'Context', 'Step', 'Wait'];
const ENDINGS: Record<string, string> = {
  Succeeded: 'SUCCEEDED',
  Failed: 'FAILED',
  TimedOut: 'TIMED_OUT',
  Cancelled: 'CANCELLED',
  Stopped: 'STOPPED',
};

/** The operations of a history, in the order they started (the execution itself and invocations left out). */
export function durableOperations(events: readonly DurableHistoryEvent[]): DurableOperationView[] {
  const byId = new Map<string, DurableOperationView>();
  for (const event of events) {
    const split = splitType(event.EventType ?? '');
    if (split === undefined || event.Id === undefined) continue;
    const [kind, phase] = split;
    const details = (event[`${kind}${phase}Details`] ?? {}) as Record<string, unknown>;
    const at = toDate(event.EventTimestamp);
    const known = byId.get(event.Id);
    const parent = event.ParentId === undefined ? undefined : byId.get(event.ParentId);
    const base: DurableOperationView = known ?? {
      id: event.Id,
      // A parent starts before its children; one missing from the history is still a parent.
      depth: event.ParentId === undefined ? 0 : (parent?.depth ?? 0) + 1,
      kind,
      label: event.Name ?? labelOf(parent, kind, event.Id),
      status: 'STARTED',
      attempts: kind === 'Step' ? 1 : 0,
      failedAttempts: [],
      ...(event.ParentId ? { parentId: event.ParentId } : {}),
      // The SDK repeats the type as the subtype of plain operations (a Step's is Step).
      ...(event.SubType && event.SubType !== kind ? { subType: event.SubType } : {}),
      ...(event.Name ? { name: event.Name } : {}),
      ...(at ? { startedAt: at } : {}),
    };
    byId.set(event.Id, phase === 'Started' ? started(base, details) : ended(base, phase, details, at));
  }
  return [...byId.values()];
}

/** The outcome of the execution, or RUNNING while no Execution* event ended it. */
export function durableOutcome(events: readonly DurableHistoryEvent[]): DurableOutcome {
  for (const event of [...events].reverse()) {
    const type = event.EventType ?? '';
    const ending = ENDINGS[type.replace(/^Execution/, '')];
    if (!type.startsWith('Execution') || ending === undefined) continue;
    const details = (event[`${type}Details`] ?? {}) as Record<string, unknown>;
    return { status: ending, ...payloads(details) };
  }
  return { status: 'RUNNING' };
}

/** The callbacks still waiting for an answer: what an operator approves or refuses. */
export function waitingCallbacks(operations: readonly DurableOperationView[]): DurableOperationView[] {
  return operations.filter((o) => o.kind === 'Callback' && o.status === 'STARTED' && o.callbackId !== undefined);
}

function labelOf(parent: DurableOperationView | undefined, kind: OperationKind, id: string): string {
  return parent === undefined ? id : `${parent.label}/${kind.toLowerCase()}`;
}

function splitType(type: string): [OperationKind, string] | undefined {
  const kind = KINDS.find((k) => type.startsWith(k));
  if (kind === undefined) return undefined;
  return [kind, type.slice(kind.length)];
}

function started(op: DurableOperationView, details: Record<string, unknown>): DurableOperationView {
  const callbackId = typeof details.CallbackId === 'string' ? details.CallbackId : undefined;
  const waitUntil = toDate(details.ScheduledEndTimestamp);
  const timeout = typeof details.Timeout === 'number' ? details.Timeout : undefined;
  return {
    ...op,
    status: 'STARTED',
    ...(callbackId ? { callbackId } : {}),
    ...(waitUntil ? { waitUntil } : {}),
    ...(timeout !== undefined ? { callbackTimeoutSeconds: timeout } : {}),
  };
}

function ended(op: DurableOperationView, phase: string, details: Record<string, unknown>, at: Date | undefined): DurableOperationView {
  const retry = details.RetryDetails as { CurrentAttempt?: number; NextAttemptDelaySeconds?: number } | undefined;
  const outcome = payloads(details);
  // A step's try that the handler retries carries the delay to its next try; the last try carries none.
  if (op.kind === 'Step' && retry?.NextAttemptDelaySeconds !== undefined) {
    const attempt = retry.CurrentAttempt ?? op.attempts;
    return {
      ...op,
      status: 'RETRYING',
      attempts: attempt + 1,
      failedAttempts: [
        ...op.failedAttempts,
        { attempt, ...(outcome.error ? { error: outcome.error } : {}), retryDelaySeconds: retry.NextAttemptDelaySeconds },
      ],
    };
  }
  return {
    ...op,
    status: ENDINGS[phase] ?? phase.toUpperCase(),
    ...(retry?.CurrentAttempt !== undefined ? { attempts: retry.CurrentAttempt } : {}),
    ...(at ? { endedAt: at } : {}),
    ...outcome,
  };
}

function payloads(details: Record<string, unknown>): { result?: string; error?: DurableError } {
  const result = (details.Result as { Payload?: unknown } | undefined)?.Payload;
  const error = (details.Error as { Payload?: unknown } | undefined)?.Payload;
  return {
    ...(typeof result === 'string' ? { result } : {}),
    ...(error && typeof error === 'object' ? { error: error as DurableError } : {}),
  };
}
