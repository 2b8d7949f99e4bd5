import type { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { ERROR_NAMES } from '../../contracts/wiring.js';
import { circuitOpenRetryAfterMs } from './circuit-breaker.js';
import type { EffectInProgressError } from './errors.js';
import type { FlowHeldBackError } from './flow-control/errors.js';
import type { TokenLimitReachedError } from './flow-control/token-budget.js';

/** Why a record is held back instead of retried: none of them is the record's fault. */
export type HoldBackReason =
  | 'circuit-open'
  | 'in-progress'
  | 'flow-concurrency'
  | 'flow-rate'
  | 'flow-debounce'
  | 'flow-paused'
  | 'flow-circuit-open'
  | 'flow-priority'
  | 'flow-unavailable'
  | 'token-limit';

/** A failure that is not the record's: how long to hold it back, and why. */
export interface HoldBack {
  readonly reason: HoldBackReason;
  readonly ms: number;
  /**
   * `ms` is only the longest the wait can last (a twin's claim or a concurrency slot may
   * free sooner): look again after the usual backoff if that is sooner.
   */
  readonly atMost?: boolean;
}

/** What a held-back record's log line says about why. */
export const HOLD_BACK_WHY: Record<HoldBackReason, string> = {
  'circuit-open': 'circuit open',
  'in-progress': 'a twin delivery holds the claim on this effect',
  'flow-concurrency': 'flow control: its key is at its concurrency limit',
  'flow-rate': 'flow control: its key is at its rate limit',
  'flow-debounce': 'flow control: debouncing, it runs if no later record of its key arrives',
  'flow-paused': 'flow control: its key is paused after a throttling answer',
  'flow-circuit-open': "flow control: its key's circuit is open, its provider kept failing",
  'flow-priority': 'priority lanes: a higher lane has a backlog and this lane is at its guaranteed share',
  'flow-unavailable': 'flow control: its table did not answer (throttled, an outage or the network), so the record waits',
  'token-limit': 'token budget: the tokens of the last minute (or day) leave no room for its call',
};

/**
 * Whether a failure is one a record waits out rather than one it is retried (and finally
 * dead-lettered) for: an open circuit, a twin delivery that holds the claim on the same
 * effect (ours, `EffectInProgressError`, or Powertools idempotency's in-progress record),
 * keyed flow control holding it back (`FlowHeldBackError`), or a token budget with no room
 * for its model call yet (`TokenLimitReachedError`: it has room once enough of its window's
 * log has left it, `retryAfterMs`; TokenRequestTooLarge, which no wait cures, is not held back).
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
    return { reason: 'in-progress', ms: nonNegative((error as Partial<EffectInProgressError>).retryAfterMs), atMost: true };
  }
  if (error.name === ERROR_NAMES.flowHeldBack) {
    const { reason, retryAfterMs } = error as Partial<FlowHeldBackError>;
    const ms = nonNegative(retryAfterMs);
    // A slot may free, or a higher lane's backlog drain, before the longest wait is over; a
    // table that did not answer is tried again after the usual backoff.
    const atMost = reason === 'concurrency' || reason === 'priority' || reason === 'unavailable';
    return atMost ? { reason: `flow-${reason}`, ms, atMost } : { reason: `flow-${reason ?? 'rate'}`, ms };
  }
  if (error.name === ERROR_NAMES.tokenLimitReached) {
    return { reason: 'token-limit', ms: nonNegative((error as Partial<TokenLimitReachedError>).retryAfterMs) };
  }
  // By name, not instanceof: importing the class would load Powertools idempotency into every
  // consumer, including those that do not use it.
  if (error.name === POWERTOOLS_IN_PROGRESS) {
    const expiry = (error as IdempotencyAlreadyInProgressError).existingRecord?.inProgressExpiryTimestamp;
    return { reason: 'in-progress', ms: nonNegative(expiry === undefined ? ownRemainingMs : expiry - Date.now()), atMost: true };
  }
  return undefined;
}

/** The `name` of Powertools idempotency's IdempotencyAlreadyInProgressError. */
const POWERTOOLS_IN_PROGRESS = 'IdempotencyAlreadyInProgressError';

function nonNegative(ms: unknown): number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0;
}
