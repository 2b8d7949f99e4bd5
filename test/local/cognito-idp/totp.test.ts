import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  hotp,
  newTotpSecret,
  TotpSecretError,
  totpCode,
  totpMatches,
} from '../../../local/cognito-idp/totp.js';

/** RFC 6238 appendix B's SHA-1 key, "12345678901234567890". */
const RFC_KEY = Buffer.from('12345678901234567890');

describe('TOTP', () => {
  it("gives RFC 6238's SHA-1 test vectors (8 digits) and their 6-digit codes", () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) {
      expect(hotp(RFC_KEY, Math.floor(seconds / 30), 8)).toBe(code);
      expect(totpCode(base32Encode(RFC_KEY), seconds * 1000)).toBe(code.slice(2));
    }
  });

  it('round-trips base32 and makes 32-character secrets', () => {
    expect(base32Encode(RFC_KEY)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')).toEqual(RFC_KEY);
    expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('accepts the code of the step before and after, and no other', () => {
    const secret = base32Encode(RFC_KEY);
    const now = 1_234_567_890_000;
    expect(totpMatches(secret, totpCode(secret, now - 30_000), now)).toBe(true);
    expect(totpMatches(secret, totpCode(secret, now + 30_000), now)).toBe(true);
    expect(totpMatches(secret, totpCode(secret, now - 60_000), now)).toBe(false);
  });

  it('fails if a secret is not base32', () => {
    expect(() => base32Decode('NOT-BASE32')).toThrow(TotpSecretError);
  });
});
