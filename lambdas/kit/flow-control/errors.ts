import { ERROR_NAMES } from '../../../contracts/wiring.js';
import { SwitchyardError } from '../errors.js';

/** Why flow control held a record back. */
export type FlowHoldReason = 'concurrency' | 'rate' | 'debounce' | 'paused' | 'circuit-open' | 'priority';

/**
 * Flow control held the record back: its key is at its concurrency or rate limit, is
 * paused after a throttling answer, has its circuit open after its provider kept failing,
 * or is waiting out its debounce period. Retryable and never the record's fault: a queue
 * consumer extends its visibility by `retryAfterMs` (for `concurrency`, at most that: a
 * slot may free sooner) and never dead-letters it for this.
 * `cause` is the throttling error that paused the key, if this record met it.
 */
export class FlowHeldBackError extends SwitchyardError {
  override readonly name = ERROR_NAMES.flowHeldBack;
  constructor(
    readonly reason: FlowHoldReason,
    /** The record's flow control key. */
    readonly flowKey: string,
    /** How long to hold the record back (for `concurrency`, the longest it may take). */
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(`flow control: key ${JSON.stringify(flowKey)} ${REASONS[reason]}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, options);
  }
}

const REASONS: Record<FlowHoldReason, string> = {
  concurrency: 'is at its concurrency limit',
  rate: 'is at its rate limit',
  debounce: 'is debouncing: this record runs if no later one arrives',
  paused: 'is paused after a throttling answer',
  'circuit-open': 'has its circuit open: its provider kept failing',
  priority: 'is a lower priority lane, at its guaranteed share while a higher lane has a backlog',
};
