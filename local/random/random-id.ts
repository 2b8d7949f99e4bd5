import { randomBytes, randomFillSync } from 'node:crypto';

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random lower-case letters and digits: the ids Bedrock's jobs and API Gateway's APIs, resources and deployments have. */
export function lowerAlphanumericId(length: number): string {
  return [...randomBytes(length)].map((byte) => LOWER_ALPHANUMERIC[byte % LOWER_ALPHANUMERIC.length]).join('');
}

/**
 * Random bytes drawn 4 KiB at a time: each hop of an event's journey takes a few short ids
 * (a receipt handle's token, a trace's root, an invocation's segment), and a `randomBytes`
 * call each (a Buffer and a call into OpenSSL) cost the runtime's main thread more than the
 * bytes (bench:runtime). The same CSPRNG, only fewer draws.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function drawn(length: number): number {
  if (length > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes are drawn at once, not ${length}`);
  if (poolOffset + length > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += length;
  return start;
}

/** `bytes` random bytes as lower-case hex (`2 * bytes` characters), from the pool. */
export function randomHex(bytes: number): string {
  const start = drawn(bytes);
  return pool.toString('hex', start, start + bytes);
}

/** `bytes` random bytes as unpadded base64url, from the pool. */
export function randomBase64Url(bytes: number): string {
  const start = drawn(bytes);
  return pool.toString('base64url', start, start + bytes);
}
