/**
 * Amazon Bedrock API keys, as `Authorization: Bearer <key>` carries them
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html):
 * - a short-term key is `bedrock-api-key-` and the base64 of a SigV4 presigned URL of
 *   `POST bedrock.amazonaws.com/?Action=CallWithBearerToken` (what AWS's token generators,
 *   e.g. `@aws/bedrock-token-generator`, write), valid in the region it was signed for until
 *   `X-Amz-Date` + `X-Amz-Expires` (at most 12 hours), with the permissions of the key it was signed with;
 * - a long-term key is `ABSK` and the base64 of its IAM user's service-specific credential.
 */

/** The condition key `bedrock:bearerTokenType`'s values (api-keys-permissions.html). */
export type BearerTokenType = 'SHORT_TERM' | 'LONG_TERM';

export interface BedrockApiKey {
  readonly type: BearerTokenType;
  /** A short-term key's access key (the presigned URL's `X-Amz-Credential`): whose permissions the call has. */
  readonly accessKeyId?: string;
  /** A short-term key's region (its credential scope's). */
  readonly region?: string;
  /** When a short-term key stops being valid (epoch ms). */
  readonly expiresAt?: number;
  /**
   * A short-term key's presigned request as it was signed (`/?Action=CallWithBearerToken&...`,
   * without the `&Version=1` the generators add after signing), to `POST` to `PRESIGNED_HOST`:
   * what the endpoint verifies when it checks signatures.
   */
  readonly presigned?: string;
}

/** The host a short-term key's URL is presigned for. */
export const PRESIGNED_HOST = 'bedrock.amazonaws.com';

/** Why a bearer token is refused: its text is the one Bedrock answers. */
export class BearerKeyError extends Error {
  override readonly name = 'BearerKeyError';
  constructor(
    message: string,
    readonly status: 401 | 403,
  ) {
    super(message);
  }
}

const SHORT_TERM = 'bedrock-api-key-';
const LONG_TERM = 'ABSK';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Bedrock's answer to a key of neither form (quoted from bedrock-runtime in farion1231/cc-switch#1679). */
export const MALFORMED_KEY = 'Invalid API Key format: Must start with pre-defined prefix';
/** Bedrock's answer to a key it cannot use: expired, of another region (quoted in ai4s-research/open-science#53, anomalyco/opencode#47073). */
export const INVALID_KEY = 'Authentication failed: Please make sure your API Key is valid.';

/**
 * Reads a Bedrock API key: its type and, for a short-term key, the access key, region and
 * expiry its presigned URL names. A key of another form is refused with Bedrock's text; the
 * signature inside a short-term key, and a long-term key's secret, are not checked (any
 * well-formed key is accepted locally).
 */
export function readBedrockApiKey(token: string): BedrockApiKey {
  if (token.startsWith(LONG_TERM) && BASE64.test(token.slice(LONG_TERM.length))) return { type: 'LONG_TERM' };
  if (!token.startsWith(SHORT_TERM)) throw new BearerKeyError(MALFORMED_KEY, 403);
  const encoded = token.slice(SHORT_TERM.length);
  if (!BASE64.test(encoded)) throw new BearerKeyError(INVALID_KEY, 403);
  const url = Buffer.from(encoded, 'base64').toString('utf8');
  const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const [accessKeyId, , region, service] = (query.get('X-Amz-Credential') ?? '').split('/');
  const signedAt = signingTime(query.get('X-Amz-Date') ?? '');
  const lifetime = Number(query.get('X-Amz-Expires'));
  if (
    query.get('Action') !== 'CallWithBearerToken' ||
    !accessKeyId ||
    !region ||
    service !== 'bedrock' ||
    signedAt === undefined ||
    !Number.isInteger(lifetime) ||
    lifetime <= 0
  ) {
    throw new BearerKeyError(INVALID_KEY, 403);
  }
  const presigned = url.slice(url.indexOf('/')).replace(/&Version=1$/, '');
  return { type: 'SHORT_TERM', accessKeyId, region, expiresAt: signedAt + lifetime * 1000, presigned };
}

/** The key a request carries (`Authorization: Bearer <key>`), or undefined when it has none. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/** Refuses a short-term key past its expiry or of another region, as Bedrock does. */
export function checkUsable(key: BedrockApiKey, region: string, now: number): void {
  if (key.type !== 'SHORT_TERM') return;
  if (key.region !== region || (key.expiresAt ?? 0) <= now) throw new BearerKeyError(INVALID_KEY, 403);
}

/** SigV4's `YYYYMMDDTHHMMSSZ` as epoch ms. */
function signingTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
