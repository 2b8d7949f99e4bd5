import { createHash } from 'node:crypto';

/**
 * A `nextToken` the read API was not asked for the way it was given: not one of its own,
 * from another list, or sent back with other filters than the page it came with.
 */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/**
 * The read API's page cursors: opaque to clients (base64url JSON), they hold the position
 * of the last item of a page in the list's own order (a sequence number, or a start time
 * and ARN), never an offset, so items added while a client pages through neither shift nor
 * repeat what it has still to read. Each names its list and a digest of the filters it was
 * given with, so that a token is refused on another list or with other filters.
 */
export function encodeCursor(list: string, filters: Readonly<Record<string, unknown>>, position: unknown): string {
  return Buffer.from(JSON.stringify({ l: list, f: digest(filters), p: position }), 'utf8').toString('base64url');
}

/** The position a token holds; throws {@link InvalidCursorError} when it is not this list's with these filters. */
export function decodeCursor(token: string, list: string, filters: Readonly<Record<string, unknown>>): unknown {
  let parsed: { l?: unknown; f?: unknown; p?: unknown };
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw new InvalidCursorError('nextToken is not a token this read API gave');
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.l !== list) {
    throw new InvalidCursorError(`nextToken was not given by ${list}`);
  }
  if (parsed.f !== digest(filters)) {
    throw new InvalidCursorError('nextToken was given with other parameters: send it back with the same ones (limit may change)');
  }
  return parsed.p;
}

function digest(filters: Readonly<Record<string, unknown>>): string {
  const sorted = Object.keys(filters)
    .sort()
    .filter((key) => filters[key] !== undefined)
    .map((key) => [key, filters[key]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 16);
}
