import type { Clock } from '../clock.js';
import { DurableOutbox, type OutboxOutcome } from '../store/outbox.js';
import { type DeliveryRecord, type DeliveryRow, deliveryRecord, type SnsStore } from './sns-store.js';

/** Deliveries handled at once. */
const CONCURRENCY = 32;
/** The longest the outbox sleeps: a clock moved forward by a test is noticed within it. */
const MAX_SLEEP_MS = 1000;

/**
 * Works through the deliveries table (a `DurableOutbox` on it): every due delivery is handed
 * to `handle`, whose outcome removes or reschedules it. Deliveries that share an order key
 * (a FIFO topic's message group, per subscription) go one at a time, in the order they
 * were published: only the oldest of each key is due, and it stays in the table until it is done.
 */
export class SubscriptionDeliveryOutbox {
  readonly #outbox: DurableOutbox<DeliveryRow>;

  constructor(store: SnsStore, clock: Clock, handle: (delivery: DeliveryRecord) => Promise<OutboxOutcome>) {
    this.#outbox = new DurableOutbox<DeliveryRow>({
      db: store.db,
      clock,
      table: {
        name: 'deliveries',
        id: 'id',
        dueAt: 'next_at',
        dueWhere: 'row.order_key IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries AS e WHERE e.order_key = row.order_key AND e.id < row.id)',
      },
      handle: (row) => handle(deliveryRecord(row)),
      concurrency: CONCURRENCY,
      maxSleepMs: MAX_SLEEP_MS,
      // The service gives the outbox no log of its own; a delivery that broke must still be seen.
      onError: (error) => console.error(error.stack ?? error.message),
    });
  }

  start(): void {
    this.#outbox.start();
  }

  /** Stops delivering; resolves once the deliveries in flight are settled. */
  stop(): Promise<void> {
    return this.#outbox.stop();
  }

  /** Resolves once nothing is in flight and nothing that could start now is waiting. */
  idle(): Promise<void> {
    return this.#outbox.idle();
  }

  /** Looks for due deliveries soon (after a publish, or when one finished). */
  wake(): void {
    this.#outbox.wake();
  }
}
