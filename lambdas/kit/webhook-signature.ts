/**
 * Webhook signature verification: HMAC-SHA256 over the raw request body, compared in
 * constant time, in the header formats providers use. Pure (no I/O), so each profile can
 * be tested against the providers' published vectors.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a provider signs its deliveries and names them.
 * - `github`: `X-Hub-Signature-256: sha256=<hex>` over the body; delivery id in `X-GitHub-Delivery`.
 * - `stripe`: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]` over `<t>.<body>`;
 *   the delivery id is the event's `id` in the body (Stripe sends no delivery header and
 *   redelivers an event with the same id).
 * - `generic`: any header holding `<prefix><hex or base64>` over the body, and a delivery id header.
 */
export type SignatureProfile =
  | { readonly kind: 'github' }
  | {
      readonly kind: 'stripe';
      /**
       * How far the signed timestamp may be from now, either way (Stripe's SDKs default to 300).
       * @default 300
       */
      readonly toleranceSeconds?: number;
    }
  | {
      readonly kind: 'generic';
      /** The header carrying the signature (any case). */
      readonly header: string;
      /**
       * What precedes the digest in the header value, e.g. `sha256=`.
       * @default ''
       */
      readonly prefix?: string;
      readonly encoding: 'hex' | 'base64';
      /** The header naming the delivery, the same on every redelivery. */
      readonly deliveryIdHeader: string;
    };

/** Request headers with lower-case names (API Gateway's payload 2.0 gives them so). */
export type Headers = Readonly<Record<string, string | undefined>>;

export type SignatureCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** `missing`/`malformed` header, no signature `mismatch`, or a timestamp outside the tolerance (`stale`). */
      readonly reason: 'missing' | 'malformed' | 'mismatch' | 'stale';
      readonly message: string;
    };

export const DEFAULT_TOLERANCE_SECONDS = 300;
const SHA256_BYTES = 32;

/** The header a profile reads its signature from, lower-cased. */
export function signatureHeader(profile: SignatureProfile): string {
  if (profile.kind === 'github') return 'x-hub-signature-256';
  if (profile.kind === 'stripe') return 'stripe-signature';
  return profile.header.toLowerCase();
}

/**
 * Whether `body` was signed with one of `secrets` (the current secret and, during a
 * rotation's grace period, the previous one). `now` is the receiving time, for the
 * timestamp tolerance of profiles that sign one.
 */
export function verifySignature(
  profile: SignatureProfile,
  request: { readonly headers: Headers; readonly body: Buffer },
  secrets: readonly string[],
  now: Date,
): SignatureCheck {
  const name = signatureHeader(profile);
  const value = request.headers[name];
  if (value === undefined || value.trim() === '') return { ok: false, reason: 'missing', message: `missing ${name} header` };
  if (profile.kind === 'stripe') return verifyTimestamped(value, request.body, secrets, now, profile.toleranceSeconds);
  const prefix = profile.kind === 'github' ? 'sha256=' : (profile.prefix ?? '');
  const encoding = profile.kind === 'github' ? 'hex' : profile.encoding;
  if (!value.startsWith(prefix)) return { ok: false, reason: 'malformed', message: `${name} must start with ${prefix}` };
  const given = decodeDigest(value.slice(prefix.length).trim(), encoding);
  if (given === undefined) {
    return { ok: false, reason: 'malformed', message: `${name} does not hold a ${encoding} SHA-256 digest` };
  }
  return anyMatches([given], request.body, secrets)
    ? { ok: true }
    : { ok: false, reason: 'mismatch', message: `${name} does not match the body` };
}

/** Stripe's scheme: every `v1` entry is a candidate; the timestamp is part of what is signed. */
function verifyTimestamped(
  value: string,
  body: Buffer,
  secrets: readonly string[],
  now: Date,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureCheck {
  let timestamp: string | undefined;
  const candidates: Buffer[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const item = part.slice(eq + 1).trim();
    if (key === 't') timestamp = item;
    if (key === 'v1') {
      const digest = decodeDigest(item, 'hex');
      if (digest !== undefined) candidates.push(digest);
    }
  }
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'malformed', message: 'stripe-signature has no t=<unix seconds> timestamp' };
  }
  if (candidates.length === 0) return { ok: false, reason: 'malformed', message: 'stripe-signature has no v1 signature' };
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
  if (!anyMatches(candidates, signed, secrets)) {
    return { ok: false, reason: 'mismatch', message: 'no v1 signature in stripe-signature matches the body' };
  }
  // Checked after the signature, so that only a genuine (but old) delivery is called stale.
  const age = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (age > toleranceSeconds) {
    return {
      ok: false,
      reason: 'stale',
      message: `stripe-signature timestamp ${timestamp} is ${Math.round(age)} s from now; the tolerance is ${toleranceSeconds} s`,
    };
  }
  return { ok: true };
}

/** HMAC-SHA256 of `payload` with `secret`: what a provider sends (before encoding). */
export function hmacSha256(secret: string, payload: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/**
 * Whether any candidate equals the HMAC under any secret. Every pair is compared with
 * timingSafeEqual on equal-length buffers (a candidate of another length never got here),
 * and the loop does not stop at the first match, so the time taken says nothing about
 * which secret or how many bytes matched.
 */
function anyMatches(candidates: readonly Buffer[], payload: Buffer, secrets: readonly string[]): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = hmacSha256(secret, payload);
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched;
}

function decodeDigest(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const valid = encoding === 'hex' ? /^[0-9a-fA-F]{64}$/ : /^[A-Za-z0-9+/]{43}=$/;
  if (!valid.test(text)) return undefined;
  const digest = Buffer.from(text, encoding);
  return digest.length === SHA256_BYTES ? digest : undefined;
}

/**
 * The provider's id for this delivery, the same on every redelivery: a header, or for
 * Stripe the event `id` in the body. Undefined when the request carries none.
 */
export function deliveryIdOf(profile: SignatureProfile, headers: Headers, payload: unknown): string | undefined {
  let id: unknown;
  if (profile.kind === 'github') id = headers['x-github-delivery'];
  else if (profile.kind === 'generic') id = headers[profile.deliveryIdHeader.toLowerCase()];
  else if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) id = (payload as { id?: unknown }).id;
  return typeof id === 'string' && id.trim() !== '' && id.length <= 256 ? id.trim() : undefined;
}

/** Where a profile's delivery id comes from, for error messages. */
export function deliveryIdSource(profile: SignatureProfile): string {
  if (profile.kind === 'github') return 'the x-github-delivery header';
  if (profile.kind === 'generic') return `the ${profile.deliveryIdHeader.toLowerCase()} header`;
  return 'the event id (`id`) in the body';
}
