import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  claimSignature,
  modPow,
  multiplier,
  privateValue,
  randomBelowN,
  SRP_G,
  SRP_N,
  type SrpHashes,
  scrambler,
  srpPoolName,
} from '../../clients/cognito-srp.js';

/**
 * Cognito's SRP-6a, the server's side (USER_SRP_AUTH's challenge, then PASSWORD_VERIFIER's check).
 * The math both sides share (the group, the hashes, x, u, the derived key and the signature) is
 * clients/cognito-srp.ts, which the CLI's client (`switchyard users`) signs in with too.
 */

/** node:crypto's SHA-256 and HMAC, which the shared math takes from its caller (clients/ is pure). */
export const NODE_SRP_HASHES: SrpHashes = {
  sha256: (data) => createHash('sha256').update(data).digest(),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
};

const big = (hex: string) => BigInt(`0x${hex}`);

/** What the store keeps to verify SRP sign-ins without the password: the salt and the verifier g^x, in hex. */
export interface SrpVerifier {
  readonly salt: string;
  readonly verifier: string;
}

/** The verifier of `username`'s `password` in the pool, with a new random salt (or `salt`, which tests give to compare with a recorded one). */
export function srpVerifier(poolId: string, username: string, password: string, salt = randomBytes(16).toString('hex')): SrpVerifier {
  const x = privateValue(NODE_SRP_HASHES, srpPoolName(poolId), username, password, salt);
  return { salt, verifier: modPow(SRP_G, x, SRP_N).toString(16) };
}

/** The server's step: its secret `b` and public `B` for the client's `A`. @throws Error for an A that is 0 mod N */
export function serverChallenge(srpA: string, kept: SrpVerifier): { b: string; B: string } {
  if (big(srpA) % SRP_N === 0n) throw new Error('SRP_A is 0 modulo N');
  const b = randomBelowN();
  const B = (multiplier(NODE_SRP_HASHES) * big(kept.verifier) + modPow(SRP_G, b, SRP_N)) % SRP_N;
  return { b: b.toString(16), B: B.toString(16) };
}

/**
 * Whether the client's PASSWORD_CLAIM_SIGNATURE proves the password: the shared secret is
 * S = (A·v^u)^b on this side.
 */
export function signatureMatches(claim: {
  readonly poolId: string;
  readonly username: string;
  readonly srpA: string;
  readonly b: string;
  readonly B: string;
  readonly kept: SrpVerifier;
  readonly secretBlock: string;
  readonly timestamp: string;
  readonly signature: string;
}): boolean {
  const A = big(claim.srpA);
  const u = scrambler(NODE_SRP_HASHES, A, big(claim.B));
  if (u === 0n) return false;
  const S = modPow(A * modPow(big(claim.kept.verifier), u, SRP_N), big(claim.b), SRP_N);
  const expected = claimSignature(NODE_SRP_HASHES, { ...claim, u, S });
  const given = Buffer.from(claim.signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
