import { crc32, inflateSync } from 'node:zlib';

/**
 * Reads a PNG as a decoder would, independently of the code that wrote it: the signature,
 * each chunk's length and CRC, IHDR's size and format, and the inflated scanlines' length
 * (one filter byte and width x 3 bytes a row for 8-bit RGB). Throws naming what is wrong.
 */
export function readPng(bytes: Buffer): { width: number; height: number; chunks: string[] } {
  if (!bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('no PNG signature');
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('ascii', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    const crc = bytes.readUInt32BE(at + 8 + length);
    if (crc !== crc32(bytes.subarray(at + 4, at + 8 + length))) throw new Error(`bad CRC in ${type}`);
    chunks.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 2) throw new Error(`IHDR is not 8-bit RGB (${data[8]}, ${data[9]})`);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  if (chunks[0] !== 'IHDR' || chunks.at(-1) !== 'IEND') throw new Error(`chunks out of order: ${chunks.join(',')}`);
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== (1 + width * 3) * height) throw new Error(`scanlines hold ${raw.length} bytes, not ${(1 + width * 3) * height}`);
  return { width, height, chunks };
}
