import { describe, expect, it } from 'vitest';
import { checksumOf } from '../../../local/s3/checksums.js';

const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

describe('checksumOf', () => {
  // The catalogue's check values: each algorithm over the ASCII bytes "123456789".
  it.each([
    ['crc32', 'cbf43926'],
    ['crc32c', 'e3069283'],
    ['crc64nvme', 'ae8b14860a799888'],
  ] as const)('computes %s with its published check value', (algorithm, check) => {
    expect(hex(checksumOf(algorithm, Buffer.from('123456789')))).toBe(check);
  });

  it('computes SHA-1 and SHA-256 as base64 digests', () => {
    expect(hex(checksumOf('sha1', Buffer.from('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hex(checksumOf('sha256', Buffer.from('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
