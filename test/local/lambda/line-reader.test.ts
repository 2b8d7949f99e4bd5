import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../../local/lambda/runtime/hosts/line-reader.js';

/** A stream whose chunks the test hands over itself, at once. */
function stream(): { readable: Readable; send(chunk: Buffer | string): void } {
  const emitter = new EventEmitter();
  return { readable: emitter as unknown as Readable, send: (chunk) => emitter.emit('data', chunk) };
}

function linesOf(chunks: readonly (Buffer | string)[]): string[] {
  const lines: string[] = [];
  const { readable, send } = stream();
  readLines(readable, (line) => {
    lines.push(line);
    return undefined;
  });
  for (const chunk of chunks) send(chunk);
  return lines;
}

/**
 * How many characters or bytes the reader searched for line ends while `run` ran: every search
 * of a string or a buffer counted from where it began to the end of what it searched.
 */
function searchedLength(run: () => void): number {
  let searched = 0;
  const stringIndexOf = String.prototype.indexOf;
  const bufferIndexOf = Buffer.prototype.indexOf;
  String.prototype.indexOf = function (this: string, search: string, from?: number) {
    searched += this.length - (from ?? 0);
    return stringIndexOf.call(this, search, from);
  };
  Buffer.prototype.indexOf = function (this: Buffer, ...args: Parameters<Buffer['indexOf']>) {
    searched += this.length - (typeof args[1] === 'number' ? args[1] : 0);
    return bufferIndexOf.apply(this, args);
  };
  try {
    run();
  } finally {
    String.prototype.indexOf = stringIndexOf;
    Buffer.prototype.indexOf = bufferIndexOf;
  }
  return searched;
}

describe('readLines', () => {
  it('hands on each line without its line end, several lines of one chunk and one line of several chunks', () => {
    expect(linesOf(['one\ntwo\nthr', 'ee', '\nfour\n', 'unfinished'])).toEqual(['one', 'two', 'three', 'four']);
  });

  it('keeps a character whose bytes two chunks split whole', () => {
    const bytes = Buffer.from('échec 🥳\n');
    expect(linesOf([bytes.subarray(0, 1), bytes.subarray(1, 8), bytes.subarray(8)])).toEqual(['échec 🥳']);
  });

  it('keeps empty lines and a carriage return, which marks a line break inside one record', () => {
    expect(linesOf(['\n\r\na\rb\n'])).toEqual(['', '\r', 'a\rb']);
  });

  it('hands on the bytes a line announces whole, line ends among them, then reads lines again', () => {
    const read: string[] = [];
    const { readable, send } = stream();
    readLines(readable, (line) => {
      read.push(`line ${line}`);
      if (!line.startsWith('raw ')) return undefined;
      return { rawBytes: Number(line.slice(4)), take: (raw) => read.push(`raw ${raw.toString('utf8')}`) };
    });
    const payload = Buffer.from('a\nb 🥳\n');
    send(`one\nraw ${payload.length}\n`);
    send(payload.subarray(0, 3));
    send(Buffer.concat([payload.subarray(3), Buffer.from('two\nraw 0\nthree\n')]));
    expect(read).toEqual(['line one', `line raw ${payload.length}`, 'raw a\nb 🥳\n', 'line two', 'line raw 0', 'raw ', 'line three']);
  });

  it('searches each byte of a line that arrives in many chunks once, not again with each chunk', () => {
    // A pipe hands a 5 MiB line over in about 80 chunks; here 1 MiB in 1,024.
    const chunk = 'x'.repeat(1024);
    const { readable, send } = stream();
    const lines: string[] = [];
    readLines(readable, (line) => {
      lines.push(line);
      return undefined;
    });
    const searched = searchedLength(() => {
      for (let i = 0; i < 1024; i++) send(Buffer.from(chunk));
      send(Buffer.from('\n'));
    });
    expect(lines).toEqual([chunk.repeat(1024)]);
    expect(searched).toBeLessThanOrEqual(1024 * 1024 + 1);
  });
});
