import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;

/** What a line asks of the reader: the bytes that follow it, as they are (not lines), handed to `take`. */
export interface RawBytesRequest {
  readonly rawBytes: number;
  take(raw: Buffer): void;
}

/**
 * Calls `onLine` with each line the stream carries (UTF-8, without its `\n`), as each completes;
 * a line whose handler answers a RawBytesRequest is followed by that many bytes, handed on whole
 * and unsplit (a payload that holds line ends of its own), before the next line is read.
 *
 * A line arrives in many chunks when it crosses a pipe (64 KiB each): a 5 MiB line is about 80.
 * Each chunk is searched alone and the chunks of an unfinished line are only kept, then joined
 * once when its end arrives, so a line costs time in proportion to its length. (Appending each
 * chunk to a string and searching it from its start again cost time in proportion to the square
 * of the length: about half a second for a 5 MiB event a Python function echoed.) A `\n` byte
 * never occurs inside a UTF-8 sequence, so splitting bytes there never splits a character.
 */
export function readLines(stream: Readable, onLine: (line: string) => RawBytesRequest | undefined): void {
  let pending: Buffer[] = [];
  let raw: { readonly request: RawBytesRequest; remaining: number } | undefined;
  stream.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    while (start < bytes.length) {
      if (raw !== undefined) {
        const end = Math.min(bytes.length, start + raw.remaining);
        pending.push(bytes.subarray(start, end));
        raw.remaining -= end - start;
        start = end;
        if (raw.remaining > 0) return;
        const { request } = raw;
        const taken = Buffer.concat(pending);
        [pending, raw] = [[], undefined];
        request.take(taken);
        continue;
      }
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline < 0) break;
      const end = bytes.subarray(start, newline);
      const line = pending.length === 0 ? end : Buffer.concat([...pending, end]);
      pending = [];
      start = newline + 1;
      const request = onLine(line.toString('utf8'));
      if (request === undefined) continue;
      if (request.rawBytes > 0) raw = { request, remaining: request.rawBytes };
      else request.take(Buffer.alloc(0));
    }
    if (start < bytes.length) pending.push(bytes.subarray(start));
  });
}
