import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The additional checksums S3 accepts (`x-amz-checksum-<algorithm>`, base64 of the
 * big-endian digest), as the SDKs compute them: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The base64 checksum of `body` with `algorithm`. */
export function checksumOf(algorithm: ChecksumAlgorithm, body: Buffer): string {
  switch (algorithm) {
    case 'crc32':
      return uint32(crc32(body));
    case 'crc32c':
      return uint32(crc32c(body));
    case 'crc64nvme':
      return crc64nvme(body).toString('base64');
    case 'sha1':
      return createHash('sha1').update(body).digest('base64');
    case 'sha256':
      return createHash('sha256').update(body).digest('base64');
  }
}

function uint32(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(body: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of body) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5, initial value and final XOR all
 * ones), on two 32-bit halves so a large body does not go through BigInt byte by byte.
 */
const CRC64_TABLE = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        h = (h ^ polyHi) >>> 0;
        l = (l ^ polyLo) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return { hi, lo };
})();

function crc64nvme(body: Buffer): Buffer {
  let h = 0xffffffff;
  let l = 0xffffffff;
  for (const byte of body) {
    const index = (l ^ byte) & 0xff;
    // crc = table[index] ^ (crc >>> 8)
    const shiftedLo = ((l >>> 8) | ((h & 0xff) << 24)) >>> 0;
    const shiftedHi = h >>> 8;
    l = ((CRC64_TABLE.lo[index] as number) ^ shiftedLo) >>> 0;
    h = ((CRC64_TABLE.hi[index] as number) ^ shiftedHi) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((h ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((l ^ 0xffffffff) >>> 0, 4);
  return out;
}
