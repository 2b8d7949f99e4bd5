import { parseTraceHeader, type TraceHeader } from '../endpoint/trace-header.js';
import { randomHex } from '../random/random-id.js';
import type { AnyValue, KeyValue, OtlpLink, OtlpSpan, ResourceSpans, TracesData } from './otlp-model.js';
import { traceIdOf } from './otlp-model.js';

/** OTLP's span kinds (trace.proto's `SpanKind`). */
export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
/** OTLP's status codes. */
const STATUS_ERROR = 2;

export type PlainAttribute = string | number | boolean | readonly string[] | undefined;

/** A span the runtime makes for what an AWS service did, in X-Ray's terms: a trace root, its own segment, its parent's. */
export interface RuntimeSpan {
  /** Which of the runtime's services made it: its resource's `service.name` (`EventBridge`, `SQS`, `Lambda`, ...). */
  readonly service: string;
  /** More resource attributes (a function's `faas.name`). */
  readonly resource?: Readonly<Record<string, PlainAttribute>>;
  readonly name: string;
  readonly kind: (typeof SPAN_KIND)[keyof typeof SPAN_KIND];
  /** The X-Ray trace id (`1-<8>-<24>`). */
  readonly root: string;
  /** The span's own id: the segment the service's calls carry as `Parent` (16 hex). */
  readonly segment: string;
  readonly parent?: string;
  /** Epoch ms. */
  readonly start: number;
  readonly end: number;
  readonly attributes: Readonly<Record<string, PlainAttribute>>;
  readonly links?: readonly { readonly root: string; readonly segment: string; readonly attributes?: Record<string, PlainAttribute> }[];
  /** Set for a failure: the span's status is ERROR with this message, and it has an `exception` event. */
  readonly error?: { readonly type: string; readonly message: string };
}

/**
 * A batch of the runtime's spans as they were written: the store keeps them so (span-store.ts)
 * and makes OTLP of them when they are read; `data` and `body` make the OTLP/JSON export of the
 * batch (once), for a forwarder and tests only (most runtimes have no forwarder).
 */
export interface RuntimeSpanBatch {
  readonly spans: readonly RuntimeSpan[];
  /** The region every span's resource names (`cloud.region`). */
  readonly region: string;
  data(): TracesData;
  body(): Uint8Array;
}

/** What the writer keeps its batches in (the traces service: the store, and the forwarder). */
export type SpanSink = (batch: RuntimeSpanBatch) => void;

/** The instrumentation scope of every span the runtime makes. */
export const RUNTIME_SCOPE = { name: 'switchyard.local-runtime' };

function anyValue(value: Exclude<PlainAttribute, undefined>): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { arrayValue: { values: value.map((item) => ({ stringValue: item })) } };
}

export function keyValues(attributes: Readonly<Record<string, PlainAttribute>>): KeyValue[] {
  const values: KeyValue[] = [];
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) values.push({ key, value: anyValue(value) });
  }
  return values;
}

/** Epoch ms (fractions kept to the microsecond) as OTLP's nanoseconds. */
function nanos(ms: number): string {
  const micros = Math.round(ms * 1000);
  // Exact as a double until 2255 (2^53 microseconds); a bigint only for what is not a positive time.
  return micros > 0 && Number.isSafeInteger(micros) ? `${micros}000` : (BigInt(micros) * 1000n).toString();
}

/** A span id of its own, for a span nothing else refers to (a model call). */
export function newSpanId(): string {
  return randomHex(8);
}

/** Whether a header's caller decided not to sample: AWS records nothing of such a request, nor does the runtime. */
export function unsampled(header: TraceHeader | string | undefined): boolean {
  const parsed = typeof header === 'string' ? parseTraceHeader(header) : header;
  return parsed?.sampled === '0';
}

/** `traceIdOf`, once a batch for each trace (a journey's spans share their root). */
export function traceIds(): (root: string) => string {
  const known = new Map<string, string>();
  return (root) => {
    let id = known.get(root);
    if (id === undefined) {
      id = traceIdOf(root);
      known.set(root, id);
    }
    return id;
  };
}

