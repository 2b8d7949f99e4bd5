import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZipReadError, zipEntries } from '../../../local/s3/zip-entries.js';

/** A zip archive as the APPNOTE lays it out: local headers and data, the central directory, its end record. */
function zip(files: readonly { path: string; body: string; method: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.path);
    const body = Buffer.from(file.body);
    const data = file.method === 8 ? deflateRawSync(body) : body;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(file.method, 8);
    local.writeUInt32LE(crc32(body), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x800, 8);
    entry.writeUInt16LE(file.method, 10);
    entry.writeUInt32LE(crc32(body), 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(body.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    directory.push(entry, name);
    offset += local.length + name.length + data.length;
  }
  const central = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, central, end]);
}

describe('zipEntries', () => {
  it('reads stored and deflated files with their paths, in the archive’s order', () => {
    const archive = zip([
      { path: 'index.html', body: '<h1>hi</h1>', method: 0 },
      { path: 'data/items.json', body: JSON.stringify(Array.from({ length: 100 }, (_, i) => i)), method: 8 },
    ]);
    expect(zipEntries(archive).map((e) => [e.path, e.body.toString()])).toEqual([
      ['index.html', '<h1>hi</h1>'],
      ['data/items.json', JSON.stringify(Array.from({ length: 100 }, (_, i) => i))],
    ]);
  });

  it('fails with ZipReadError if the file is not a zip archive', () => {
    expect(() => zipEntries(Buffer.from('just some text, long enough to be searched'))).toThrow(ZipReadError);
  });
});
