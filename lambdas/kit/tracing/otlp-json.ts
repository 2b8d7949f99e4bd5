import { type FinishedSpan, SPAN_KIND, type SpanAttributes, type SpanAttributeValue } from './spans.js';

/**
 * OTLP/JSON, the encoding of `ExportTraceServiceRequest` the OTLP/HTTP specification defines
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): proto3's JSON mapping with
 * lowerCamelCase field names, trace and span ids as hex strings (not base64), enums as numbers,
 * 64-bit integers as decimal strings. X-Ray's OTLP endpoint takes it as well as protobuf, so the
 * kit needs no protobuf encoder: JSON.stringify is already in every bundle.
 */
export type OtlpAnyValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: string }
  | { readonly doubleValue: number }
  | { readonly arrayValue: { readonly values: readonly OtlpAnyValue[] } };

export interface OtlpKeyValue {
  readonly key: string;
  readonly value: OtlpAnyValue;
}

/** The instrumentation scope every kit span is reported under (no version: the package's is not known inside a bundle). */
export const KIT_SCOPE = { name: 'switchyard-cdk/kit' } as const;

function anyValue(value: SpanAttributeValue): OtlpAnyValue {
  if (Array.isArray(value)) return { arrayValue: { values: (value as readonly (string | number | boolean)[]).map(anyValue) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Number.isSafeInteger(value)) return { intValue: String(value) };
  return { doubleValue: value as number };
}

export function keyValues(attributes: SpanAttributes): OtlpKeyValue[] {
  return Object.entries(attributes).flatMap(([key, value]) => (value === undefined ? [] : [{ key, value: anyValue(value) }]));
}

/**
 * OTLP's `SpanFlags`: the W3C trace flags (bit 0, sampled) and whether the `is_remote` of the
 * parent (or of a link's span) is known (bit 8) and true (bit 9).
 */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function otlpSpan(span: FinishedSpan) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: SPAN_KIND[span.kind],
    startTimeUnixNano: span.startTimeUnixNano,
    endTimeUnixNano: span.endTimeUnixNano,
    attributes: keyValues(span.attributes),
    ...(span.events.length === 0
      ? {}
      : {
          events: span.events.map((event) => ({
            timeUnixNano: event.timeUnixNano,
            name: event.name,
            attributes: keyValues(event.attributes),
          })),
        }),
    ...(span.links.length === 0
      ? {}
      : {
          links: span.links.map((link) => ({
            traceId: link.context.traceId,
            spanId: link.context.spanId,
            ...(link.attributes ? { attributes: keyValues(link.attributes) } : {}),
            // A link's context always comes from another process here (a message's or an event's header).
            flags: HAS_IS_REMOTE | IS_REMOTE | (link.context.sampled ? 1 : 0),
          })),
        }),
    status: span.status.message === undefined ? { code: span.status.code } : { code: span.status.code, message: span.status.message },
    flags: HAS_IS_REMOTE | (span.parentRemote ? IS_REMOTE : 0) | 1,
  };
}

/** The `ExportTraceServiceRequest` for one resource's spans, as OTLP/JSON text. */
export function encodeTraceRequest(resource: Readonly<Record<string, SpanAttributeValue>>, spans: readonly FinishedSpan[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: keyValues(resource) },
        scopeSpans: [{ scope: { ...KIT_SCOPE }, spans: spans.map(otlpSpan) }],
      },
    ],
  });
}

/**
 * The resource a function's spans are reported for, from the variables Lambda sets (and
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME` as the OpenTelemetry SDKs read them; the
 * service name otherwise Powertools' `POWERTOOLS_SERVICE_NAME`, which SwitchyardFunction sets).
 */
export function lambdaResource(env: NodeJS.ProcessEnv = process.env): Record<string, SpanAttributeValue> {
  const resource: Record<string, SpanAttributeValue> = {};
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      resource[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // A malformed percent-escape: the pair is left out, as the SDKs discard an invalid entry.
    }
  }
  const set = (key: string, value: SpanAttributeValue | undefined) => {
    if (value !== undefined && value !== '') resource[key] = value;
  };
  set('service.name', env.OTEL_SERVICE_NAME || env.POWERTOOLS_SERVICE_NAME || env.AWS_LAMBDA_FUNCTION_NAME || 'unknown_service');
  set('cloud.provider', 'aws');
  set('cloud.platform', 'aws_lambda');
  set('cloud.region', env.AWS_REGION);
  set('faas.name', env.AWS_LAMBDA_FUNCTION_NAME);
  set('faas.version', env.AWS_LAMBDA_FUNCTION_VERSION);
  const memory = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  if (Number.isSafeInteger(memory) && memory > 0) set('faas.max_memory', memory * 1024 * 1024);
  if (env.AWS_LAMBDA_LOG_GROUP_NAME) set('aws.log.group.names', [env.AWS_LAMBDA_LOG_GROUP_NAME]);
  set('telemetry.sdk.name', KIT_SCOPE.name);
  set('telemetry.sdk.language', 'nodejs');
  return resource;
}
