import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { captureModelClient } from './tracing/genai.js';
import { inSpan } from './tracing/invocation.js';
import type { SpanAttributes, SpanKind, TraceSpan } from './tracing/spans.js';

export type { SpanAttributes, SpanAttributeValue, SpanKind, SpanLink, TraceSpan } from './tracing/spans.js';
export type { SpanContext } from './tracing/trace-context.js';

/**
 * Tracing as the kit does it (docs/tracing.md): without the X-Ray SDK in the bundle. Every
 * SwitchyardFunction has Lambda active tracing unless its `tracing` is `off`, so Lambda itself
 * records each invocation, and the SDK v3 passes the invocation's trace header
 * (X-Amzn-Trace-Id, from `_X_AMZN_TRACE_ID`) on every AWS call it makes, so SQS, EventBridge,
 * SNS and Step Functions continue the same trace. With `tracing: 'opentelemetry'` the kit also
 * records OpenTelemetry spans under that trace (the invocation, each record, the idempotency
 * claim, flow control, `emit`, every AWS call of a captured client, every model call) and
 * exports them as OTLP to X-Ray's OTLP endpoint (or `OTEL_EXPORTER_OTLP_ENDPOINT`), with an
 * exporter of its own: the OpenTelemetry SDK would cost every bundle ~63 KB (docs/benchmarks.md).
 */
export interface Tracer {
  /**
   * Makes every call the client sends a span of the invocation (a Bedrock Runtime model call a
   * GenAI span) when the function's tracing is `opentelemetry`; returns the client unchanged
   * otherwise. The name is Powertools' Tracer's, so that handlers written for it keep working.
   */
  captureAWSv3Client<T>(client: T): T;
  /**
   * Runs `run` in a span of its own under the span running now (ended when `run` settles,
   * failed with the error it throws). Outside a recorded invocation the span records nothing.
   */
  withSpan<T>(
    name: string,
    run: (span: TraceSpan) => Promise<T>,
    options?: { readonly kind?: SpanKind; readonly attributes?: SpanAttributes },
  ): Promise<T>;
}

/**
 * One logger, tracer and metrics object per function instance. Service name and
 * namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, which
 * the function factory sets.
 */
export const logger = new Logger();
export const tracer: Tracer = {
  captureAWSv3Client: captureModelClient,
  withSpan: (name, run, options) => inSpan(name, options?.kind ?? 'internal', options?.attributes ?? {}, run),
};
// Marked pure so that esbuild leaves Powertools Metrics (~12 KB) out of every bundle that never
// reads `metrics` (a handler that only logs, a durable function): a `new` at module scope is
// otherwise kept for its possible side effects. Nothing is published unless `metrics` is used.
export const metrics = /* @__PURE__ */ new Metrics();
