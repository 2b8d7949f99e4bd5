import { SwitchyardError } from 'switchyard-cdk/kit';
import { APP_ERROR_NAMES } from '../../domain/wiring.js';

// The model errors are the kit's (same stable names, which the triage flow's Retry and Catch match on).
export { ModelOutputInvalidError, ModelThrottledError, ModelUnavailableError } from 'switchyard-cdk/kit';

/** The task input is not a ticket: the same input fails again, so a consumer dead-letters it at once. */
export class InvalidTicketError extends SwitchyardError {
  override readonly name = APP_ERROR_NAMES.invalidTicket;
  override get retryable(): boolean {
    return false;
  }
}
