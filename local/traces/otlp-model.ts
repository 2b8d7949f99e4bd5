/**
 * OTLP's trace messages as OTLP/JSON writes them (opentelemetry-proto's `trace.proto`,
 * `common.proto`, `resource.proto`; https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * the one shape the receiver turns both encodings into, keeps, and serves. Ids are lower-case
 * hex, 64-bit integers decimal strings, enums numbers, bytes base64. Pure (no Node.js module):
 * the read API's contract, which the console's browser code reads, names these types.
 */
export type AnyValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: string }
  | { readonly doubleValue: number }
  | { readonly arrayValue: { readonly values: readonly AnyValue[] } }
  | { readonly kvlistValue: { readonly values: readonly KeyValue[] } }
  | { readonly bytesValue: string }
  | Record<string, never>;

export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

export interface OtlpResource {
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
}

export interface OtlpScope {
  readonly name: string;
  readonly version?: string;
  readonly attributes?: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
}

export interface OtlpEvent {
  readonly timeUnixNano: string;
  readonly name: string;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
}

export interface OtlpLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState?: string;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
  readonly flags?: number;
}

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState?: string;
  readonly parentSpanId?: string;
  readonly flags?: number;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount?: number;
  readonly events: readonly OtlpEvent[];
  readonly droppedEventsCount?: number;
  readonly links: readonly OtlpLink[];
  readonly droppedLinksCount?: number;
  readonly status: { readonly code: number; readonly message?: string };
}

export interface ScopeSpans {
  readonly scope: OtlpScope;
  readonly spans: readonly OtlpSpan[];
  readonly schemaUrl?: string;
}

export interface ResourceSpans {
  readonly resource: OtlpResource;
  readonly scopeSpans: readonly ScopeSpans[];
  readonly schemaUrl?: string;
}

/** `ExportTraceServiceRequest`; what `/traces/<id>` answers too. */
export interface TracesData {
  readonly resourceSpans: readonly ResourceSpans[];
}

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
