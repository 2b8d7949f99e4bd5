import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

// Counts the draws the pool makes from the CSPRNG (the module under test imports node:crypto by name).
vi.mock('node:crypto', async (original) => {
  const actual = await original<typeof import('node:crypto')>();
  return { ...actual, randomFillSync: vi.fn(actual.randomFillSync), randomBytes: vi.fn(actual.randomBytes) };
});

const { randomBase64Url, randomHex } = await import('../../../local/random/random-id.js');

describe('random ids from the pool', () => {
  it('are hex and base64url of the length asked for, and differ across many refills of the pool', () => {
    const hex = Array.from({ length: 3000 }, () => randomHex(12));
    const tokens = Array.from({ length: 3000 }, () => randomBase64Url(12));
    for (const id of hex) expect(id).toMatch(/^[0-9a-f]{24}$/);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set([...hex, ...tokens]).size).toBe(6000);
  });

  it('draws random bytes 4 KiB at a time, not once an id', () => {
    vi.mocked(crypto.randomFillSync).mockClear();
    vi.mocked(crypto.randomBytes).mockClear();
    for (let i = 0; i < 1024; i++) randomHex(8);
    // 8 KiB of ids: two or three draws (the pool may hold some bytes from before), no call per id.
    expect(vi.mocked(crypto.randomFillSync).mock.calls.length).toBeLessThanOrEqual(3);
    expect(crypto.randomBytes).not.toHaveBeenCalled();
  });

  it('fails if more bytes are asked for at once than the pool holds', () => {
    expect(() => randomHex(4097)).toThrow(/at most 4096 random bytes are drawn at once, not 4097/);
  });
});
