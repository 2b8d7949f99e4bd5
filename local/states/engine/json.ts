/** Compact JSON, the way Step Functions writes payloads into history and outputs. */
export function stringify(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/** AWS's UTF-8 size of a payload, for the 256 KiB limit. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export const PAYLOAD_LIMIT = 256 * 1024;

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
