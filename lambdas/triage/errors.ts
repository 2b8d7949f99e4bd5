import { SwitchyardError } from 'switchyard-cdk/kit';
import { APP_ERROR_NAMES } from '../../domain/wiring.js';

/** The model service throttled us; the triage flow retries with backoff. */
export class ModelThrottledError extends SwitchyardError {
  override readonly name = APP_ERROR_NAMES.modelThrottled;
}

/** The model service failed or timed out; the triage flow retries, then escalates to a person. */
export class ModelUnavailableError extends SwitchyardError {
  override readonly name = APP_ERROR_NAMES.modelUnavailable;
}

/** The model answered, but not with a usable classification; retrying the same prompt rarely helps. */
export class ModelOutputInvalidError extends SwitchyardError {
  override readonly name = APP_ERROR_NAMES.modelOutputInvalid;
}

/** The task input is not a ticket: the same input fails again, so a consumer dead-letters it at once. */
export class InvalidTicketError extends SwitchyardError {
  override readonly name = APP_ERROR_NAMES.invalidTicket;
  override get retryable(): boolean {
    return false;
  }
}
