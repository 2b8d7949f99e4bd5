import type { Clock } from '../clock.js';
import type { DeliveryRecord, SnsStore } from './sns-store.js';

/** Deliveries handled at once. */
const CONCURRENCY = 32;
/** The longest the outbox sleeps: a clock moved forward by a test is noticed within it. */
const MAX_SLEEP_MS = 1000;

/**
 * Works through the deliveries table: every due delivery is handed to `handle`, which
 * removes it or reschedules it. Deliveries that share an order key (a FIFO topic's message
 * group, per subscription) go one at a time, in the order they were published: the store
 * hands out only the oldest of each key, which stays in the table until it is done.
 */
export class DeliveryOutbox {
  readonly #inFlight = new Set<number>();
  #timer?: NodeJS.Timeout;
  #scheduled = false;
  #stopped = true;
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: SnsStore,
    private readonly clock: Clock,
    private readonly handle: (delivery: DeliveryRecord) => Promise<void>,
  ) {}

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#notifyIdle();
  }

  /** Resolves once nothing is in flight and nothing that could start now is waiting. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.wake();
    });
  }

  /** Looks for due deliveries soon (after a publish, or when one finished). */
  wake(): void {
    if (this.#stopped || this.#scheduled) return;
    clearTimeout(this.#timer);
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#stopped) return;
    const now = this.clock.now();
    const room = CONCURRENCY - this.#inFlight.size;
    if (room > 0) {
      for (const delivery of this.store.dueDeliveries(now, this.#inFlight.size + room * 4)) {
        if (this.#inFlight.size >= CONCURRENCY) break;
        if (this.#inFlight.has(delivery.id)) continue;
        this.#start(delivery);
      }
    }
    if (this.#inFlight.size > 0) return; // each finished delivery wakes the outbox again
    this.#notifyIdle();
    const next = this.store.nextDueAfter(now);
    if (next === null && this.store.nextDueAt() === null) return;
    const delay = next === null ? MAX_SLEEP_MS : Math.min(Math.max(next - now, 1), MAX_SLEEP_MS);
    this.#timer = setTimeout(() => this.wake(), delay);
    this.#timer.unref();
  }

  #start(delivery: DeliveryRecord): void {
    this.#inFlight.add(delivery.id);
    void this.handle(delivery)
      .catch(() => {})
      .finally(() => {
        this.#inFlight.delete(delivery.id);
        this.wake();
      });
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
