import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { canonical } from '../canonical-json.js';
import type { Clock } from '../clock.js';
import { DurableOutbox } from '../store/outbox.js';
import { inTransaction } from '../store/transaction.js';
import type { BusRecord, Fields } from './store.js';

/** How long an event's deduplication id (or content) keeps a repeat out: AWS's deduplication window. */
export const DEDUPLICATION_WINDOW_MS = 300_000;
/** The largest event an entry may carry, in UTF-8 bytes of its detail or raw data: EventBridge's event size limit (1 MB). */
export const MAX_EVENT_BYTES = 1_048_576;

/** An accepted event, as the outbox keeps it for delivery. */
interface EventRow {
  readonly id: number;
  readonly bus_arn: string;
  readonly event_id: string;
  readonly event: string;
}

/** One entry's outcome, as PutEvents and PutRawEvents answer it. */
export type EntryResult =
  | { readonly EventId: string; readonly SequenceNumber?: string; readonly SuccessCode: 'PUBLISHED' | 'DEDUPLICATED' }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** An entry ready to be accepted: the event to keep, and what deduplicates it (undefined: nothing does). */
export interface Accepted {
  readonly event: Fields;
  readonly dedupKey?: string;
  readonly groupId?: string;
}

/**
 * What PutEvents and PutRawEvents accept onto a bus: each event written to the bus's durable
 * outbox (`eventbridgev2_events`) in one transaction with its deduplication key, so that
 * "accepted" is one commit. A repeat of a deduplication id, or of the content under
 * `CONTENT_BASED` deduplication, within 300 s answers `DEDUPLICATED` with the first event's
 * id and is not kept again. Delivery to subscribers is not built yet: the outbox is never
 * started, and the events wait in the data folder (the start-up report says so).
 */
export class EventAcceptance {
  readonly #outbox: DurableOutbox<EventRow>;

  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_events (
      id INTEGER PRIMARY KEY, bus_arn TEXT NOT NULL, event_id TEXT NOT NULL, event TEXT NOT NULL, due_at INTEGER NOT NULL
    )`);
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_dedup (
      bus_arn TEXT NOT NULL, dedup_key TEXT NOT NULL, event_id TEXT NOT NULL, sequence TEXT, accepted_at INTEGER NOT NULL,
      PRIMARY KEY (bus_arn, dedup_key)
    )`);
    this.#outbox = new DurableOutbox<EventRow>({
      db,
      clock,
      table: { name: 'eventbridgev2_events', id: 'id', dueAt: 'due_at' },
      // Delivery is the next slice: an event stays where it was accepted.
      handle: async () => ({ kind: 'keep' }),
      concurrency: 1,
      maxSleepMs: 5_000,
      onError: () => undefined,
    });
  }

  /** Accepts the entries in one transaction, each its result in order; a repeat within the window is DEDUPLICATED. */
  accept(bus: BusRecord, entries: readonly (Accepted | { readonly ErrorCode: string; readonly ErrorMessage: string })[]): EntryResult[] {
    const now = this.clock.now();
    return inTransaction(this.db, () => {
      this.db.prepare('DELETE FROM eventbridgev2_dedup WHERE accepted_at <= ?').run(now - DEDUPLICATION_WINDOW_MS);
      return entries.map((entry) => {
        if ('ErrorCode' in entry) return entry;
        if (entry.dedupKey !== undefined) {
          const earlier = this.db
            .prepare('SELECT event_id, sequence FROM eventbridgev2_dedup WHERE bus_arn = ? AND dedup_key = ?')
            .get(bus.EventBusArn, entry.dedupKey) as { event_id: string; sequence: string | null } | undefined;
          if (earlier !== undefined)
            return {
              EventId: earlier.event_id,
              ...(earlier.sequence === null ? {} : { SequenceNumber: earlier.sequence }),
              SuccessCode: 'DEDUPLICATED',
            };
        }
        const eventId = randomUUID();
        const row = this.#outbox.enqueue({
          bus_arn: bus.EventBusArn,
          event_id: eventId,
          event: JSON.stringify({ id: eventId, ...entry.event }),
        });
        // The outbox's row id is monotonic: the order events of a group were accepted in.
        const sequence = entry.groupId === undefined ? undefined : String(row).padStart(20, '0');
        if (entry.dedupKey !== undefined)
          this.db
            .prepare('INSERT INTO eventbridgev2_dedup (bus_arn, dedup_key, event_id, sequence, accepted_at) VALUES (?, ?, ?, ?, ?)')
            .run(bus.EventBusArn, entry.dedupKey, eventId, sequence ?? null, now);
        return { EventId: eventId, ...(sequence === undefined ? {} : { SequenceNumber: sequence }), SuccessCode: 'PUBLISHED' };
      });
    });
  }

  /** The events accepted and not yet delivered, oldest first (what the next slice will deliver). */
  waiting(busArn?: string): Fields[] {
    const rows = (
      busArn === undefined
        ? this.db.prepare('SELECT event FROM eventbridgev2_events ORDER BY id').all()
        : this.db.prepare('SELECT event FROM eventbridgev2_events WHERE bus_arn = ? ORDER BY id').all(busArn)
    ) as { event: string }[];
    return rows.map((row) => JSON.parse(row.event) as Fields);
  }
}

/** The deduplication key of an entry: its deduplication id, else under CONTENT_BASED a digest of its content. */
export function dedupKeyOf(deduplicationId: unknown, contentBased: boolean, content: unknown): string | undefined {
  if (typeof deduplicationId === 'string') return `id:${deduplicationId}`;
  if (!contentBased) return undefined;
  return `content:${createHash('sha256')
    .update(JSON.stringify(canonical(content)))
    .digest('hex')}`;
}
