/** Compact JSON, the way Step Functions writes payloads into history and outputs. */
export function stringify(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/** AWS's UTF-8 size of a payload, for the 256 KiB limit. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export const PAYLOAD_LIMIT = 256 * 1024;

/**
 * Whether a payload is over PAYLOAD_LIMIT in UTF-8. A UTF-16 code unit is at most 3 bytes of
 * UTF-8 (a surrogate pair, two units, is 4) and at least 1, so only a text between a third of
 * the limit and the limit in length is measured: every state's output was, twice a state.
 */
export function overPayloadLimit(text: string): boolean {
  if (text.length * 3 <= PAYLOAD_LIMIT) return false;
  return text.length > PAYLOAD_LIMIT || byteLength(text) > PAYLOAD_LIMIT;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
