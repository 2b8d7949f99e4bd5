import type { MessageMatcher } from './filter-pattern.js';
import type { EventRow, LogsStore, Position } from './logs-store.js';
import { EVENT_OVERHEAD_BYTES, encodeStreamToken, encodeToken, eventId } from './validation.js';

/** A read page holds at most this many bytes of events (and 10,000 events). */
const MAX_PAGE_BYTES = 1_048_576;
/** FilterLogEvents scans at most this many events a call; past it, it answers a partial page and a nextToken, as CloudWatch may. */
const MAX_SCAN_EVENTS = 100_000;
const SCAN_CHUNK = 1000;

/**
 * GetLogEvents over one stream: without a token, the first (startFromHead) or the last
 * events; with one, the events after (`f/`) or before (`b/`) its position. At either end of
 * the stream, the token of that direction comes back as it was sent, which is how callers
 * know they are done.
 */
export function readStream(
  store: LogsStore,
  group: string,
  stream: string,
  options: {
    token?: { direction: 'f' | 'b'; position: Position };
    rawToken?: string;
    startFromHead: boolean;
    start?: number;
    end?: number;
    limit: number;
  },
) {
  const { token, start, end, limit } = options;
  const backward = token ? token.direction === 'b' : !options.startFromHead;
  let rows = store.streamEvents(group, stream, { from: token?.position, backward, start, end, limit });
  rows = withinPageBytes(rows);
  if (backward) rows.reverse();
  const first = rows[0];
  const last = rows.at(-1);
  const origin = token?.position ?? { timestamp: 0, id: 0 };
  return {
    events: rows.map((row) => ({ timestamp: row.timestamp, message: row.message, ingestionTime: row.ingestion_time })),
    // At either end of the stream, the token of that direction comes back as it was sent.
    nextForwardToken: last
      ? encodeStreamToken('f', position(last))
      : token?.direction === 'f'
        ? String(options.rawToken)
        : encodeStreamToken('f', origin),
    nextBackwardToken: first
      ? encodeStreamToken('b', position(first))
      : token?.direction === 'b'
        ? String(options.rawToken)
        : encodeStreamToken('b', origin),
  };
}

/**
 * FilterLogEvents over a group: matching events in (timestamp, id) order after the token's
 * position, up to the limit and 1 MB; the token names the last event scanned, so a page cut
 * short by the scan limit goes on where it stopped.
 */
export function filterGroup(
  store: LogsStore,
  group: string,
  options: {
    matches: MessageMatcher;
    after?: { t: number; i: number };
    start?: number;
    end?: number;
    streams?: readonly string[];
    prefix?: string;
    limit: number;
  },
) {
  const { matches, start, end, streams, prefix, limit } = options;
  let after = options.after;
  const found: EventRow[] = [];
  let bytes = 0;
  let scanned = 0;
  let more = false;
  scan: while (scanned < MAX_SCAN_EVENTS) {
    const chunk = store.groupEvents(group, {
      after: after && { timestamp: after.t, id: after.i },
      start,
      end,
      streams,
      streamPrefix: prefix,
      limit: SCAN_CHUNK,
    });
    for (const row of chunk) {
      scanned++;
      if (matches(row.message)) {
        bytes += row.bytes + EVENT_OVERHEAD_BYTES;
        if (found.length >= limit || (bytes > MAX_PAGE_BYTES && found.length > 0)) {
          more = true;
          break scan;
        }
        found.push(row);
      }
      after = { t: row.timestamp, i: row.id };
    }
    if (chunk.length < SCAN_CHUNK) break;
    more = scanned >= MAX_SCAN_EVENTS;
  }
  return {
    events: found.map((row) => ({
      logStreamName: row.stream_name,
      timestamp: row.timestamp,
      message: row.message,
      ingestionTime: row.ingestion_time,
      eventId: eventId(position(row)),
    })),
    searchedLogStreams: [],
    ...(more && after ? { nextToken: encodeToken('filter', after) } : {}),
  };
}

function position(row: EventRow) {
  return { timestamp: row.timestamp, id: row.id };
}

/** The rows that fit a page of 1 MB (at least one). */
function withinPageBytes(rows: EventRow[]): EventRow[] {
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += (rows[i] as EventRow).bytes + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_PAGE_BYTES && i > 0) return rows.slice(0, i);
  }
  return rows;
}
