import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTracesJson } from '../../../local/traces/otlp-json-input.js';
import { OtlpDecodeError } from '../../../local/traces/otlp-model.js';
import { decodeTracesProtobuf, encodeStatusProtobuf, encodeTracesResponseProtobuf } from '../../../local/traces/otlp-protobuf.js';
import { WireReader, WireWriter } from '../../../local/traces/protobuf-wire.js';
import { canonicalOtlp } from '../../helpers/otlp.js';

/** Spans the OpenTelemetry JS SDK made: every kind, every attribute type it has, links, events, statuses, a remote parent, two resources' worth of scopes. */
function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    resource: resourceFromAttributes({
      'service.name': 'orders',
      'faas.max_memory': 536870912,
      big: 2 ** 53 - 1,
      negative: -42,
      ratio: 0.5,
    }),
  });
  const remote = trace.setSpanContext(context.active(), {
    traceId: '5759e988bd862e3fe1be46a994272793',
    spanId: '53995c3f42cd8ad8',
    traceFlags: 1,
    isRemote: true,
  });
  const tracer = provider.getTracer('switchyard-cdk/kit', '1.2.3');
  const other = provider.getTracer('team-own');
  const server = tracer.startSpan(
    'orders',
    { kind: SpanKind.SERVER, attributes: { 'faas.coldstart': true, names: ['a', 'b'], sizes: [1, 2.5], flags: [true] } },
    remote,
  );
  const inServer = trace.setSpan(context.active(), server);
  const consumer = tracer.startSpan(
    'process',
    {
      kind: SpanKind.CONSUMER,
      links: [
        {
          context: { traceId: '6740a1b2fedcba9876543210fedcba98', spanId: '0123456789abcdef', traceFlags: 0, isRemote: true },
          attributes: { why: 'AWSTraceHeader' },
        },
      ],
    },
    inServer,
  );
  consumer.addEvent('exception', { 'exception.type': 'Boom', 'exception.message': 'é 💥' });
  consumer.setStatus({ code: SpanStatusCode.ERROR, message: 'Boom' });
  consumer.end();
  for (const kind of [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER]) other.startSpan(`kind ${kind}`, { kind }, inServer).end();
  const ok = tracer.startSpan('ok', {}, inServer);
  ok.setStatus({ code: SpanStatusCode.OK });
  ok.end();
  server.end();
  return exporter.getFinishedSpans();
}

