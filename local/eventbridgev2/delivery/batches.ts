import type { PendingRow } from './cursors.js';

/** The next batch, or when there will be one (the earliest retry, or the batch window's end). */
export type NextBatch = { readonly batch: readonly PendingRow[] } | { readonly wait: number | undefined };

export interface BatchRules {
  readonly now: number;
  readonly maxSize: number;
  readonly maxBytes: number;
  readonly windowMs: number;
  /** An event's size as its target gets it. */
  readonly bytesOf: (row: PendingRow) => number;
}

/**
 * The next batch of a subscriber's due events (eb-custom-bus-batching): in publish order,
 * closed by MaxBatchSize, the target's byte limit, or MaxBatchWindowInSeconds after its oldest
 * event. `due` holds the events whose retry is due, on a FIFO subscriber none behind an event
 * of its group that waits for its retry ("a failing event blocks the later events in its
 * group for as long as it is retried", eb-custom-bus-retry), so other groups go on.
 */
export function nextBatch(due: readonly PendingRow[], rules: BatchRules): NextBatch {
  const batch: PendingRow[] = [];
  let bytes = 0;
  let closed = false;
  for (const row of due) {
    const size = rules.bytesOf(row);
    if (batch.length > 0 && bytes + size > rules.maxBytes) {
      closed = true;
      break;
    }
    batch.push(row);
    bytes += size;
    if (batch.length >= rules.maxSize) {
      closed = true;
      break;
    }
  }
  const oldest = batch[0];
  if (oldest === undefined) return { wait: undefined };
  // A retried event goes at once; a new batch waits for the window unless it is full.
  const windowEnd = oldest.first_at + rules.windowMs;
  if (!closed && rules.windowMs > 0 && oldest.attempts === 0 && windowEnd > rules.now) return { wait: windowEnd };
  return { batch };
}
