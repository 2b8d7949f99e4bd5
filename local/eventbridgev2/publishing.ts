import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { canonical } from '../json/canonical-json.js';
import { addMissingColumns } from '../store/added-columns.js';
import { inTransaction } from '../store/transaction.js';
import type { Clock } from '../time/clock.js';
import type { BusRecord, Fields } from './store.js';

/** How long an event's deduplication id (or content) keeps a repeat out: AWS's deduplication window. */
export const DEDUPLICATION_WINDOW_MS = 300_000;
/** The largest event an entry may carry, in UTF-8 bytes of its detail or raw data: EventBridge's event size limit (1 MB). */
export const MAX_EVENT_BYTES = 1_048_576;

/** An entry's outcome, as PutEvents and PutRawEvents answer it. */
export type EntryResult =
  | { readonly EventId: string; readonly SequenceNumber?: string; readonly SuccessCode: 'PUBLISHED' | 'DEDUPLICATED' }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** An entry ready to be accepted: the event to keep, and what deduplicates it (undefined: nothing does). */
export interface Accepted {
  readonly event: Fields;
  readonly dedupKey?: string;
  readonly groupId?: string;
}

/** One retained event, as the log keeps it: its row id is its place in the bus's publish order. */
export interface RetainedEvent {
  readonly id: number;
  readonly bus_arn: string;
  readonly event_id: string;
  /** The event as accepted (`{ id, ...entry.event }`), JSON. */
  readonly event: string;
  /** When it was accepted (clock milliseconds). The column kept its first slice's outbox name. */
  readonly due_at: number;
  readonly group_id: string | null;
}

/** PutEvents' and PutRawEvents' answer: each entry's result in order, and how many failed. */
export function answered(entries: readonly EntryResult[]): Fields {
  return { FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length, Entries: entries };
}

/** A group's sequence number: the row id, padded so that its text sorts as its number does. */
export const sequenceOf = (row: number) => String(row).padStart(20, '0');

/**
 * What PutEvents and PutRawEvents accept onto a bus: each event written to the bus's retained
 * log (`eventbridgev2_events`) in one transaction with its deduplication key, so that "accepted"
 * is one commit. A repeat of a deduplication id, or of the content under `CONTENT_BASED`
 * deduplication, within 300 s answers `DEDUPLICATED` with the first event's id and is not kept
 * again. The log is read by each subscriber from its own cursor (delivery/subscriber-delivery.ts)
 * and purged of events older than the bus's retention period.
 */
export class EventAcceptance {
  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
    /** Told, inside the accepting transaction, of a bus that took events (its subscribers look again). */
    private readonly onAccepted: (busArn: string) => void = () => undefined,
    /** Told, after the commit, of the events published (`{ id, ...event }`; not a DEDUPLICATED repeat): what the read API records. */
    private readonly onPublished: (bus: BusRecord, events: readonly Fields[]) => void = () => undefined,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_events (
      id INTEGER PRIMARY KEY, bus_arn TEXT NOT NULL, event_id TEXT NOT NULL, event TEXT NOT NULL, due_at INTEGER NOT NULL
    )`);
    // Added with delivery: a FIFO subscriber's event group (PutRawEvents' events carry it nowhere else).
    addMissingColumns(db, [{ table: 'eventbridgev2_events', column: 'group_id', definition: 'TEXT' }]);
    db.exec('CREATE INDEX IF NOT EXISTS eventbridgev2_events_bus ON eventbridgev2_events (bus_arn, id)');
    db.exec(`CREATE TABLE IF NOT EXISTS eventbridgev2_dedup (
      bus_arn TEXT NOT NULL, dedup_key TEXT NOT NULL, event_id TEXT NOT NULL, sequence TEXT, accepted_at INTEGER NOT NULL,
      PRIMARY KEY (bus_arn, dedup_key)
    )`);
  }

  /** Accepts the entries in one transaction, each its result in order; a repeat within the window is DEDUPLICATED. */
  accept(bus: BusRecord, entries: readonly (Accepted | { readonly ErrorCode: string; readonly ErrorMessage: string })[]): EntryResult[] {
    const now = this.clock.now();
    const insert = this.db.prepare('INSERT INTO eventbridgev2_events (bus_arn, event_id, event, due_at, group_id) VALUES (?, ?, ?, ?, ?)');
    const published: Fields[] = [];
    const results = inTransaction(this.db, () => {
      this.db.prepare('DELETE FROM eventbridgev2_dedup WHERE accepted_at <= ?').run(now - DEDUPLICATION_WINDOW_MS);
      const results = entries.map((entry): EntryResult => {
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
        const { lastInsertRowid } = insert.run(
          bus.EventBusArn,
          eventId,
          JSON.stringify({ id: eventId, ...entry.event }),
          now,
          entry.groupId ?? null,
        );
        // The row id is monotonic: the order events of a group were accepted in.
        const sequence = entry.groupId === undefined ? undefined : sequenceOf(Number(lastInsertRowid));
        if (entry.dedupKey !== undefined)
          this.db
            .prepare('INSERT INTO eventbridgev2_dedup (bus_arn, dedup_key, event_id, sequence, accepted_at) VALUES (?, ?, ?, ?, ?)')
            .run(bus.EventBusArn, entry.dedupKey, eventId, sequence ?? null, now);
        published.push({ id: eventId, ...entry.event });
        return { EventId: eventId, ...(sequence === undefined ? {} : { SequenceNumber: sequence }), SuccessCode: 'PUBLISHED' };
      });
      if (results.some((result) => 'SuccessCode' in result && result.SuccessCode === 'PUBLISHED')) this.onAccepted(bus.EventBusArn);
      return results;
    });
    // After the commit: the read API keeps its records in its own store, so a crash in between loses a record, never an event.
    if (published.length > 0) this.onPublished(bus, published);
    return results;
  }

  /** The events a bus retains (or all buses do), in publish order. */
  retainedEvents(busArn?: string): Fields[] {
    const rows = (
      busArn === undefined
        ? this.db.prepare('SELECT event FROM eventbridgev2_events ORDER BY id').all()
        : this.db.prepare('SELECT event FROM eventbridgev2_events WHERE bus_arn = ? ORDER BY id').all(busArn)
    ) as { event: string }[];
    return rows.map((row) => JSON.parse(row.event) as Fields);
  }

  /** Forgets a deleted bus's events and deduplication keys. */
  forget(busArn: string): void {
    inTransaction(this.db, () => {
      this.db.prepare('DELETE FROM eventbridgev2_events WHERE bus_arn = ?').run(busArn);
      this.db.prepare('DELETE FROM eventbridgev2_dedup WHERE bus_arn = ?').run(busArn);
    });
  }

  /** How many events the buses retain (or one bus does). */
  retained(busArn?: string): number {
    const row = (
      busArn === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM eventbridgev2_events').get()
        : this.db.prepare('SELECT COUNT(*) AS n FROM eventbridgev2_events WHERE bus_arn = ?').get(busArn)
    ) as { n: number };
    return row.n;
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
