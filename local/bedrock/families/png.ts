import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A PNG of `width` x `height` (8-bit RGB, zlib-compressed scanlines, every chunk's CRC), its
 * picture drawn from `seed`: a diagonal gradient between two colours the seed picks, with a
 * band of a third, so two seeds give two pictures and one seed the same bytes every time.
 */
export function placeholderPng(width: number, height: number, seed: string): Buffer {
  const colours = createHash('sha256').update(seed).digest();
  const [r0, g0, b0, r1, g1, b1, r2, g2, b2] = colours;
  const stride = 1 + width * 3;
  const raw = Buffer.alloc(stride * height);
  const band = (colours[9] ?? 0) / 255;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) {
      const t = (x / Math.max(1, width - 1) + y / Math.max(1, height - 1)) / 2;
      const inBand = Math.abs(t - band) < 0.04;
      const at = row + 1 + x * 3;
      raw[at] = inBand ? (r2 ?? 0) : Math.round((r0 ?? 0) + ((r1 ?? 0) - (r0 ?? 0)) * t);
      raw[at + 1] = inBand ? (g2 ?? 0) : Math.round((g0 ?? 0) + ((g1 ?? 0) - (g0 ?? 0)) * t);
      raw[at + 2] = inBand ? (b2 ?? 0) : Math.round((b0 ?? 0) + ((b1 ?? 0) - (b0 ?? 0)) * t);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, deflate, adaptive filters, no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The width and height of a PNG (its IHDR), or undefined for bytes that are not one. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(SIGNATURE) || bytes.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
