import type { AnyEventContract } from '../../contracts/contract.js';
import { MissingIdempotencyField, requireIdempotencyFields } from '../../contracts/identity.js';
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

/** Why `detail` cannot be keyed under its contract (the idempotency fields it has no value for), or undefined if it can. */
export function unkeyableProblem(contract: AnyEventContract, detail: Readonly<Record<string, unknown>>): string | undefined {
  try {
    requireIdempotencyFields(contract, detail);
    return undefined;
  } catch (error) {
    if (error instanceof MissingIdempotencyField) return error.message;
    throw error;
  }
}
