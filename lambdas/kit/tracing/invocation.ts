import { ENV } from '../../../contracts/wiring.js';
import { type ExportTarget, exportTargetFromEnv, sendTraces } from './otlp-export.js';
import { encodeTraceRequest, lambdaResource } from './otlp-json.js';
import {
  activeSpan,
  NO_SPAN,
  newSpanId,
  newTraceId,
  Span,
  type SpanAttributes,
  SpanBuffer,
  type SpanKind,
  type SpanLink,
  type TraceSpan,
} from './spans.js';
import { fromXRayHeader, type SpanContext } from './trace-context.js';

// Defined by SwitchyardFunction at bundle time (TRACING_BUNDLED_DEFINE): `false` folds each
// guarded entry below to its no-op branch, so that esbuild drops the tracing code behind it.
declare const SWITCHYARD_TRACING_BUNDLED: boolean | undefined;

/** Where the tracing says what went wrong exporting (the kit's logger; never the invocation's failure). */
export interface TracingLogger {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/** What an invocation's span is: the handler's kind of work, and what it links to. */
export interface InvocationSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes?: SpanAttributes;
  readonly links?: readonly SpanLink[];
}

/** What tracing needs of the Lambda context. */
export interface InvocationContext {
  readonly awsRequestId: string;
  readonly invokedFunctionArn?: string;
  getRemainingTimeInMillis(): number;
}

/** Whether the function's spans are on: its SwitchyardFunction's `tracing` is `opentelemetry` (ENV.tracing). */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ENV.tracing] === 'opentelemetry';
}

/** Time kept back from an export, so that exporting never makes the invocation itself time out. */
const EXPORT_MARGIN_MS = 500;
/** Spans per export request: X-Ray's OTLP endpoint takes at most 10,000 and 5 MB a request. */
const SPANS_PER_REQUEST = 500;

let coldStart = true;
/**
 * The export target and resource, read from the environment once (Lambda's does not change),
 * again only if one of the endpoint variables changed (a test's, a host that is not Lambda).
 */
let exportSetup: { readonly key: string; readonly target?: ExportTarget; readonly resource: ReturnType<typeof lambdaResource> } | undefined;

function setupFor(logger: TracingLogger): NonNullable<typeof exportSetup> {
  const { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: traces, OTEL_EXPORTER_OTLP_ENDPOINT: base, AWS_ENDPOINT_URL: aws } = process.env;
  const key = `${traces} ${base} ${aws}`;
  if (exportSetup?.key === key) return exportSetup;
  const target = exportTargetFromEnv();
  if (target === undefined) logger.warn('tracing: no AWS_REGION or OTEL_EXPORTER_OTLP_ENDPOINT to export spans to; they are dropped');
  exportSetup = { key, resource: lambdaResource(), ...(target ? { target } : {}) };
  return exportSetup;
}

/**
 * The span this invocation's spans hang under, from the trace header Lambda gives it
 * (`_X_AMZN_TRACE_ID`, read per invocation), and whether they are recorded, as
 * `OTEL_TRACES_SAMPLER` says: `parentbased_always_on` (the default: record what X-Ray sampled,
 * as the OpenTelemetry SDKs do under Lambda's header), `always_on` (record every invocation,
 * under Lambda's trace even when X-Ray did not sample it), `always_off`; any other value is
 * read as the default. Without a header (a
 * test, another host) a recorded invocation starts a trace of its own.
 */
function parentOf(env: NodeJS.ProcessEnv): { readonly context: SpanContext; readonly parentSpanId?: string } | undefined {
  const sampler = env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
  if (sampler === 'always_off') return undefined;
  const header = fromXRayHeader(env._X_AMZN_TRACE_ID);
  if (header === undefined) {
    if (sampler === 'parentbased_always_off') return undefined;
    return { context: { traceId: newTraceId(), spanId: newSpanId(), sampled: true } };
  }
  // parentbased_*: the parent's decision stands; only a root's differs between them.
  const record = sampler === 'always_on' || header.sampled;
  return record ? { context: { ...header, sampled: true }, parentSpanId: header.spanId } : undefined;
}

/**
 * Runs one invocation as a span (with the resource's `faas.*` attributes), and exports every
 * span it ended before answering: Lambda freezes the environment once the handler returns, so
 * nothing can be sent later. An export that fails is logged, never the invocation's failure.
 */
export async function traceInvocation<T>(
  spec: InvocationSpan,
  lambdaContext: InvocationContext,
  logger: TracingLogger,
  run: (span: TraceSpan) => Promise<T>,
): Promise<T> {
  // The recording branch as a call in a condition esbuild can fold: a dead branch is dropped with what only it reaches.
  if (typeof SWITCHYARD_TRACING_BUNDLED === 'undefined' || SWITCHYARD_TRACING_BUNDLED)
    return recordInvocation(spec, lambdaContext, logger, run);
  return run(NO_SPAN);
}

