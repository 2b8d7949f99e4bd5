import { SignatureV4 } from '@smithy/signature-v4';
import { type ConsoleCredentials, currentCredentials } from './credentials.js';

/** The SDK signer's hash interface over WebCrypto (HMAC when constructed with a key). */
class WebCryptoSha256 {
  readonly #secret?: Uint8Array<ArrayBuffer>;
  #chunks: Uint8Array<ArrayBuffer>[] = [];

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    if (secret !== undefined) this.#secret = bytes(secret);
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#chunks.push(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    const data = concat(this.#chunks);
    this.#chunks = [];
    const subtle = globalThis.crypto?.subtle;
    if (subtle === undefined) {
      throw new Error(
        'signing needs WebCrypto, which browsers offer only on secure origins: open the console at http://127.0.0.1 or localhost',
      );
    }
    if (this.#secret === undefined) return new Uint8Array(await subtle.digest('SHA-256', data));
    const key = await subtle.importKey('raw', this.#secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await subtle.sign('HMAC', key, data));
  }

  reset(): void {
    this.#chunks = [];
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array<ArrayBuffer> {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The page's own origin: every call goes to it. Read through globalThis so that Node tests can set it. */
function here(): { protocol: string; hostname: string; port: string; host: string } {
  return (globalThis as unknown as { location: { protocol: string; hostname: string; port: string; host: string } }).location;
}

function signer(service: string, credentials: ConsoleCredentials): SignatureV4 {
  return new SignatureV4({
    service,
    region: credentials.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: WebCryptoSha256,
    applyChecksum: false,
  });
}

/** The headers to send for a signed POST of `body` to `path` (`/` for the JSON protocols; Lambda's REST paths) on this origin. */
export async function signedHeaders(
  service: string,
  headers: Record<string, string>,
  body: string,
  path = '/',
): Promise<Record<string, string>> {
  const request = {
    method: 'POST',
    protocol: here().protocol,
    hostname: here().hostname,
    port: here().port ? Number(here().port) : undefined,
    path,
    query: {},
    headers: { ...headers, host: here().host },
    body,
  };
  const signed = await signer(service, currentCredentials()).sign(request);
  const { host: _host, ...rest } = signed.headers as Record<string, string>;
  return rest; // the browser sends Host itself, as signed
}

/**
 * A GET URL on this origin with its signature in the query (as a presigned URL): what an
 * EventSource, which cannot set headers, connects with.
 */
export async function presignedUrl(path: string, query: Record<string, string>, expiresInSeconds = 900): Promise<string> {
  const request = {
    method: 'GET',
    protocol: here().protocol,
    hostname: here().hostname,
    port: here().port ? Number(here().port) : undefined,
    path,
    query,
    headers: { host: here().host },
  };
  const signed = await signer('switchyard', currentCredentials()).presign(request, { expiresIn: expiresInSeconds });
  const search = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(String(v ?? ''))}`),
    )
    .join('&');
  return `${path}${search ? `?${search}` : ''}`;
}
