/** A failure that Retry and Catch see: an error name and an optional cause. */
export class StatesError extends Error {
  override readonly name = 'StatesError';
  constructor(
    /** Undefined only for a SendTaskFailure that named no error (see TaskFailure). */
    readonly error: string | undefined,
    override readonly cause?: string,
    /** Where a JSONata evaluation failed (`Output/result`), for the EvaluationFailed event. */
    readonly location?: string,
    /**
     * Raised by the interpreter about a state (not by a Fail state or a task): its cause
     * gets AWS's "An error occurred while executing the state ..." prefix.
     */
    public scoped = true,
  ) {
    super(cause ? `${error ?? ''}: ${cause}` : (error ?? ''));
  }
}

/**
 * A Task that timed out: its TimeoutSeconds passed, or its HeartbeatSeconds without a
 * heartbeat. AWS fails both as States.Timeout, with no cause (its history and the execution's
 * error say so); only a Retrier or Catcher naming States.HeartbeatTimeout tells a missed
 * heartbeat apart, and a Catcher's error output has an empty Cause (AWS's recorded answers).
 */
export class TaskTimedOut extends StatesError {
  constructor(readonly heartbeat: boolean) {
    super('States.Timeout', undefined, undefined, false);
  }
}

/**
 * A state's output over the 256 KiB quota: terminal, as AWS documents it (States.ALL does not
 * catch it; a Retrier or Catcher naming States.DataLimitExceeded does). A task's result over the
 * quota is the task's failure instead, which States.ALL catches (AWS's recorded answers).
 */
export class StateOutputTooLarge extends StatesError {
  constructor(stateName: string) {
    super('States.DataLimitExceeded', tooLarge(stateName), undefined, false);
  }
}

/** AWS's cause for a result or output over the quota; `source` is the state, the function's ARN, or the integration's service. */
export const tooLarge = (source: string) =>
  `The state/task '${source}' returned a result with a size exceeding the maximum number of bytes service limit.`;

/** Thrown by a TaskRunner when the task fails; the engine turns it into a StatesError. */
export class TaskFailure extends Error {
  override readonly name = 'TaskFailure';
  constructor(
    /** Undefined when SendTaskFailure named none: AWS's TaskFailed then has no error, and only States.ALL catches it. */
    readonly error: string | undefined,
    override readonly cause?: string,
  ) {
    super(cause ? `${error ?? ''}: ${cause}` : (error ?? ''));
  }
}

/** A definition AWS would refuse at CreateStateMachine. */
export class InvalidDefinition extends Error {
  override readonly name = 'InvalidDefinition';
  readonly code = 'InvalidDefinition';
}

/** `reason` is `<diagnostic code>: <message>[ at <location>]`, as ValidateStateMachineDefinition reads it back. */
export const invalidDefinition = (reason: string, options?: ErrorOptions) =>
  new InvalidDefinition(`Invalid State Machine Definition: '${reason}'`, options);

/** AWS's ValidateStateMachineDefinition answer for a blank definition (recorded); it has no location. */
export const NOT_AN_OBJECT = 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object';

export const Errors = {
  ALL: 'States.ALL',
  Runtime: 'States.Runtime',
  Timeout: 'States.Timeout',
  TaskFailed: 'States.TaskFailed',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  BranchFailed: 'States.BranchFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  IntrinsicFailure: 'States.IntrinsicFailure',
  QueryEvaluationError: 'States.QueryEvaluationError',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ParameterPathFailure: 'States.ParameterPathFailure',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  ItemReaderFailed: 'States.ItemReaderFailed',
  ResultWriterFailed: 'States.ResultWriterFailed',
  DataLimitExceeded: 'States.DataLimitExceeded',
} as const;
