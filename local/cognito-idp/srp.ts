import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Cognito's SRP-6a (USER_SRP_AUTH, then PASSWORD_VERIFIER), the server's side of what AWS's own
 * clients compute (amazon-cognito-identity-js's AuthenticationHelper, Amplify's): the 3072-bit
 * group of RFC 5054 (RFC 3526's prime) with g = 2, SHA-256, and a 16-byte key derived from the
 * shared secret by HKDF ("Caldera Derived Key") that signs the secret block. Numbers travel as hex.
 */
const N = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const G = 2n;

/** The clients' hex of a number: an even number of digits, with a `00` before a leading digit of 8 or more (a positive two's complement). */
export function padHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

const hexHash = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex').padStart(64, '0');
const big = (hex: string) => BigInt(`0x${hex}`);

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

const K = big(hexHash(`${padHex(N)}${padHex(G)}`));

/** x = H(salt | H(poolName | username ":" password)), as the clients compute it. */
function privateValue(poolName: string, username: string, password: string, saltHex: string): bigint {
  const inner = createHash('sha256').update(`${poolName}${username}:${password}`).digest('hex').padStart(64, '0');
  return big(hexHash(`${padHex(big(saltHex))}${inner}`));
}

/** What the store keeps to verify SRP sign-ins without the password: the salt and the verifier g^x, in hex. */
export interface SrpVerifier {
  readonly salt: string;
  readonly verifier: string;
}

/** The pool's name in SRP: its id after the region (`us-east-1_AbC` gives `AbC`). */
export const srpPoolName = (poolId: string) => poolId.split('_')[1] ?? poolId;

/** The verifier of `username`'s `password` in the pool, with a new random salt (or `salt`, which tests give to compare with a recorded one). */
export function srpVerifier(poolId: string, username: string, password: string, salt = randomBytes(16).toString('hex')): SrpVerifier {
  return { salt, verifier: modPow(G, privateValue(srpPoolName(poolId), username, password, salt), N).toString(16) };
}

/** The server's step: its secret `b` and public `B` for the client's `A`. @throws Error for an A that is 0 mod N */
export function serverChallenge(srpA: string, kept: SrpVerifier): { b: string; B: string } {
  if (big(srpA) % N === 0n) throw new Error('SRP_A is 0 modulo N');
  const b = big(randomBytes(128).toString('hex')) % N;
  const B = (K * big(kept.verifier) + modPow(G, b, N)) % N;
  return { b: b.toString(16), B: B.toString(16) };
}

/**
 * Whether the client's PASSWORD_CLAIM_SIGNATURE proves the password: HMAC-SHA256, with the
 * key derived from the shared secret S = (A·v^u)^b, of poolName | username | secret block | timestamp.
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
  const B = big(claim.B);
  const u = big(hexHash(`${padHex(A)}${padHex(B)}`));
  if (u === 0n) return false;
  const S = modPow(A * modPow(big(claim.kept.verifier), u, N), big(claim.b), N);
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex'))
    .update(Buffer.from(padHex(S), 'hex'))
    .digest();
  const key = createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key'), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
  const expected = createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(srpPoolName(claim.poolId)),
        Buffer.from(claim.username),
        Buffer.from(claim.secretBlock, 'base64'),
        Buffer.from(claim.timestamp),
      ]),
    )
    .digest();
  const given = Buffer.from(claim.signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
