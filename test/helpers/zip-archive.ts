import { crc32, deflateRawSync } from 'node:zlib';

/**
 * The fields a local header and its central directory entry share, in the same order from the
 * compression method's offset `at` on: method, (time and date left 0), CRC-32, compressed and
 * uncompressed sizes, the name's length.
 */
function writeShared(header: Buffer, at: number, method: number, body: Buffer, data: Buffer, name: Buffer): void {
  header.writeUInt16LE(method, at);
  header.writeUInt32LE(crc32(body), at + 6);
  header.writeUInt32LE(data.length, at + 10);
  header.writeUInt32LE(body.length, at + 14);
  header.writeUInt16LE(name.length, at + 18);
}

/**
 * A zip archive as the APPNOTE lays it out: local headers and data, the central directory, its
 * end record (with `comment`, which makes two archives of the same files differ, as their times would).
 * Entries are deflated unless they say `method: 0`; one with a `mode` is made on Unix and carries it
 * (its external attributes' high half, as Info-ZIP and Python's zipfile write a file's permissions).
 */
export function zip(files: readonly { path: string; body: string | Buffer; method?: 0 | 8; mode?: number }[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.path);
    const body = Buffer.from(file.body);
    const method = file.method ?? 8;
    const data = method === 8 ? deflateRawSync(body) : body;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeShared(local, 8, method, body, data, name);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    if (file.mode !== undefined) {
      entry.writeUInt16LE((3 << 8) | 20, 4);
      entry.writeUInt32LE((file.mode << 16) >>> 0, 38);
    }
    entry.writeUInt16LE(0x800, 8);
    writeShared(entry, 10, method, body, data, name);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    directory.push(entry, name);
    offset += local.length + name.length + data.length;
  }
  const central = Buffer.concat(directory);
  const note = Buffer.from(comment);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(note.length, 20);
  return Buffer.concat([...locals, central, end, note]);
}
