import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** What SignatureV4 hashes (Smithy's `SourceData`). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/**
 * SHA-256 and HMAC-SHA-256 from node:crypto, in the shape `@smithy/signature-v4` takes: what the
 * kit's own signed requests (the OTLP export to X-Ray, the Custom Event Bus client) hash with,
 * rather than bundling a JavaScript SHA-256. Not exported from `switchyard-cdk/kit`.
 */
export class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}
