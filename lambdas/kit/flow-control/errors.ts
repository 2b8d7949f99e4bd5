import type { Logger } from '@aws-lambda-powertools/logger';
import { ERROR_NAMES } from '../../../contracts/wiring.js';
import { ConfigError, SwitchyardError, toError } from '../errors.js';

/** Why flow control held a record back. */
export type FlowHoldReason = 'concurrency' | 'rate' | 'debounce' | 'paused' | 'circuit-open' | 'priority' | 'unavailable';

/**
 * Flow control held the record back: its key is at its concurrency or rate limit, is
 * paused after a throttling answer, has its circuit open after its provider kept failing,
 * or is waiting out its debounce period. Retryable and never the record's fault: a queue
 * consumer extends its visibility by `retryAfterMs` (for `concurrency`, at most that: a
 * slot may free sooner) and never dead-letters it for this.
 * `cause` is the throttling error that paused the key, if this record met it, or the
 * flow control table's error (`unavailable`).
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
  unavailable: 'cannot be checked: the flow control table did not answer',
};

/**
 * How long a record waits when the flow control table did not answer: at most the usual
 * backoff's cap (the consumer holds it back for its usual backoff if that is sooner).
 */
export const TABLE_UNAVAILABLE_RETRY_MS = 300_000;

/** DynamoDB's names for a request it throttled or could not serve now. */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/**
 * Whether an error from the flow control table says it is unavailable for now (throttled, a
 * 5xx, the network) rather than that something is wrong: a ConfigError or a client fault
 * (no such table, access denied, a malformed request) is a misconfiguration and fails loudly.
 */
export function isTableUnavailable(thrown: unknown): boolean {
  if (thrown instanceof ConfigError || thrown instanceof FlowHeldBackError) return false;
  const e = thrown as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  } | null;
  if (typeof e !== 'object' || e === null) return false;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.$fault === 'server' || e.$retryable !== undefined || (e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  // Node's network errors (ECONNRESET, ETIMEDOUT, ENOTFOUND, EAI_AGAIN...) carry a code.
  return typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code);
}

/**
 * Runs one record's flow control step: a table that is unavailable holds the record back
 * (FlowHeldBackError `unavailable`, the cause attached), so an outage never dead-letters
 * work that never ran. Logged as an error with its cause, so an alarm on errors sees the
 * outage even though no record fails for it. Anything else is thrown as it was.
 */
export async function holdingBackOnOutage<T>(key: string, logger: Logger, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (thrown) {
    if (!isTableUnavailable(thrown)) throw thrown;
    const cause = toError(thrown);
    logger.error('flow control: the flow control table did not answer; the record is held back, not failed', {
      flowControl: { key, outcome: 'unavailable' },
      error: cause,
    });
    throw new FlowHeldBackError('unavailable', key, TABLE_UNAVAILABLE_RETRY_MS, { cause });
  }
}
