import { DurableOutbox, type OutboxOutcome } from '../store/outbox.js';
import type { Clock } from '../time/clock.js';
import { type DeliveryRecord, type DeliveryRow, deliveryRecord, type SnsStore } from './sns-store.js';

/** Deliveries handled at once. */
const CONCURRENCY = 32;
/** The longest the outbox sleeps: a clock moved forward by a test is noticed within it. */
const MAX_SLEEP_MS = 1000;

/**
 * The outbox on the deliveries table: every due delivery is handed to `handle`, whose outcome
 * removes or reschedules it. Deliveries that share an order key (a FIFO topic's message group,
 * per subscription) go one at a time, in the order they were published: only the oldest of
 * each key is due, and it stays in the table until it is done.
 */
export function subscriptionDeliveryOutbox(
  store: SnsStore,
  clock: Clock,
  handle: (delivery: DeliveryRecord) => Promise<OutboxOutcome>,
): DurableOutbox<DeliveryRow> {
  return new DurableOutbox<DeliveryRow>({
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
