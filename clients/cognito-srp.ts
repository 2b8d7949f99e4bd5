/**
 * Cognito's SRP-6a (USER_SRP_AUTH, then PASSWORD_VERIFIER), both sides' math in one place: the
 * local runtime's server (local/cognito-idp/srp.ts) and the CLI's client (`switchyard users`,
 * inspect/cognito.ts) import it. It is what AWS's own clients compute (amazon-cognito-identity-js's
 * AuthenticationHelper, Amplify's): the 3072-bit group of RFC 5054 (RFC 3526's prime) with g = 2,
 * SHA-256, and a 16-byte key derived from the shared secret by HKDF ("Caldera Derived Key") that
 * signs the secret block. Numbers travel as hex.
 *
 * Pure code (clients/ runs in the browser too): SHA-256 and HMAC-SHA-256 are the caller's
 * (`SrpHashes`, node:crypto's on both sides today), randomness is Web Crypto's getRandomValues.
 */

/** SHA-256 and HMAC-SHA-256 over bytes, synchronous: node:crypto's createHash and createHmac fit. */
export interface SrpHashes {
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}

export const SRP_N = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
export const SRP_G = 2n;

/** A refused SRP step: a public value that is 0 modulo N, or a scrambler u of 0 (either would let a party guess the key). */
export class SrpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SrpError';
  }
}

/** The clients' hex of a number: an even number of digits, with a `00` before a leading digit of 8 or more (a positive two's complement). */
export function padHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

export const hexToBytes = (hex: string): Uint8Array => {
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return Uint8Array.from(even.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
};
const bytesToHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: readonly Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
export const base64ToBytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
export const bytesToBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
const big = (hex: string) => BigInt(`0x${hex === '' ? '0' : hex}`);
const hexHash = (hashes: SrpHashes, hex: string) => bytesToHex(hashes.sha256(hexToBytes(hex))).padStart(64, '0');

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
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

/** A random number below N from `bytes` random bytes (Web Crypto's, in Node and the browser). */
export function randomBelowN(bytes = 128): bigint {
  return big(bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(bytes)))) % SRP_N;
}

/** The multiplier k = H(N | g). */
export const multiplier = (hashes: SrpHashes) => big(hexHash(hashes, `${padHex(SRP_N)}${padHex(SRP_G)}`));

/** The scrambler u = H(A | B). */
export const scrambler = (hashes: SrpHashes, A: bigint, B: bigint) => big(hexHash(hashes, `${padHex(A)}${padHex(B)}`));

/** The pool's name in SRP: its id after the region (`us-east-1_AbC` gives `AbC`). */
export const srpPoolName = (poolId: string) => poolId.split('_')[1] ?? poolId;

/** x = H(salt | H(poolName | username ":" password)), as the clients compute it. */
export function privateValue(hashes: SrpHashes, poolName: string, username: string, password: string, saltHex: string): bigint {
  const inner = bytesToHex(hashes.sha256(utf8(`${poolName}${username}:${password}`))).padStart(64, '0');
  return big(hexHash(hashes, `${padHex(big(saltHex))}${inner}`));
}

/** The 16-byte key HKDF derives from the shared secret S, salted with u ("Caldera Derived Key"). */
function passwordKey(hashes: SrpHashes, u: bigint, S: bigint): Uint8Array {
  const prk = hashes.hmacSha256(hexToBytes(padHex(u)), hexToBytes(padHex(S)));
  return hashes.hmacSha256(prk, concat(utf8('Caldera Derived Key'), Uint8Array.of(1))).subarray(0, 16);
}

/** PASSWORD_CLAIM_SIGNATURE's bytes: HMAC-SHA256, with the key of S, of poolName | username | secret block | timestamp. */
export function claimSignature(
  hashes: SrpHashes,
  claim: {
    readonly u: bigint;
    readonly S: bigint;
    readonly poolId: string;
    readonly username: string;
    readonly secretBlock: string;
    readonly timestamp: string;
  },
): Uint8Array {
  const key = passwordKey(hashes, claim.u, claim.S);
  return hashes.hmacSha256(
    key,
    concat(utf8(srpPoolName(claim.poolId)), utf8(claim.username), base64ToBytes(claim.secretBlock), utf8(claim.timestamp)),
  );
}

/** The client's first step: its secret `a` and public A = g^a, in hex (SRP_A). */
export function clientStart(): { a: string; A: string } {
  for (;;) {
    const a = randomBelowN();
    const A = modPow(SRP_G, a, SRP_N);
    if (A !== 0n) return { a: a.toString(16), A: A.toString(16) };
  }
}

/**
 * The client's PASSWORD_VERIFIER answer to the server's challenge: S = (B - k·g^x)^(a + u·x), and
 * the signature of the secret block (base64) with the key derived from it. `username` is the
 * challenge's USER_ID_FOR_SRP (the user's name in the pool, which an alias or an email sign-in is not).
 * @throws SrpError for a B that is 0 modulo N or a u of 0
 */
export function clientSignature(
  hashes: SrpHashes,
  step: {
    readonly poolId: string;
    readonly username: string;
    readonly password: string;
    readonly a: string;
    readonly A: string;
    readonly salt: string;
    readonly B: string;
    readonly secretBlock: string;
    readonly timestamp: string;
  },
): string {
  const B = big(step.B);
  if (B % SRP_N === 0n) throw new SrpError('the server sent an SRP_B that is 0 modulo N');
  const u = scrambler(hashes, big(step.A), B);
  if (u === 0n) throw new SrpError('the scrambler u = H(A | B) is 0');
  const x = privateValue(hashes, srpPoolName(step.poolId), step.username, step.password, step.salt);
  const base = (((B - multiplier(hashes) * modPow(SRP_G, x, SRP_N)) % SRP_N) + SRP_N) % SRP_N;
  const S = modPow(base, big(step.a) + u * x, SRP_N);
  return bytesToBase64(claimSignature(hashes, { u, S, ...step }));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** TIMESTAMP as amazon-cognito-identity-js writes it, `ddd MMM D HH:mm:ss UTC YYYY`: the day of the month not zero-padded (`Fri Nov 7 09:05:03 UTC 2026`). */
export function srpTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${time} UTC ${date.getUTCFullYear()}`;
}
