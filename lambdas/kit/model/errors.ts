import { ERROR_NAMES } from '../../../contracts/wiring.js';
import { SwitchyardError } from '../errors.js';

/**
 * The model service throttled the call. Retryable; its `cause` is the service's own
 * ThrottlingException, so keyed flow control (`pauseOnThrottle`) pauses the key on it.
 */
export class ModelThrottledError extends SwitchyardError {
  override readonly name = ERROR_NAMES.modelThrottled;
}

/** The model service failed, timed out or was not ready. Retryable. */
export class ModelUnavailableError extends SwitchyardError {
  override readonly name = ERROR_NAMES.modelUnavailable;
}

/**
 * The model answered, but not as asked: no call of a forced tool, or an input the tool's
 * schema refuses. Retryable (a model may answer otherwise the next time); a flow that
 * should not spend more on it catches the name.
 */
export class ModelOutputInvalidError extends SwitchyardError {
  override readonly name = ERROR_NAMES.modelOutputInvalid;
}

/** The service refused the request itself (ValidationException, AccessDeniedException, an unknown model): permanent. */
export class ModelRequestInvalidError extends SwitchyardError {
  override readonly name = ERROR_NAMES.modelRequestInvalid;
}

/** A tool-use loop took its step limit without a final answer: permanent for the same request. */
export class ModelStepLimitError extends SwitchyardError {
  override readonly name = ERROR_NAMES.modelStepLimit;
}

/** The Bedrock Runtime error names that mean the service is down or slow, not the request wrong. */
const UNAVAILABLE = new Set([
  'ModelTimeoutException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelErrorException',
  'TimeoutError',
]);
const THROTTLED = new Set(['ThrottlingException', 'ServiceQuotaExceededException', 'TooManyRequestsException']);
const REFUSED = new Set(['ValidationException', 'AccessDeniedException', 'ResourceNotFoundException', 'ModelNotReadyException']);

/**
 * The kit's error for what a Converse call threw: throttled, unavailable or refused by its
 * name, with the service's error as `cause`; anything else (a network error the SDK gave up
 * on) counts as unavailable, since another try may reach the service.
 */
export function modelErrorOf(error: unknown, modelId: string): SwitchyardError {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (THROTTLED.has(name) || status === 429) return new ModelThrottledError(`${modelId} throttled the call: ${message}`, { cause: error });
  if (UNAVAILABLE.has(name) || (status !== undefined && status >= 500)) {
    return new ModelUnavailableError(`${modelId} failed (${name}): ${message}`, { cause: error });
  }
  if (REFUSED.has(name) || (status !== undefined && status >= 400)) {
    return new ModelRequestInvalidError(`${modelId} refused the request (${name}): ${message}`, { cause: error });
  }
  return new ModelUnavailableError(`${modelId} could not be reached (${name}): ${message}`, { cause: error });
}
