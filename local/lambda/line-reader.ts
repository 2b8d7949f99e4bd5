import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;

/**
 * Calls `onLine` with each line the stream carries (UTF-8, without its `\n`), as each completes.
 *
 * A line arrives in many chunks when it crosses a pipe (64 KiB each): a 5 MiB line is about 80.
 * Each chunk is searched alone and the chunks of an unfinished line are only kept, then joined
 * once when its end arrives, so a line costs time in proportion to its length. (Appending each
 * chunk to a string and searching it from its start again cost time in proportion to the square
 * of the length: about half a second for a 5 MiB event a Python function echoed.) A `\n` byte
 * never occurs inside a UTF-8 sequence, so splitting bytes there never splits a character.
 */
export function readLines(stream: Readable, onLine: (line: string) => void): void {
  let pending: Buffer[] = [];
  stream.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    let newline = bytes.indexOf(NEWLINE);
    while (newline >= 0) {
      const end = bytes.subarray(start, newline);
      const line = pending.length === 0 ? end : Buffer.concat([...pending, end]);
      pending = [];
      onLine(line.toString('utf8'));
      start = newline + 1;
      newline = bytes.indexOf(NEWLINE, start);
    }
    if (start < bytes.length) pending.push(bytes.subarray(start));
  });
}
