import { describe, expect, it } from 'vitest';
import { padHex } from '../../../clients/cognito-srp.js';
import { serverChallenge, signatureMatches, srpVerifier } from '../../../local/cognito-idp/srp.js';
import { srpVector as vector } from './srp-vector.js';

describe('Cognito SRP', () => {
  it("accepts the signature AWS's client made of the secret block with the right password", () => {
    expect(signatureMatches(vector)).toBe(true);
  });

  it('makes the verifier the client proves the password against, from the pool, the username and the salt', () => {
    expect(srpVerifier(vector.poolId, vector.username, 'Secret-Passw0rd', vector.kept.salt)).toEqual(vector.kept);
  });

  it('fails if the password, the timestamp signed or the secret block differ', () => {
    const otherPassword = srpVerifier(vector.poolId, vector.username, 'Other-Passw0rd', vector.kept.salt);
    expect(signatureMatches({ ...vector, kept: otherPassword })).toBe(false);
    expect(signatureMatches({ ...vector, timestamp: 'Sat Nov 28 17:58:00 UTC 2026' })).toBe(false);
    expect(signatureMatches({ ...vector, secretBlock: Buffer.from('another block').toString('base64') })).toBe(false);
  });

  it('fails if the client sends an A that is 0 modulo N, which would let it guess the key', () => {
    expect(() => serverChallenge('0', vector.kept)).toThrow(/0 modulo N/);
  });

  it('writes hex as the clients do: an even number of digits, 00 before a high first digit', () => {
    expect([padHex(0xfn), padHex(0x7fn), padHex(0x80n), padHex(0x123n)]).toEqual(['0f', '7f', '0080', '0123']);
  });
});
