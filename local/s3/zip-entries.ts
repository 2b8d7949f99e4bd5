/**
 * The files of a zip archive (PKWARE's APPNOTE: the end of central directory record, the
 * central directory, each local header), for a bucket deployment whose source is a `.zip`
 * asset. Stored and deflated entries, no encryption, no ZIP64: what `cdk synth` and common
 * tools write for an app's asset. Anything else is refused with a typed error naming why.
 */
import { inflateRawSync } from 'node:zlib';

export class ZipReadError extends Error {
  override readonly name = 'ZipReadError';
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** A Unix-made entry's permission bits (its external attributes' high half); other systems' entries have none. */
const MADE_ON_UNIX = 3;

/**
 * Each file's path (with `/`), its bytes and, when the archive was made on Unix, its permission
 * bits (`mode`: zip and Python's zipfile keep an executable's), in the archive's order; folders are left out.
 */
export function zipEntries(archive: Buffer): { path: string; body: Buffer; mode?: number }[] {
  const end = endOfDirectory(archive);
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const entries: { path: string; body: Buffer; mode?: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== DIRECTORY_ENTRY) throw new ZipReadError('a central directory entry is damaged');
    const flags = archive.readUInt16LE(at + 8);
    const method = archive.readUInt16LE(at + 10);
    const compressed = archive.readUInt32LE(at + 20);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const local = archive.readUInt32LE(at + 42);
    const unixMode = archive.readUInt8(at + 5) === MADE_ON_UNIX ? (archive.readUInt32LE(at + 38) >>> 16) & 0o7777 : 0;
    const mode = unixMode === 0 ? {} : { mode: unixMode };
    const path = archive.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (path.endsWith('/')) continue;
    if (flags & 0x1) throw new ZipReadError(`${path} is encrypted`);
    if (archive.readUInt32LE(local) !== LOCAL_HEADER) throw new ZipReadError(`the local header of ${path} is damaged`);
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
    const data = archive.subarray(start, start + compressed);
    if (method === 0) entries.push({ path, body: Buffer.from(data), ...mode });
    else if (method === 8) entries.push({ path, body: inflateRawSync(data), ...mode });
    else throw new ZipReadError(`${path} is compressed with method ${method} (only stored and deflated entries are read)`);
  }
  return entries;
}

/** The end of central directory record: the last one, searched back over a comment of up to 64 KiB. */
function endOfDirectory(archive: Buffer): number {
  for (let at = archive.length - 22; at >= Math.max(0, archive.length - 22 - 0xffff); at--) {
    if (archive.readUInt32LE(at) === END_OF_DIRECTORY) return at;
  }
  throw new ZipReadError('it is not a zip archive (no end of central directory record)');
}
