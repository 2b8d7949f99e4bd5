import type { AnyValue } from '../../clients/otlp-traces.js';

/**
 * The receiver's side of OTLP's model: its decode error, the id and value rules. The shapes
 * themselves are the read API's too (clients/otlp-traces.ts).
 */
export type {
  AnyValue,
  KeyValue,
  OtlpEvent,
  OtlpLink,
  OtlpResource,
  OtlpScope,
  OtlpSpan,
  ResourceSpans,
  ScopeSpans,
  TracesData,
} from '../../clients/otlp-traces.js';

/** An OTLP body the receiver cannot decode: answered 400 with a `Status` saying why, as the OTLP/HTTP specification prescribes. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/** How deep attribute values may nest (arrays and key-value lists in each other): deeper is refused, never recursed into. */
export const MAX_VALUE_DEPTH = 32;

const ZERO_ID = /^0*$/;

/** Whether an id names a span or trace: the right length, not all zeros (the W3C and OTLP rule). */
export function isValidId(hex: string | undefined, bytes: 16 | 8): hex is string {
  return hex !== undefined && hex.length === bytes * 2 && !ZERO_ID.test(hex);
}

/** The X-Ray form of a trace id (`1-<8 hex>-<24 hex>`) as OTLP's, else the text itself lower-cased. */
export function traceIdOf(text: string): string {
  const xray = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/.exec(text);
  return xray ? `${xray[1]}${xray[2]}`.toLowerCase() : text.toLowerCase();
}

/** An attribute's value as plain JavaScript (what the read API's indexes and the console read). */
export function plainValue(value: AnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('arrayValue' in value) return value.arrayValue.values.map(plainValue);
  return undefined;
}
