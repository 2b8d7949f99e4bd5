import { gzipSync } from 'node:zlib';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { WireReader } from '../../../local/traces/protobuf-wire.js';
import { canonicalOtlp } from '../../helpers/otlp.js';
import { spansOfOtlpJson } from '../../helpers/otlp-spans.js';
import { assemblyOf } from '../assembly.js';
import { tempDataDir } from '../helpers.js';

let runtime: LocalRuntime;
let dataDir: string;
let cdkOut: string;

beforeAll(async () => {
  cdkOut = assemblyOf({ Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } } });
  dataDir = tempDataDir();
  runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, log: () => {} });
});
afterAll(async () => {
  await runtime?.stop();
});

/** Spans a team's own OpenTelemetry SDK makes and exports through `exporter` (ended: exported at once). */
async function export_(exporter: SpanExporter, name: string, traceId?: string) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(memory)],
    resource: resourceFromAttributes({ 'service.name': 'team-service' }),
  });
  const parent = traceId
    ? trace.setSpanContext(context.active(), { traceId, spanId: '53995c3f42cd8ad8', traceFlags: 1, isRemote: true })
    : context.active();
  const root = provider.getTracer('team').startSpan(name, { kind: SpanKind.SERVER, attributes: { 'team.attr': 7 } }, parent);
  provider.getTracer('team').startSpan(`${name} child`, {}, trace.setSpan(context.active(), root)).end();
  root.end();
  await provider.forceFlush();
  // Shutting down empties the in-memory exporter: what it holds is taken first.
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

const post = (body: Uint8Array | string, headers: Record<string, string>, method = 'POST') =>
  fetch(`${runtime.url}/v1/traces`, { method, headers, ...(method === 'GET' ? {} : { body: Buffer.from(body) }) });

/** A failure's google.rpc.Status message, in OTLP/JSON. */
const messageOf = async (response: Response) => ((await response.json()) as { message: string }).message;

const readTraces = (id: string) => fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}${encodeURIComponent(id)}`);

describe('the OTLP/HTTP trace receiver', () => {
  it('keeps what a team’s OpenTelemetry SDK exports in protobuf and in JSON, and the read API serves each trace as OTLP/JSON', async () => {
    const proto = await export_(new ProtobufExporter({ url: `${runtime.url}/v1/traces` }), 'from protobuf');
    const json = await export_(new JsonExporter({ url: `${runtime.url}/v1/traces` }), 'from json');
    for (const sent of [proto, json]) {
      const traceId = sent[0]?.spanContext().traceId ?? '';
      const response = await readTraces(traceId);
      expect(response.status).toBe(200);
      const served = await response.json();
      const expected = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sent)));
      // The same spans, whatever the order they were written in.
      const byName = (request: unknown) => spansOfOtlpJson(canonicalOtlp(request)).sort((a, b) => a.name.localeCompare(b.name));
      expect(byName(served)).toEqual(byName(expected));
    }
  });

  it('reads an X-Ray trace id as the same trace', async () => {
    const [span] = await export_(new JsonExporter({ url: `${runtime.url}/v1/traces` }), 'x-ray named', '6740a1b2fedcba9876543210fedcba98');
    expect(span).toBeDefined();
    const response = await readTraces('1-6740a1b2-fedcba9876543210fedcba98');
    expect(
      spansOfOtlpJson(await response.json())
        .map((s) => s.name)
        .sort(),
    ).toEqual(['x-ray named', 'x-ray named child']);
  });

  it('answers in the request’s encoding, with the spans it left out (no valid id) counted as a partial success', async () => {
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: '', spanId: '', name: 'no ids' },
                { traceId: '11112222333344445555666677778888', spanId: '0000000000000000', name: 'zero span id' },
              ],
            },
          ],
        },
      ],
    };
    const response = await post(JSON.stringify(body), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      partialSuccess: { rejectedSpans: '2', errorMessage: expect.stringMatching(/no valid trace id or span id/) },
    });
    const ok = await post(new Uint8Array(), { 'content-type': 'application/x-protobuf' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await ok.arrayBuffer()).byteLength).toBe(0);
  });

  it('takes a gzip-compressed body', async () => {
    const spans = await export_(new InMemorySpanExporter(), 'gzipped');
    const response = await post(gzipSync(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(200);
    expect((await readTraces(spans[0]?.spanContext().traceId ?? '')).status).toBe(200);
  });

  it('fails if the body does not decode, with 400 and a google.rpc.Status in the request’s encoding', async () => {
    const json = await post('{"resourceSpans": 5}', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ code: 3, message: '$.resourceSpans must be an array' });
    const proto = await post(Uint8Array.from([0x0a, 0x05, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(proto.status).toBe(400);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    const status = new WireReader(new Uint8Array(await proto.arrayBuffer()));
    expect([status.tag(), status.uint32(), status.tag()]).toEqual([{ field: 1, wire: 0 }, 3, { field: 2, wire: 2 }]);
    expect(status.string()).toMatch(/not an ExportTraceServiceRequest/);
  });

  it('fails if the body is over 20 MiB, or decompresses past it, with 400 as the Collector’s receiver refuses it', async () => {
    const big = await post(new Uint8Array(20 * 1024 * 1024 + 1), { 'content-type': 'application/x-protobuf' });
    expect(big.status).toBe(400);
    expect(await messageOf(big)).toMatch(/over the limit of 20971520 bytes/);
    const bomb = await post(gzipSync(Buffer.alloc(21 * 1024 * 1024)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(bomb.status).toBe(400);
    expect(await messageOf(bomb)).toMatch(/over the limit of 20971520 bytes once decompressed/);
  });

  it('fails if the media type, the encoding or the method is not one OTLP/HTTP has (415, 400, 405)', async () => {
    const type = await post('{}', { 'content-type': 'text/plain' });
    expect([type.status, await type.text()]).toEqual([
      415,
      '415 unsupported media type, supported: [application/json, application/x-protobuf]',
    ]);
    const encoding = await post('{}', { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect([encoding.status, await messageOf(encoding)]).toEqual([400, 'unsupported Content-Encoding: br']);
    const broken = await post('not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(broken.status).toBe(400);
    const get = await post('', {}, 'GET');
    expect(get.status).toBe(405);
  });

  it('keeps the spans it answered for across a restart', async () => {
    const [span] = await export_(new JsonExporter({ url: `${runtime.url}/v1/traces` }), 'before restart');
    await runtime.stop();
    runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, log: () => {} });
    const response = await readTraces(span?.spanContext().traceId ?? '');
    expect(spansOfOtlpJson(await response.json()).map((s) => s.name)).toContain('before restart');
  });

  it('fails the read if nothing it kept is of the trace the id names (404), or the id is empty (400)', async () => {
    expect((await readTraces('00000000000000000000000000000001')).status).toBe(404);
    expect((await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}`)).status).toBe(400);
    expect((await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}x?limit=1`)).status).toBe(400);
  });
});