async function recordInvocation<T>(
  spec: InvocationSpan,
  lambdaContext: InvocationContext,
  logger: TracingLogger,
  run: (span: TraceSpan) => Promise<T>,
): Promise<T> {
  const parent = tracingEnabled() ? parentOf(process.env) : undefined;
  if (parent === undefined) return run(NO_SPAN);
  const buffer = new SpanBuffer();
  const attributes = {
    ...spec.attributes,
    'faas.invocation_id': lambdaContext.awsRequestId,
    'faas.coldstart': coldStart,
    'cloud.resource_id': lambdaContext.invokedFunctionArn,
  };
  const span = new Span(spec.name, spec.kind, parent.context, parent.parentSpanId, buffer, attributes, parent.parentSpanId !== undefined);
  coldStart = false;
  for (const link of spec.links ?? []) span.addLink(link);
  try {
    return await activeSpan.run(span, () => run(span));
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
    await exportSpans(buffer, lambdaContext, logger);
  }
}

/**
 * Runs `run` in a child of the active span (ended when `run` settles, failed if it throws);
 * outside a recorded invocation, with a span that records nothing.
 */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: SpanAttributes,
  run: (span: TraceSpan) => Promise<T>,
): Promise<T> {
  if (typeof SWITCHYARD_TRACING_BUNDLED === 'undefined' || SWITCHYARD_TRACING_BUNDLED) return recordSpan(name, kind, attributes, run);
  return run(NO_SPAN);
}

async function recordSpan<T>(name: string, kind: SpanKind, attributes: SpanAttributes, run: (span: TraceSpan) => Promise<T>): Promise<T> {
  const parent = activeSpan.getStore();
  if (parent === undefined) return run(NO_SPAN);
  const span = parent.child(name, kind, attributes);
  try {
    return await activeSpan.run(span, () => run(span));
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}

/** The context of the span running now, if one is recorded (what `emit` writes into an event's metadata). */
export function activeTraceContext(): SpanContext | undefined {
  if (typeof SWITCHYARD_TRACING_BUNDLED === 'undefined' || SWITCHYARD_TRACING_BUNDLED) return activeSpan.getStore()?.context;
  return undefined;
}

async function exportSpans(buffer: SpanBuffer, lambdaContext: InvocationContext, logger: TracingLogger): Promise<void> {
  const dropped = buffer.dropped;
  const spans = buffer.take();
  if (dropped > 0) logger.warn('tracing: spans over the per-invocation limit were dropped', { tracing: { dropped, limit: buffer.limit } });
  if (spans.length === 0) return;
  const { target, resource } = setupFor(logger);
  if (target === undefined) return;
  for (let i = 0; i < spans.length; i += SPANS_PER_REQUEST) {
    const budget = Math.min(target.timeoutMs, lambdaContext.getRemainingTimeInMillis() - EXPORT_MARGIN_MS);
    if (budget <= 0) return lost(logger, spans.length - i, 'no time was left before the invocation timeout');
    const body = encodeTraceRequest(resource, spans.slice(i, i + SPANS_PER_REQUEST));
    await exportChunk(target, body, Math.min(SPANS_PER_REQUEST, spans.length - i), budget, logger);
  }
}

async function exportChunk(to: ExportTarget, body: string, count: number, budgetMs: number, logger: TracingLogger): Promise<void> {
  try {
    const outcome = await sendTraces(to, body, budgetMs);
    if (outcome.status < 200 || outcome.status >= 300) {
      return lost(logger, count, `${to.url.origin}${to.url.pathname} answered ${outcome.status}: ${outcome.body}`);
    }
    const rejected = rejectedSpansOf(outcome.body);
    if (rejected > 0) lost(logger, rejected, `the receiver rejected them: ${outcome.body}`);
  } catch (error) {
    lost(logger, count, `${to.url.origin}${to.url.pathname}: ${(error as Error).message}`);
  }
}

function lost(logger: TracingLogger, count: number, why: string): void {
  logger.warn(`tracing: ${count} span(s) not exported: ${why}`, { tracing: { notExported: count } });
}

/** An OTLP/JSON `ExportTraceServiceResponse`'s `partialSuccess.rejectedSpans` (0 when there is none). */
function rejectedSpansOf(body: string): number {
  try {
    const rejected = Number((JSON.parse(body) as { partialSuccess?: { rejectedSpans?: unknown } })?.partialSuccess?.rejectedSpans ?? 0);
    return Number.isFinite(rejected) ? rejected : 0;
  } catch {
    return 0;
  }
}
