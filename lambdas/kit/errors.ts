/**
 * Typed errors of the handler kit. Each has a stable `name`: Step Functions `Catch`
 * and `Retry` match on it (a Lambda error's `errorType` is the error's name), and
 * log queries filter on it. Renaming one is a breaking change.
 */
export abstract class SwitchyardError extends Error {
  abstract override readonly name: string;
}

/** A required environment variable is missing or malformed; the function cannot start. */
export class ConfigError extends SwitchyardError {
  override readonly name = 'ConfigError';
}

/** A record is not an EventBridge event, or its detail breaks its contract. Retrying will not help. */
export class InvalidEventError extends SwitchyardError {
  override readonly name = 'InvalidEvent';
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
  override readonly name = 'UnknownEventType';
}

/** PutEvents left entries unpublished after every retry. */
export class EmitError extends SwitchyardError {
  override readonly name = 'EmitFailed';
  constructor(
    message: string,
    /** `detail-type: errorCode errorMessage` for each entry that could not be published. */
    readonly failures: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`${message}: ${failures.join('; ')}`, options);
  }
}

/** A synchronously started workflow ended in a status other than SUCCEEDED. */
export class WorkflowFailedError extends SwitchyardError {
  override readonly name = 'WorkflowFailed';
}

/**
 * Something that is not an Error was thrown (a string, an object, undefined). Wrapping
 * it keeps stack-less throws from turning into "success" anywhere downstream.
 */
export class NonErrorThrownError extends SwitchyardError {
  override readonly name = 'NonErrorThrown';
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