/** A runtime span as OTLP's span (its trace id by `idOf`: `traceIdOf`, or a batch's memo of it); its resource is not the span's. */
export function otlpSpan(span: Omit<RuntimeSpan, 'service' | 'resource'>, idOf: (root: string) => string): OtlpSpan {
  const traceId = idOf(span.root);
  const links: OtlpLink[] = (span.links ?? []).map((link) => ({
    traceId: idOf(link.root),
    spanId: link.segment,
    attributes: keyValues(link.attributes ?? {}),
  }));
  const end = Math.max(span.start, span.end);
  return {
    traceId,
    spanId: span.segment,
    ...(span.parent ? { parentSpanId: span.parent } : {}),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: nanos(span.start),
    endTimeUnixNano: nanos(end),
    attributes: keyValues(span.attributes),
    events: span.error
      ? [
          {
            timeUnixNano: nanos(end),
            name: 'exception',
            attributes: keyValues({ 'exception.type': span.error.type, 'exception.message': span.error.message }),
          },
        ]
      : [],
    links,
    status: span.error ? { code: STATUS_ERROR, message: `${span.error.type}: ${span.error.message}` } : { code: 0 },
  };
}

/**
 * How long the runtime's spans wait to be kept together, at most (real time: a test's virtual
 * clock never holds them). A second: a batch then holds most of each journey's spans, kept as
 * one row of the span store (bench:runtime: a third less than batches of 200 ms); an
 * OpenTelemetry SDK's batch span processor waits five (OTEL_BSP_SCHEDULE_DELAY).
 */
export const SPAN_BATCH_MS = 1000;
/** How many spans are kept together at most. */
export const SPAN_BATCH_SIZE = 4000;

/**
 * Writes the runtime's own spans into the span store, as one OTLP/JSON export every
 * SPAN_BATCH_MS (or SPAN_BATCH_SIZE spans), so that they are kept, served and forwarded
 * exactly as spans received at `/v1/traces` are. Batching is what keeps them cheap: a commit
 * per turn of the event loop cost the pipeline more than the spans themselves (bench:runtime).
 * Whatever reads spans flushes first (the read API, the service on stop), so a batch is never
 * missed by a reader; a SIGKILL loses at most the batch not yet kept, as an X-Ray daemon's
 * buffer would. A span that cannot be kept is logged, never the failure of the call it
 * describes (as X-Ray's ingestion is never the failure of the service it traces).
 */
export class SpanWriter {
  #pending: RuntimeSpan[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: SpanSink,
    private readonly region: string,
    private readonly log: (line: string) => void,
  ) {}

  write(span: RuntimeSpan): void {
    this.#pending.push(span);
    if (this.#pending.length >= SPAN_BATCH_SIZE) this.flush();
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.flush(), SPAN_BATCH_MS).unref();
  }

  /** Keeps every span written so far (the read API asks before it reads, the service on stop). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const spans = this.#pending;
    this.#pending = [];
    let data: TracesData | undefined;
    const batch: RuntimeSpanBatch = {
      spans,
      region: this.region,
      data: () => {
        data ??= tracesData(spans, this.region);
        return data;
      },
      body: () => new TextEncoder().encode(JSON.stringify(batch.data())),
    };
    try {
      this.sink(batch);
    } catch (error) {
      this.log(`traces: ${spans.length} span(s) of the runtime's services not kept: ${(error as Error).message}`);
    }
  }
}

/** Which resource a runtime span belongs to: the region is the batch's, so its service and its own attributes tell it from another. */
export function resourceKeyOf(span: RuntimeSpan): string {
  return span.resource ? `${span.service}\u0000${JSON.stringify(span.resource)}` : span.service;
}

/** The OTLP resource of a runtime span. */
export function resourceOf(span: RuntimeSpan, region: string): { attributes: KeyValue[] } {
  return { attributes: keyValues({ 'service.name': span.service, 'cloud.provider': 'aws', 'cloud.region': region, ...span.resource }) };
}

/** A batch of runtime spans as one OTLP/JSON export, grouped by resource. */
function tracesData(spans: readonly RuntimeSpan[], region: string): TracesData {
  const byResource = new Map<string, { resource: { attributes: KeyValue[] }; spans: OtlpSpan[] }>();
  const idOf = traceIds();
  for (const span of spans) {
    const key = resourceKeyOf(span);
    let group = byResource.get(key);
    if (group === undefined) {
      group = { resource: resourceOf(span, region), spans: [] };
      byResource.set(key, group);
    }
    group.spans.push(otlpSpan(span, idOf));
  }
  const resourceSpans: ResourceSpans[] = [...byResource.values()].map((group) => ({
    resource: group.resource,
    scopeSpans: [{ scope: RUNTIME_SCOPE, spans: group.spans }],
  }));
  return { resourceSpans };
}
