/**
 * A span's place in a trace, and the two ways it is written down on AWS: X-Ray's trace header
 * (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`, what Lambda sets in `_X_AMZN_TRACE_ID`,
 * SQS keeps as `AWSTraceHeader`, PutEvents takes as `TraceHeader`) and W3C Trace Context's
 * `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`). An X-Ray trace id is an OpenTelemetry one
 * with its dashes taken out (the first 8 hex digits are the epoch seconds of its start), so the
 * two name the same trace: X-Ray's OTLP endpoint takes spans under the trace Lambda started.
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
export interface SpanContext {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zero. */
  readonly spanId: string;
  /** Whether the trace is recorded (X-Ray `Sampled=1`, the W3C `sampled` flag). */
  readonly sampled: boolean;
}

const X_RAY_ROOT = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO = /^0+$/;

/**
 * Reads an X-Ray trace header. Without a valid `Root` and `Parent` there is no span to continue
 * (undefined), as X-Ray ignores a malformed header: whatever carried it goes on as a new trace.
 */
export function fromXRayHeader(text: string | undefined): SpanContext | undefined {
  if (typeof text !== 'string' || text.length > 512) return undefined;
  let root: RegExpExecArray | null = null;
  let parent: string | undefined;
  let sampled = false;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 'Root') root = X_RAY_ROOT.exec(value);
    else if (name === 'Parent') parent = value;
    else if (name === 'Sampled') sampled = value === '1';
  }
  if (root === null || parent === undefined || !SPAN_ID.test(parent) || ZERO.test(parent)) return undefined;
  return { traceId: `${root[1]}${root[2]}`, spanId: parent, sampled };
}

/** The X-Ray trace header of a span: what a call it makes carries to continue its trace under it. */
export function toXRayHeader(context: SpanContext): string {
  const { traceId, spanId, sampled } = context;
  return `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=${sampled ? 1 : 0}`;
}

/**
 * Reads a W3C `traceparent`. Version `ff` and all-zero ids are invalid; a later version is read
 * by its first four fields, as the specification asks.
 */
export function fromTraceparent(text: string | undefined): SpanContext | undefined {
  if (typeof text !== 'string' || text.length > 512) return undefined;
  const match = TRACEPARENT.exec(text.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined) || ZERO.test(traceId) || ZERO.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

export function toTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}
