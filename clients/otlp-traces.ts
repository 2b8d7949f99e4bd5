/**
 * OTLP's trace messages as OTLP/JSON writes them (opentelemetry-proto's `trace.proto`,
 * `common.proto`, `resource.proto`; https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * the one shape the receiver turns both encodings into, keeps, and serves. Ids are lower-case
 * hex, 64-bit integers decimal strings, enums numbers, bytes base64. In clients/: the read
 * API's contract names them (`/traces/<id>` answers a TracesData), and the console's browser code reads it.
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
