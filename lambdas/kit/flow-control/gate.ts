import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { FLOW_OUTCOMES, type FlowControlSettings, parseKeyPath } from '../../../contracts/flow-control.js';
import { ConfigError, toError } from '../errors.js';
import { logger as kitLogger } from '../observability.js';
import { originalOrderOf } from '../record-order.js';
import { admitThroughBreaker, type BreakerTicket, giveBackProbe, settleAndLog } from './breaker.js';
import { acquireSlot, releaseSlot, type SlotLease } from './concurrency.js';
import { debounce, debounceSeq } from './debounce.js';
import { FlowHeldBackError, holdingBackOnOutage } from './errors.js';
import { pausedUntil, pauseKey, throttleOf } from './pause.js';
import { type StartOutcome, takeStart } from './rate-limit.js';
import type { FlowControlStore } from './store.js';
import { nowOf } from './store.js';

/** The key of a record whose key path leads nowhere: such records share one key, so the limits still bound them (debounce skips them). */
export const MISSING_KEY = '(missing)';

/** A record let through: its key, and what to do when its handler is done. */
export interface FlowPass {
  readonly kind: 'run';
  readonly key: string;
  /**
   * Releases what the record holds (its concurrency slot), records its outcome in the key's
   * circuit (with a circuit breaker) and, if its handler failed with a throttling answer,
   * pauses the key. Returns the error to fail the record with: a FlowHeldBackError for a
   * throttled record (it waits out the pause, not counted as a failure), `error` otherwise
   * (a failure that opened the circuit too: it counts towards the DLQ as any failure).
   * Never throws: a release or a breaker write that fails is logged; a lease then ends by itself.
   */
  leave(logger: Logger, error?: Error): Promise<Error | undefined>;
}

/** A record debounced away: a later record of its key runs instead. */
export interface FlowSuperseded {
  readonly kind: 'superseded';
  readonly key: string;
  readonly by: string | undefined;
}

/**
 * The step a queue consumer takes before and after each record's domain function, for the
 * flow control its QueueConsumer declared: debounce first (whether the record runs at all),
 * then a pause, then a concurrency slot, then a start against the rate limit (last, since a
 * start once recorded cannot be taken back). A record that may not run yet is refused with
 * FlowHeldBackError, which the consumer holds back without counting it as a failure; so is
 * a record whose controls the table could not answer for (`unavailable`).
 */
export class FlowGate {
  readonly #path: readonly string[] | undefined;

