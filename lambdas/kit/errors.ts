import { ERROR_NAMES, PERMANENT_ERRORS } from '../../contracts/wiring.js';

/**
 * Typed errors of the handler kit. Each has a stable `name` (listed in the wiring's
 * ERROR_NAMES): Step Functions `Catch` and `Retry` match on it (a Lambda error's
 * `errorType` is the error's name), and log queries filter on it. Renaming one is a
 * breaking change.
 */
export abstract class SwitchyardError extends Error {
  abstract override readonly name: string;

  /**
   * Whether the same input can succeed on another try. A queue consumer sends a record
   * that failed with a non-retryable error to its dead-letter queue at once. By default
   * an error is permanent when its name is in the wiring's PERMANENT_ERRORS; a domain
   * error marks itself permanent by overriding this.
   */
  get retryable(): boolean {
    return !PERMANENT_ERRORS.includes(this.name);
  }
}

/**
 * Whether retrying cannot help: a SwitchyardError that says so, or any error whose name
 * is one of the wiring's PERMANENT_ERRORS.
 */
export function isPermanent(error: Error): boolean {
  if (error instanceof SwitchyardError) return !error.retryable;
  return PERMANENT_ERRORS.includes(error.name);
}

/** A required environment variable is missing or malformed; the function cannot start. */
export class ConfigError extends SwitchyardError {
  override readonly name = ERROR_NAMES.config;
}

/** A record is not an EventBridge event, or its detail breaks its contract. Retrying will not help. */
export class InvalidEventError extends SwitchyardError {
  override readonly name = ERROR_NAMES.invalidEvent;
  constructor(
    message: string,
    /** What exactly was wrong, one line per problem. */
    readonly problems: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(problems.length > 0 ? `${message}: ${problems.join('; ')}` : message, options);
  }
}

/** No contract is registered for the record's detail-type. */
export class UnknownEventTypeError extends SwitchyardError {
  override readonly name = ERROR_NAMES.unknownEventType;
}

/** PutEvents left entries unpublished after every retry. */
export class EmitError extends SwitchyardError {
  override readonly name = ERROR_NAMES.emitFailed;
  constructor(
    message: string,
    /** `detail-type: errorCode errorMessage` for each entry that could not be published. */
    readonly failures: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`${message}: ${failures.join('; ')}`, options);
  }
}

/**
 * An event asks for failures to be simulated (a demo's `simulate` field) where this
 * deployment does not allow them (ENV.allowSimulatedFailures): refused before any effect,
 * and never retried.
 */
export class SimulationRefusedError extends SwitchyardError {
  override readonly name = ERROR_NAMES.simulationRefused;
  override get retryable(): boolean {
    return false;
  }
}

/**
 * Another delivery of the same fact holds the claim on its effect, and its claim has not
 * lapsed: it may still be applying the effect or announcing it. This delivery must do
 * neither (announcing now could announce twice) and comes back after `retryAfterMs`, when
 * the claim has been released or has lapsed. A queue consumer holds such a record back
 * without counting it towards its dead-letter queue: waiting for a twin is not a failure.
 */
export class EffectInProgressError extends SwitchyardError {
  override readonly name = ERROR_NAMES.effectInProgress;
  constructor(
    message: string,
    /** How long until the holder's claim lapses (0 if it already may have). */
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A synchronously started workflow ended in a status other than SUCCEEDED. */
export class WorkflowFailedError extends SwitchyardError {
  override readonly name = ERROR_NAMES.workflowFailed;
}

/**
 * Something that is not an Error was thrown (a string, an object, undefined). Wrapping
 * it keeps stack-less throws from turning into "success" anywhere downstream.
 */
export class NonErrorThrownError extends SwitchyardError {
  override readonly name = ERROR_NAMES.nonErrorThrown;
  constructor(readonly thrown: unknown) {
    super(`a non-Error value was thrown: ${describeThrown(thrown)}`);
  }
}

/** Returns `thrown` if it is an Error, else wraps it so that it has a name, a message and a stack. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new NonErrorThrownError(thrown);
}

function describeThrown(thrown: unknown): string {
  try {
    return typeof thrown === 'string' ? JSON.stringify(thrown) : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    return String(thrown);
  }
}

/** One event of a Custom Event Bus batch that failed, or was held behind a failure of its group. */
export interface FailedBatchEvent {
  /** The event's id (`aws:EventId`), or its position in the batch when it has none. */
  readonly eventId: string;
  /** @default - the event has no group */
  readonly eventGroupId?: string;
  /** The failure's error name; `EventsFailed` for an event held behind an earlier failure of its group (never run). */
  readonly errorName: string;
  readonly message: string;
}

/**
 * Events of a Custom Event Bus batch failed with errors a retry may cure: the invocation fails
 * so that EventBridge delivers the batch again (its Lambda target takes no per-event failure
 * report; a function error is a failed delivery), and the events that succeeded are skipped
 * then by their idempotency claims. Its `cause` is the first failure's error.
 */
export class EventsFailedError extends SwitchyardError {
  override readonly name = ERROR_NAMES.eventsFailed;
  constructor(
    message: string,
    /** Each failed event, and on a FIFO subscriber each event held behind one, in batch order. */
    readonly events: readonly FailedBatchEvent[],
    options?: ErrorOptions,
  ) {
    const each = events.map((event) => `${event.eventId} ${event.errorName}: ${event.message}`);
    super(each.length > 0 ? `${message}: ${each.join('; ')}` : message, options);
  }
}
