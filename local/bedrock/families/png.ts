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
 * The picture every image model draws, as rows of pixels (`channels` bytes each, RGB then an
 * opaque alpha when 4), each row after `lead` bytes left zero (a PNG scanline's filter byte):
 * a diagonal gradient between two colours `seed` picks, with a band of a third, so two seeds
 * give two pictures and one seed the same pixels every time.
 */
export function placeholderPixels(width: number, height: number, seed: string, channels: 3 | 4 = 3, lead = 0): Buffer {
  const colours = createHash('sha256').update(seed).digest();
  const [r0, g0, b0, r1, g1, b1, r2, g2, b2] = Array.from({ length: 9 }, (_, i) => colours[i] ?? 0) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const band = (colours[9] ?? 0) / 255;
  const stride = lead + width * channels;
  const raw = Buffer.alloc(stride * height);
  const dx = 1 / Math.max(1, width - 1) / 2;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const ty = y / Math.max(1, height - 1) / 2;
    for (let x = 0; x < width; x++) {
      const t = x * dx + ty;
      const at = row + lead + x * channels;
      if (Math.abs(t - band) < 0.04) {
        raw[at] = r2;
        raw[at + 1] = g2;
        raw[at + 2] = b2;
      } else {
        // A typed array truncates the fraction: the gradient needs no rounding.
        raw[at] = r0 + (r1 - r0) * t;
        raw[at + 1] = g0 + (g1 - g0) * t;
        raw[at + 2] = b0 + (b1 - b0) * t;
      }
      if (channels === 4) raw[at + 3] = 255;
    }
  }
  return raw;
}

/** A PNG of `width` x `height` (8-bit RGB, zlib-compressed scanlines, every chunk's CRC) of the placeholder picture `seed` draws. */
export function placeholderPng(width: number, height: number, seed: string): Buffer {
  // Each scanline leads with its filter byte, 0 (none).
  const raw = placeholderPixels(width, height, seed, 3, 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, deflate, adaptive filters, no interlace
  // Level 1: a placeholder gradient compresses well at the fastest level, and a large image stays quick.
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

/** The width and height of a PNG (its IHDR), or undefined for bytes that are not one. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(SIGNATURE) || bytes.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
