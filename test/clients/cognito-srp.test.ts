import { describe, expect, it } from 'vitest';
import {
  bytesToBase64,
  claimSignature,
  clientSignature,
  clientStart,
  modPow,
  SRP_N,
  SrpError,
  scrambler,
  srpTimestamp,
} from '../../clients/cognito-srp.js';
import { NODE_SRP_HASHES, serverChallenge, signatureMatches, srpVerifier } from '../../local/cognito-idp/srp.js';
import { srpVector as vector } from '../local/cognito-idp/srp-vector.js';

const PASSWORD = 'Secret-Passw0rd';
const big = (hex: string) => BigInt(`0x${hex}`);

/** The client's whole exchange against the local server: its A, the server's B, then its signature of a secret block. */
function exchange(password: string, timestamp = 'Fri Nov 27 17:58:00 UTC 2026') {
  const kept = srpVerifier(vector.poolId, vector.username, PASSWORD);
  const { a, A } = clientStart();
  const { b, B } = serverChallenge(A, kept);
  const step = { poolId: vector.poolId, username: vector.username, secretBlock: vector.secretBlock, timestamp };
  const signature = clientSignature(NODE_SRP_HASHES, { ...step, password, a, A, salt: kept.salt, B });
  return signatureMatches({ ...step, srpA: A, b, B, kept, signature });
}

describe('Cognito SRP, the client side', () => {
  it("signs the secret block as AWS's client did, from the same shared secret", () => {
    // The recorded exchange keeps the server's b, not the client's a: S comes from the server's side, the signature from the shared code.
    const A = big(vector.srpA);
    const u = scrambler(NODE_SRP_HASHES, A, big(vector.B));
    const S = modPow(A * modPow(big(vector.kept.verifier), u, SRP_N), big(vector.b), SRP_N);
    expect(bytesToBase64(claimSignature(NODE_SRP_HASHES, { ...vector, u, S }))).toBe(vector.signature);
  });

  it('proves the right password to the local server, whose check accepts the signature', () => {
    expect(exchange(PASSWORD)).toBe(true);
  });

  it('fails if the password is wrong: the server refuses the signature', () => {
    expect(exchange('Other-Passw0rd')).toBe(false);
  });

  it('fails if the server sends a B that is 0 modulo N', () => {
    const { a, A } = clientStart();
    const step = { poolId: vector.poolId, username: 'ada', password: PASSWORD, a, A, salt: vector.kept.salt };
    expect(() =>
      clientSignature(NODE_SRP_HASHES, { ...step, B: SRP_N.toString(16), secretBlock: vector.secretBlock, timestamp: vector.timestamp }),
    ).toThrow(SrpError);
  });

  it("writes TIMESTAMP as AWS's client does, the day of the month not zero-padded", () => {
    expect(srpTimestamp(new Date('2026-11-27T17:58:00Z'))).toBe(vector.timestamp);
    expect(srpTimestamp(new Date('2026-11-07T09:05:03Z'))).toBe('Sat Nov 7 09:05:03 UTC 2026');
  });
});
