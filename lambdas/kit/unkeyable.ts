import type { AnyEventContract } from '../../contracts/contract.js';
import { idempotencyFieldsMissing } from '../../contracts/identity.js';
import { InvalidEventError } from './errors.js';

/**
 * The InvalidEventError for a detail with no value for one of its contract's idempotency
 * fields (its cause the MissingIdempotencyField naming them), or undefined if it can be keyed.
 * Permanent, so a consumer dead-letters such an event at once with the field as the reason,
 * rather than claiming a key that every such event would share (and skipping all but the first
 * as duplicates). Not exported from the kit: the consumer and `emit` are its users.
 */
export function unkeyableEventError(
  message: string,
  contract: AnyEventContract,
  detail: Readonly<Record<string, unknown>>,
): InvalidEventError | undefined {
  const missing = idempotencyFieldsMissing(contract, detail);
  return missing === undefined ? undefined : new InvalidEventError(message, [missing.message], { cause: missing });
}
