import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { getCanonicalHeaders, getSigningKey, SignatureV4 } from '@smithy/signature-v4';
import type { HeaderBag, SourceData } from '@smithy/types';

/**
 * Checks an AWS Signature Version 4 against configured credentials, for the opt-in
 * --verify-signatures (the endpoint's requests, and the DynamoDB engine's on its own port).
 * The canonical request and signing key come from @smithy/signature-v4 (the SDK's own
 * signer), so a request is accepted exactly when the SDK, given the same secret, would have
 * signed it the same way.
 */
export interface SignatureProblem {
  /** missing: no signature; incomplete: a malformed one; unknownKey: an access key not configured; mismatch; expired: outside the clock skew. */
  readonly kind: 'missing' | 'incomplete' | 'unknownKey' | 'mismatch' | 'expired';
  readonly message: string;
}

/** The query as the signer reads it: each name's values, decoded. */
type Query = Record<string, string | string[]>;

/** The signature's parts, from the Authorization header or a presigned URL's query. */
interface SignatureParts {
  readonly credential: string;
  readonly signedHeaders: string[];
  readonly signature: string;
  readonly presigned: boolean;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** AWS refuses a signature dated more than this before or after its own clock. */
const MAX_SKEW_MS = 5 * 60 * 1000;
/** A presigned URL lives at most a week (X-Amz-Expires). */
const MAX_PRESIGNED_SECONDS = 604_800;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** SHA-256 and HMAC-SHA-256 (when given a key) on node:crypto, in the shape SignatureV4 takes. */
export class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

function bytesOf(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The signer's canonicalization, which SignatureV4 keeps to itself; it needs no credentials (they are passed per request below). */
class Canonicalizer extends SignatureV4 {
  constructor(options: { service: string; uriEscapePath?: boolean }) {
    super({ region: 'unused', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: Sha256, ...options });
  }

  canonicalRequest(request: { method: string; path: string; query: Query }, headers: HeaderBag, payloadHash: string): string {
    return this.createCanonicalRequest({ ...request, protocol: 'http:', hostname: '', headers: {} }, headers, payloadHash);
  }

  stringToSign(longDate: string, scope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonicalRequest, ALGORITHM);
  }
}

const canonicalizer = new Canonicalizer({ service: 'unused' });
// S3 signs the path as sent, encoded once; every other service encodes it again.
const s3Canonicalizer = new Canonicalizer({ service: 's3', uriEscapePath: false });

/**
 * Why the request's signature is not acceptable, or undefined when it is.
 * @param request `url` as received: the path and query, still percent-encoded
 * @param secrets secret access key by access key id
 */
export async function verifySignature(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Uint8Array },
  secrets: { get(accessKeyId: string): string | undefined },
  now = new Date(),
): Promise<SignatureProblem | undefined> {
  const queryIndex = request.url.indexOf('?');
  const path = queryIndex === -1 ? request.url : request.url.slice(0, queryIndex);
  const query = parseQuery(queryIndex === -1 ? '' : request.url.slice(queryIndex + 1));
  const auth = authorization(request.headers, query);
  if ('kind' in auth) return auth;

  const { credential, signedHeaders, signature, presigned } = auth;
  const [accessKeyId, shortDate, region, service, terminator, ...extra] = credential.split('/');
  if (!accessKeyId || !shortDate || !region || !service || terminator !== 'aws4_request' || extra.length > 0) {
    return incomplete(
      `Credential must have the form <access key id>/<yyyymmdd>/<region>/<service>/aws4_request, not ${JSON.stringify(credential)}`,
    );
  }
  if (!signedHeaders.includes('host')) return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  const secret = secrets.get(accessKeyId);
  if (secret === undefined) return { kind: 'unknownKey', message: 'The security token included in the request is invalid.' };

  const longDate = presigned ? single(query['X-Amz-Date']) : (header(request.headers, 'x-amz-date') ?? header(request.headers, 'date'));
  const signedAt = longDate === undefined ? undefined : parseDate(longDate);
  if (longDate === undefined || signedAt === undefined) {
    return incomplete(
      presigned
        ? 'A presigned request requires an X-Amz-Date parameter in ISO 8601 basic format (yyyyMMddTHHmmssZ)'
        : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const isoDate = iso(signedAt);
  if (isoDate.slice(0, 8) !== shortDate) {
    return {
      kind: 'mismatch',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${shortDate}' != '${isoDate.slice(0, 8)}', from '${longDate}'.`,
    };
  }
  const stale = presigned ? presignedExpiry(query, signedAt, now) : skew(signedAt, now);
  if (stale) return stale;

  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const declaredHash = header(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && /^[0-9a-f]{64}$/i.test(declaredHash) && declaredHash.toLowerCase() !== bodyHash) {
    return { kind: 'mismatch', message: "The provided 'x-amz-content-sha256' header does not match what was computed." };
  }
  // UNSIGNED-PAYLOAD and STREAMING-* are signed as written; the body hash otherwise.
  const payloadHashes = declaredHash !== undefined ? [declaredHash] : presigned ? [bodyHash, UNSIGNED_PAYLOAD] : [bodyHash];

  const names = new Set(signedHeaders);
  const signedHeaderValues: Record<string, string> = {};
  for (const name of names) signedHeaderValues[name] = header(request.headers, name) ?? '';
  const canonicalHeaders = getCanonicalHeaders(
    { headers: signedHeaderValues } as Parameters<typeof getCanonicalHeaders>[0],
    undefined,
    names,
  );
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  const key = await getSigningKey(Sha256, { accessKeyId, secretAccessKey: secret }, shortDate, region, service);
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  for (const payloadHash of payloadHashes) {
    const canonicalRequest = (service === 's3' ? s3Canonicalizer : canonicalizer).canonicalRequest(
      { method: request.method, path, query },
      canonicalHeaders,
      payloadHash,
    );
    const stringToSign = await canonicalizer.stringToSign(isoDate, scope, canonicalRequest);
    const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return undefined;
  }
  return { kind: 'mismatch', message: MISMATCH };
}

/** The signature's parts, from the Authorization header or a presigned URL's query. */
function authorization(headers: IncomingHttpHeaders, query: Query): SignatureParts | SignatureProblem {
  const value = header(headers, 'authorization');
  if (value !== undefined) {
    const space = value.indexOf(' ');
    const algorithm = space === -1 ? value : value.slice(0, space);
    if (algorithm !== ALGORITHM)
      return incomplete(`Unsupported AWS 'algorithm': '${algorithm}' (the local runtime checks ${ALGORITHM} only)`);
    const parts: Record<string, string> = {};
    for (const part of value.slice(space + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq !== -1) parts[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !parts[name]);
    if (missing.length > 0) {
      return incomplete(`${missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ')} Authorization=${value}`);
    }
    return {
      credential: parts.Credential as string,
      signedHeaders: (parts.SignedHeaders as string).split(';'),
      signature: parts.Signature as string,
      presigned: false,
    };
  }
  if (query['X-Amz-Algorithm'] !== undefined) {
    const algorithm = single(query['X-Amz-Algorithm']);
    if (algorithm !== ALGORITHM)
      return incomplete(`Unsupported AWS 'algorithm': '${algorithm}' (the local runtime checks ${ALGORITHM} only)`);
    const missing = ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date', 'X-Amz-Expires'].filter(
      (name) => !single(query[name]),
    );
    if (missing.length > 0) return incomplete(`A presigned request requires the query parameters ${missing.join(', ')}.`);
    return {
      credential: single(query['X-Amz-Credential']) as string,
      signedHeaders: (single(query['X-Amz-SignedHeaders']) as string).split(';'),
      signature: single(query['X-Amz-Signature']) as string,
      presigned: true,
    };
  }
  return { kind: 'missing', message: 'Missing Authentication Token' };
}

function skew(signedAt: Date, now: Date): SignatureProblem | undefined {
  const earliest = new Date(now.getTime() - MAX_SKEW_MS);
  const latest = new Date(now.getTime() + MAX_SKEW_MS);
  if (signedAt < earliest) {
    return { kind: 'expired', message: `Signature expired: ${iso(signedAt)} is now earlier than ${iso(earliest)} (${iso(now)} - 5 min.)` };
  }
  if (signedAt > latest) {
    return {
      kind: 'expired',
      message: `Signature not yet current: ${iso(signedAt)} is still later than ${iso(latest)} (${iso(now)} + 5 min.)`,
    };
  }
  return undefined;
}

function presignedExpiry(query: Query, signedAt: Date, now: Date): SignatureProblem | undefined {
  const expires = single(query['X-Amz-Expires']) ?? '';
  const seconds = /^\d+$/.test(expires) ? Number(expires) : Number.NaN;
  if (!(seconds >= 1 && seconds <= MAX_PRESIGNED_SECONDS)) {
    return incomplete(
      `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGNED_SECONDS} (a week), not ${JSON.stringify(expires)}`,
    );
  }
  const expiry = new Date(signedAt.getTime() + seconds * 1000);
  if (now > expiry) return { kind: 'expired', message: `Signature expired: ${iso(expiry)} is now earlier than ${iso(now)}` };
  return signedAt > now ? skew(signedAt, now) : undefined;
}

/** The query as the signer reads it: each name's values, decoded (no `+` for space: the SDK encodes spaces as %20). */
function parseQuery(text: string): Query {
  const query: Query = {};
  if (text === '') return query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const previous = query[name];
    query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return query;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // broken encoding cannot match any signature; the service answers it
  }
}

/** `20240102T030405Z`, or an HTTP date (the Date header). */
function parseDate(text: string): Date | undefined {
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const [year, month, day, hours, minutes, seconds] = (basic?.slice(1) ?? []).map(Number) as number[];
  const date = basic ? new Date(Date.UTC(year as number, (month as number) - 1, day, hours, minutes, seconds)) : new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function iso(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function incomplete(message: string): SignatureProblem {
  return { kind: 'incomplete', message };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  return single(headers[name]);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
