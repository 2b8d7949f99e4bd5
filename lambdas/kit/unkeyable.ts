import { MissingIdempotencyField } from '../../contracts/identity.js';
import { InvalidEventError } from './errors.js';

/**
 * Runs `step`, turning an event that cannot be keyed (MissingIdempotencyField) into an
 * InvalidEventError: permanent, so a consumer dead-letters it at once with the field it
 * lacks as the reason, rather than claiming a key that every such event would share (and
 * skipping all but the first as duplicates). Not exported from the kit: the consumer and
 * `emit` are its users.
 */
export function invalidIfUnkeyable<T>(message: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof MissingIdempotencyField) throw new InvalidEventError(message, [error.message], { cause: error });
    throw error;
  }
}
