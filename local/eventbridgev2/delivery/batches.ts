import type { PendingRow } from './cursors.js';

/** A pending event with what its target is sent, or why it cannot be (a transform's error). */
export interface Prepared {
  readonly row: PendingRow;
  readonly bytes: number;
}

/** The next batch, or when there will be one (the earliest retry, or the batch window's end). */
export type NextBatch = { readonly batch: readonly PendingRow[] } | { readonly wait: number | undefined };

export interface BatchRules {
  readonly now: number;
  /** FIFO subscriber: an event waits while an earlier event of its group does. */
  readonly ordered: boolean;
  readonly maxSize: number;
  readonly maxBytes: number;
  readonly windowMs: number;
  /** An event's size as its target gets it. */
  readonly bytesOf: (row: PendingRow) => number;
}

/**
 * The next batch of a subscriber's pending events (eb-custom-bus-batching): in publish order,
 * closed by MaxBatchSize, the target's byte limit, or MaxBatchWindowInSeconds after its oldest
 * event. An event whose retry is not due yet is left out; on a FIFO subscriber so is every
 * later event of its group ("a failing event blocks the later events in its group for as long
 * as it is retried", eb-custom-bus-retry), while other groups go on.
 */
export function nextBatch(pending: readonly PendingRow[], rules: BatchRules): NextBatch {
  const blocked = new Set<string>();
  const batch: PendingRow[] = [];
  let bytes = 0;
  let wait: number | undefined;
  let closed = false;
  for (const row of pending) {
    const group = rules.ordered && row.group_id !== null ? row.group_id : undefined;
    if (group !== undefined && blocked.has(group)) continue;
    if (row.next_at > rules.now) {
      if (group !== undefined) blocked.add(group);
      wait = Math.min(wait ?? row.next_at, row.next_at);
      continue;
    }
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
  if (oldest === undefined) return { wait };
  // A retried event goes at once; a new batch waits for the window unless it is full.
  const windowEnd = oldest.first_at + rules.windowMs;
  if (!closed && rules.windowMs > 0 && oldest.attempts === 0 && windowEnd > rules.now)
    return { wait: Math.min(wait ?? windowEnd, windowEnd) };
  return { batch };
}
