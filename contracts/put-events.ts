/**
 * EventBridge's PutEvents limits and the rule it sizes an entry by, for everything of ours
 * that puts events (the handler kit's `emit`, the CLI's `send`), so both split and refuse
 * exactly where EventBridge would.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */

/** Entries in one PutEvents call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** The entries of one call together, by {@link putEventsEntrySize} (1 MiB since January 2026; 256 KiB before). */
export const PUT_EVENTS_MAX_BYTES = 1024 * 1024;

/** The members of a PutEvents entry that count towards its size. */
export interface SizedPutEventsEntry {
  readonly Time?: unknown;
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly string[];
}

/** 14 bytes for `Time` only when it is set, plus the UTF-8 bytes of Source, DetailType, Detail and each of Resources. */
export function putEventsEntrySize(entry: SizedPutEventsEntry): number {
  let size = entry.Time === undefined || entry.Time === null ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (typeof text === 'string') size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}
