import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, vi } from 'vitest';
import type { FinishedSpan } from '../../lambdas/kit/tracing/spans.js';
import { startedForTests } from './started-for-tests.js';

/**
 * OTLP/JSON in a canonical form, to compare two encodings of the same spans: proto3's JSON
 * mapping lets an encoder leave out a field at its default (0, '', [], false) and write a 64-bit
 * integer as a number or a string, and a receiver reads both alike.
 */
export function canonicalOtlp(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(canonicalOtlp);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      const canonical = /^(intValue|.*UnixNano)$/.test(key) && field !== undefined ? String(field) : canonicalOtlp(field);
      if (canonical !== undefined) out[key] = canonical;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value === 0 || value === '' || value === false || value === null ? undefined : value;
}

/** An OpenTelemetry SDK span as the kit's exporter holds one (the test's bridge, so both encoders encode the same span). */
export function finishedSpanOf(span: ReadableSpan): FinishedSpan {
  const nanos = ([seconds, ns]: readonly [number, number]) => (BigInt(seconds) * 1_000_000_000n + BigInt(ns)).toString();
  const kinds = {
    [SpanKind.INTERNAL]: 'internal',
    [SpanKind.SERVER]: 'server',
    [SpanKind.CLIENT]: 'client',
    [SpanKind.PRODUCER]: 'producer',
    [SpanKind.CONSUMER]: 'consumer',
  } as const;
  const codes = { [SpanStatusCode.UNSET]: 0, [SpanStatusCode.OK]: 1, [SpanStatusCode.ERROR]: 2 } as const;
  const parent = span.parentSpanContext;
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(parent ? { parentSpanId: parent.spanId } : {}),
    parentRemote: parent?.isRemote === true,
    name: span.name,
    kind: kinds[span.kind],
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: span.attributes as FinishedSpan['attributes'],
    links: span.links.map((link) => ({
      context: { traceId: link.context.traceId, spanId: link.context.spanId, sampled: (link.context.traceFlags & 1) === 1 },
      ...(link.attributes ? { attributes: link.attributes as FinishedSpan['attributes'] } : {}),
    })),
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: nanos(event.time),
      attributes: (event.attributes ?? {}) as FinishedSpan['attributes'],
    })),
    status: { code: codes[span.status.code], ...(span.status.message ? { message: span.status.message } : {}) },
  };
}

/** One request an OTLP receiver stand-in got. */
export interface OtlpRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An HTTP server that answers every POST 200 `{}` (or what `answer` says) and keeps what it got. */
export async function startOtlpSink(answer?: (request: OtlpRequest) => { status: number; body: string }): Promise<{
  readonly url: string;
  readonly requests: OtlpRequest[];
  close(): Promise<void>;
}> {
  const requests: OtlpRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(request);
      const { status, body } = answer?.(request) ?? { status: 200, body: '{}' };
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An OTLP sink (startOtlpSink's) for the tests of the file that calls this, emptied before each test. */
export function useOtlpSink(answer?: (request: OtlpRequest) => { status: number; body: string }) {
  const sink = startedForTests(
    'the OTLP sink',
    () => startOtlpSink(answer),
    (started) => started.close(),
  );
  beforeEach(() => {
    sink.requests.length = 0;
  });
  return sink;
}

/**
 * A traced function's environment for each test: the kit traces with OpenTelemetry, exports to
 * `sink`, runs under the X-Ray header `traceHeader`, and the variables `unset` are not set (a
 * test may set them). Each test's changes to them are undone after it.
 */
export function useTracingEnv(sink: { readonly url: string }, traceHeader: string, unset: readonly string[]): void {
  beforeEach(() => {
    vi.stubEnv('SWITCHYARD_TRACING', 'opentelemetry');
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', `${sink.url}/v1/traces`);
    vi.stubEnv('_X_AMZN_TRACE_ID', traceHeader);
    for (const name of unset) vi.stubEnv(name, undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
}