describe('decodeTracesProtobuf', () => {
  it('reads what the OpenTelemetry JS exporter encodes as the same request its JSON encoding is (the oracle)', () => {
    const spans = sdkSpans();
    const protobuf = ProtobufTraceSerializer.serializeRequest(spans);
    const json = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)));
    expect(protobuf).toBeDefined();
    expect(canonicalOtlp(decodeTracesProtobuf(protobuf as Uint8Array))).toEqual(canonicalOtlp(json));
  });

  it('reads an empty body as an empty request, as protobuf does', () => {
    expect(decodeTracesProtobuf(new Uint8Array())).toEqual({ resourceSpans: [] });
  });

  it('reads key-value lists and bytes values, and skips fields it does not know', () => {
    const anyValue = (write: (w: WireWriter) => WireWriter) => write(new WireWriter());
    const kv = (key: string, value: WireWriter) => new WireWriter().stringField(1, key).messageField(2, value);
    const list = new WireWriter().messageField(
      1,
      kv(
        'inner',
        anyValue((w) => w.stringField(1, 'x')),
      ),
    );
    const span = new WireWriter()
      .bytesField(1, Buffer.from('5759e988bd862e3fe1be46a994272793', 'hex'))
      .bytesField(2, Buffer.from('53995c3f42cd8ad8', 'hex'))
      .stringField(5, 'span')
      .messageField(
        9,
        kv(
          'map',
          anyValue((w) => w.messageField(6, list)),
        ),
      )
      .messageField(
        9,
        kv(
          'raw',
          anyValue((w) => w.bytesField(7, Uint8Array.from([1, 2, 255]))),
        ),
      )
      .varintField(99, 7) // a field a later version of the protocol might add
      .stringField(98, 'ignored');
    const request = new WireWriter().messageField(1, new WireWriter().messageField(2, new WireWriter().messageField(2, span)));
    const decoded = decodeTracesProtobuf(request.finish());
    expect(decoded.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes).toEqual([
      { key: 'map', value: { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'x' } }] } } },
      { key: 'raw', value: { bytesValue: 'AQL/' } },
    ]);
  });

  it.each([
    [
      'a truncated body',
      () => (ProtobufTraceSerializer.serializeRequest(sdkSpans()) as Uint8Array).subarray(0, 40),
      /past the end|longer than/,
    ],
    ['a trace id of 15 bytes', () => traceIdOfLength(15), /Span.trace_id is 15 bytes; it must be 16/],
    ['a group (wire type 3)', () => Uint8Array.from([0x0b]), /wire type 3/],
    ['a field number of 0', () => Uint8Array.from([0x02, 0x00]), /field number of 0/],
    [
      'a string that is not UTF-8',
      () => new WireWriter().messageField(1, new WireWriter().bytesField(3, Uint8Array.from([0xff, 0xfe]))).finish(),
      /UTF-8/,
    ],
    ['values nested 40 deep', () => nestedValues(40), /nests more than 32/],
  ])('fails if it is %s, with an OtlpDecodeError saying what', (_what, body, message) => {
    expect(() => decodeTracesProtobuf(body())).toThrow(OtlpDecodeError);
    expect(() => decodeTracesProtobuf(body())).toThrow(message);
  });

  it('fails with an OtlpDecodeError and nothing else, whatever bytes it is given', () => {
    const valid = ProtobufTraceSerializer.serializeRequest(sdkSpans()) as Uint8Array;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.nat(valid.length - 1), fc.nat(255)).map(([at, byte]) => {
            const mutated = Uint8Array.from(valid);
            mutated[at] = byte;
            return mutated;
          }),
        ),
        (bytes) => {
          try {
            decodeTracesProtobuf(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(OtlpDecodeError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

function traceIdOfLength(length: number): Uint8Array {
  const span = new WireWriter().bytesField(1, new Uint8Array(length).fill(1)).bytesField(2, new Uint8Array(8).fill(1));
  return new WireWriter().messageField(1, new WireWriter().messageField(2, new WireWriter().messageField(2, span))).finish();
}

function nestedValues(depth: number): Uint8Array {
  let value = new WireWriter().stringField(1, 'leaf');
  for (let i = 0; i < depth; i++) value = new WireWriter().messageField(5, new WireWriter().messageField(1, value));
  const span = new WireWriter().messageField(9, new WireWriter().stringField(1, 'deep').messageField(2, value));
  return new WireWriter().messageField(1, new WireWriter().messageField(2, new WireWriter().messageField(2, span))).finish();
}

describe('decodeTracesJson', () => {
  it('reads what the OpenTelemetry JS exporter writes as OTLP/JSON', () => {
    const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sdkSpans()));
    expect(canonicalOtlp(decodeTracesJson(json))).toEqual(canonicalOtlp(JSON.parse(json)));
  });

  it('reads ids in either case, int64 as numbers or strings, and enums by number or name', () => {
    const request = decodeTracesJson(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5759E988BD862E3FE1BE46A994272793',
                    spanId: '53995C3F42CD8AD8',
                    name: 's',
                    kind: 'SPAN_KIND_CLIENT',
                    startTimeUnixNano: 1700000000000000000,
                    endTimeUnixNano: '1700000000000000001',
                    status: { code: 'STATUS_CODE_ERROR' },
                    attributes: [{ key: 'n', value: { intValue: 7 } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const span = request.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(span).toMatchObject({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      kind: 3,
      startTimeUnixNano: '1700000000000000000',
      status: { code: 2 },
    });
    expect(span?.attributes).toEqual([{ key: 'n', value: { intValue: '7' } }]);
  });

  it.each([
    ['not JSON', '{"resourceSpans": [', /does not parse/],
    ['an array', '[]', /\$ must be an object/],
    ['resourceSpans not an array', '{"resourceSpans": {}}', /\$.resourceSpans must be an array/],
    [
      'a trace id that is not hex',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}',
      /\$.resourceSpans\[0\].scopeSpans\[0\].spans\[0\].traceId must be 32 hex digits/,
    ],
    [
      'a time that is not a whole number',
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"1.5"}]}]}]}',
      /startTimeUnixNano must be a whole number/,
    ],
    [
      'a bool value that is a string',
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":{"boolValue":"yes"}}]}}]}',
      /boolValue must be true or false/,
    ],
  ])('fails if the body is %s, naming the field', (_what, body, message) => {
    expect(() => decodeTracesJson(body)).toThrow(OtlpDecodeError);
    expect(() => decodeTracesJson(body)).toThrow(message);
  });

  it('fails with an OtlpDecodeError and nothing else, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        try {
          decodeTracesJson(text);
        } catch (error) {
          expect(error).toBeInstanceOf(OtlpDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the receiver’s answers in protobuf', () => {
  it('writes google.rpc.Status with its code (1) and message (2), and a partial success (1: rejected_spans 1, error_message 2)', () => {
    const status = new WireReader(encodeStatusProtobuf(3, 'bad'));
    expect([status.tag(), status.uint32(), status.tag(), status.string()]).toEqual([
      { field: 1, wire: 0 },
      3,
      { field: 2, wire: 2 },
      'bad',
    ]);
    expect(encodeTracesResponseProtobuf()).toEqual(new Uint8Array());
    const response = new WireReader(encodeTracesResponseProtobuf({ rejectedSpans: 2, errorMessage: 'no ids' }));
    expect(response.tag()).toEqual({ field: 1, wire: 2 });
    const partial = response.message();
    expect([partial.tag(), partial.uint32(), partial.tag(), partial.string()]).toEqual([
      { field: 1, wire: 0 },
      2,
      { field: 2, wire: 2 },
      'no ids',
    ]);
  });
});
