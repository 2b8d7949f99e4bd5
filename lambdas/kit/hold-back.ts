import type { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { ERROR_NAMES } from '../../contracts/wiring.js';
import { circuitOpenRetryAfterMs } from './circuit-breaker.js';
import type { EffectInProgressError } from './errors.js';

/** Why a record is held back instead of retried: none of them is the record's fault. */
export type HoldBackReason = 'circuit-open' | 'in-progress';

/** A failure that is not the record's: how long to hold it back, and why. */
export interface HoldBack {
  readonly reason: HoldBackReason;
  readonly ms: number;
}

/**
 * Whether a failure is one a record waits out rather than one it is retried (and finally
 * dead-lettered) for: an open circuit, or a twin delivery that holds the claim on the same
 * effect (ours, `EffectInProgressError`, or Powertools idempotency's in-progress record).
 * Undefined for any other failure.
 *
 * Powertools does not say when its in-progress lock lapses; it lapses at the holder's
 * Lambda deadline, and the holder is an invocation of this same function that started
 * before this one, so this invocation's own remaining time (`ownRemainingMs`) bounds it.
 * Waiting that long costs nothing: the twin's own message stays on the queue until it
 * succeeds, so this copy matters only if the twin died.
 */
export function holdBackOf(error: Error, ownRemainingMs: number): HoldBack | undefined {
  const open = circuitOpenRetryAfterMs(error);
  if (open !== undefined) return { reason: 'circuit-open', ms: open };
  if (error.name === ERROR_NAMES.effectInProgress) {
    return { reason: 'in-progress', ms: nonNegative((error as Partial<EffectInProgressError>).retryAfterMs) };
  }
  // By name, not instanceof: importing the class would load Powertools idempotency into every
  // consumer, including those that do not use it.
  if (error.name === POWERTOOLS_IN_PROGRESS) {
    const expiry = (error as IdempotencyAlreadyInProgressError).existingRecord?.inProgressExpiryTimestamp;
    return { reason: 'in-progress', ms: nonNegative(expiry === undefined ? ownRemainingMs : expiry - Date.now()) };
  }
  return undefined;
}

/** The `name` of Powertools idempotency's IdempotencyAlreadyInProgressError. */
const POWERTOOLS_IN_PROGRESS = 'IdempotencyAlreadyInProgressError';

function nonNegative(ms: unknown): number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0;
}