  constructor(
    private readonly store: FlowControlStore,
    readonly settings: FlowControlSettings,
  ) {
    if ('path' in settings.key) {
      this.#path = parseKeyPath(settings.key.path);
      if (this.#path === undefined)
        throw new ConfigError(`flow control key path ${JSON.stringify(settings.key.path)} is not a path like $.detail.tenantId`);
    }
  }

  /** The record's key: the value at the key path in its event (strings and numbers as they are), or the constant. */
  keyOf(event: unknown): string {
    return this.#valueAt(event) ?? MISSING_KEY;
  }

  /** The value at the key path (or the constant); undefined if the event has none there. */
  #valueAt(event: unknown): string | undefined {
    if (this.#path === undefined) return (this.settings.key as { constant: string }).constant;
    let node: unknown = event;
    for (const segment of this.#path)
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    return typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' ? String(node) : undefined;
  }

  /**
   * Decides whether the record runs now; throws FlowHeldBackError if it must wait. `logger`
   * (the kit's shared one by default) takes what goes wrong giving back a slot the record
   * then may not use.
   */
  async enter(record: SQSRecord, event: unknown, remainingMs: number, logger: Logger = kitLogger): Promise<FlowPass | FlowSuperseded> {
    const found = this.#valueAt(event);
    const key = found ?? MISSING_KEY;
    // A table that does not answer holds the record back: an outage must not dead-letter work that never ran.
    return holdingBackOnOutage(key, logger, () => this.#enter(record, found, key, remainingMs, logger));
  }

  async #enter(
    record: SQSRecord,
    found: string | undefined,
    key: string,
    remainingMs: number,
    logger: Logger,
  ): Promise<FlowPass | FlowSuperseded> {
    const { settings, store } = this;
    const flow = settings.flow;
    // Sharing MISSING_KEY only makes a limit stricter, but debounce would complete every
    // keyless record but the last as superseded, unrelated as they are: they run instead.
    if (settings.debounce && found === undefined) {
      logger.warn('flow control: no value at the debounce key path; the record runs without debounce', {
        flowControl: { keyPath: (settings.key as { path?: string }).path },
      });
    } else if (settings.debounce) {
      // A requeued copy is a new message: it orders (and its quiet period runs) by its original's send.
      const order = originalOrderOf(record);
      const sentAtMs = order.sentAtMs ?? nowOf(store);
      const decision = await debounce(store, {
        flow,
        key,
        seq: debounceSeq(sentAtMs, order.messageId),
        sentAtMs,
        periodMs: settings.debounce.periodSeconds * 1000,
        maxWaitMs: settings.debounce.maxWaitSeconds * 1000,
        keepMs: settings.debounce.keepSeconds * 1000,
      });
      if (decision.kind === 'superseded') return { kind: 'superseded', key, by: decision.by };
      if (decision.kind === 'wait') throw new FlowHeldBackError('debounce', key, decision.ms);
    }
    if (settings.pauseOnThrottle) {
      const until = await pausedUntil(store, { flow, key });
      if (until !== undefined) throw new FlowHeldBackError('paused', key, until - nowOf(store));
    }
    // Before the slot and the start: an open circuit holds the record back without taking them.
    const breaker = settings.circuitBreaker;
    const ticket = breaker && (await admitThroughBreaker(store, { flow, key }, breaker, { messageId: record.messageId, remainingMs }));
    let lease: SlotLease | undefined;
    try {
      if (settings.concurrency) {
        const leaseMs = remainingMs + settings.concurrency.leaseMarginSeconds * 1000;
        lease = await acquireSlot(store, {
          flow,
          key,
          limit: settings.concurrency.limit,
          holder: `${record.messageId}#${randomUUID()}`,
          leaseUntilMs: nowOf(store) + leaseMs,
        });
        // Every slot's lease ends within leaseMs at the latest: the longest this record waits.
        if (lease === undefined) throw new FlowHeldBackError('concurrency', key, leaseMs);
      }
      if (settings.rateLimit) {
        const start: StartOutcome = await takeStart(store, {
          flow,
          key,
          limit: settings.rateLimit.limit,
          periodMs: settings.rateLimit.periodSeconds * 1000,
        });
        if (!start.allowed) throw new FlowHeldBackError('rate', key, start.retryAfterMs);
      }
    } catch (thrown) {
      // The record does not run, held back or failed: its slot and the half-open probe's
      // claim would otherwise stay taken until their leases end. A release that fails is
      // logged and the record is still held back (or fails) for what it met, never for that.
      await this.#release(key, lease, logger, ticket);
      throw thrown;
    }
    return { kind: 'run', key, leave: (logger, error) => this.#leave(key, lease, logger, error, ticket) };
  }

  /**
   * Gives the slot back, and the half-open probe's claim of a record that does not run, if
   * it holds them; a failure is logged: the lease (and the claim) then ends by itself.
   */
  async #release(key: string, lease: SlotLease | undefined, logger: Logger, ticket?: BreakerTicket): Promise<void> {
    if (ticket) await giveBackProbe(this.store, { flow: this.settings.flow, key }, ticket, logger);
    if (lease === undefined) return;
    try {
      await releaseSlot(this.store, lease);
    } catch (thrown) {
      logger.warn('flow control: releasing the concurrency slot failed; it frees itself when its lease ends', {
        flowControl: { key, slot: lease.pk },
        releaseError: toError(thrown),
      });
    }
  }

  async #leave(
    key: string,
    lease: SlotLease | undefined,
    logger: Logger,
    error?: Error,
    ticket?: BreakerTicket,
  ): Promise<Error | undefined> {
    await this.#release(key, lease, logger);
    // A provider failure counts towards the key's circuit; a throttle does not (it pauses, below).
    await settleAndLog(this.store, { flow: this.settings.flow, key }, ticket, this.settings.circuitBreaker, logger, error);
    const pause = this.settings.pauseOnThrottle;
    const throttle = error === undefined || pause === undefined ? undefined : throttleOf(error, nowOf(this.store));
    if (error === undefined || pause === undefined || throttle === undefined) return error;
    const ms = Math.min(throttle.retryAfterMs ?? pause.defaultSeconds * 1000, pause.maxSeconds * 1000);
    let until: number;
    try {
      until = await pauseKey(this.store, { flow: this.settings.flow, key }, nowOf(this.store) + ms);
    } catch (thrown) {
      logger.warn('flow control: pausing the throttled key failed; the record is retried on its own', {
        flowControl: { key },
        pauseError: toError(thrown),
      });
      return error;
    }
    logger.warn('flow control: a throttling answer paused the key for every record', {
      flowControl: { outcome: FLOW_OUTCOMES.paused, key, pausedUntil: new Date(until).toISOString() },
      error,
    });
    return new FlowHeldBackError('paused', key, Math.max(0, until - nowOf(this.store)), { cause: error });
  }
}
