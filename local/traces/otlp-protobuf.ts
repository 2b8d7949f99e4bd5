import {
  type AnyValue,
  type KeyValue,
  MAX_VALUE_DEPTH,
  OtlpDecodeError,
  type OtlpEvent,
  type OtlpLink,
  type OtlpResource,
  type OtlpScope,
  type OtlpSpan,
  type ResourceSpans,
  type ScopeSpans,
  type TracesData,
} from './otlp-model.js';
import { WIRE, WireError, WireReader, WireWriter } from './protobuf-wire.js';

/**
 * `ExportTraceServiceRequest` in protobuf (`Content-Type: application/x-protobuf`), decoded
 * into the OTLP/JSON shape, field numbers as opentelemetry-proto's v1 declares them. Unknown
 * fields are skipped, as proto3 requires; an id of another length than 16 or 8 bytes (or 0: unset)
 * fails the request, as the OpenTelemetry Collector's decoder fails it.
 * @throws OtlpDecodeError naming what is malformed
 */
export function decodeTracesProtobuf(body: Uint8Array): TracesData {
  try {
    const reader = new WireReader(body);
    const resourceSpans: ResourceSpans[] = [];
    while (!reader.done) {
      const { field, wire } = reader.tag();
      // A known field sent with another wire type is read as an unknown one, as protobuf's decoders do.
      if (field === 1 && wire === WIRE.bytes) resourceSpans.push(decodeResourceSpans(reader.message()));
      else reader.skip(wire);
    }
    return { resourceSpans };
  } catch (error) {
    if (error instanceof WireError || error instanceof OtlpDecodeError)
      throw new OtlpDecodeError(`the protobuf body is not an ExportTraceServiceRequest: ${error.message}`);
    throw error;
  }
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Reads each field of a message with `read(reader, field, wire)`; `read` returns false for a field it does not know (skipped). */
function fields(reader: WireReader, read: (field: number, wire: number) => boolean): void {
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (!read(field, wire)) reader.skip(wire);
  }
}

function decodeResourceSpans(reader: WireReader): ResourceSpans {
  let resource: OtlpResource = { attributes: [] };
  const scopeSpans: ScopeSpans[] = [];
  let schemaUrl = '';
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.bytes) resource = decodeResource(reader.message());
    else if (field === 2 && wire === WIRE.bytes) scopeSpans.push(decodeScopeSpans(reader.message()));
    else if (field === 3 && wire === WIRE.bytes) schemaUrl = reader.string();
    else return false;
    return true;
  });
  return { resource, scopeSpans, ...(schemaUrl ? { schemaUrl } : {}) };
}

function decodeResource(reader: WireReader): OtlpResource {
  const attributes: KeyValue[] = [];
  let dropped = 0;
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.bytes) attributes.push(decodeKeyValue(reader.message(), 0));
    else if (field === 2 && wire === WIRE.varint) dropped = reader.uint32();
    else return false;
    return true;
  });
  return { attributes, ...(dropped ? { droppedAttributesCount: dropped } : {}) };
}

function decodeScopeSpans(reader: WireReader): ScopeSpans {
  let scope: OtlpScope = { name: '' };
  const spans: OtlpSpan[] = [];
  let schemaUrl = '';
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.bytes) scope = decodeScope(reader.message());
    else if (field === 2 && wire === WIRE.bytes) spans.push(decodeSpan(reader.message()));
    else if (field === 3 && wire === WIRE.bytes) schemaUrl = reader.string();
    else return false;
    return true;
  });
  return { scope, spans, ...(schemaUrl ? { schemaUrl } : {}) };
}

function decodeScope(reader: WireReader): OtlpScope {
  let name = '';
  let version = '';
  const attributes: KeyValue[] = [];
  let dropped = 0;
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.bytes) name = reader.string();
    else if (field === 2 && wire === WIRE.bytes) version = reader.string();
    else if (field === 3 && wire === WIRE.bytes) attributes.push(decodeKeyValue(reader.message(), 0));
    else if (field === 4 && wire === WIRE.varint) dropped = reader.uint32();
    else return false;
    return true;
  });
  return {
    name,
    ...(version ? { version } : {}),
    ...(attributes.length ? { attributes } : {}),
    ...(dropped ? { droppedAttributesCount: dropped } : {}),
  };
}

/** An id field: 0 bytes (unset) or exactly `size`. */
function idOf(bytes: Uint8Array, size: 16 | 8, what: string): string {
  if (bytes.length !== 0 && bytes.length !== size) throw new OtlpDecodeError(`${what} is ${bytes.length} bytes; it must be ${size}`);
  return hexOf(bytes);
}

/** The mutable draft of a span while its fields are read. */
interface SpanDraft {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  flags: number;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  attributes: KeyValue[];
  dropped: [number, number, number];
  events: OtlpEvent[];
  links: OtlpLink[];
  status: { code: number; message?: string };
}

function decodeSpan(reader: WireReader): OtlpSpan {
  const s: SpanDraft = {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: 0,
    start: 0n,
    end: 0n,
    attributes: [],
    dropped: [0, 0, 0],
    events: [],
    links: [],
    status: { code: 0 },
  };
  fields(reader, (field, wire) => {
    if (wire === WIRE.bytes && field === 1) s.traceId = idOf(reader.bytes(), 16, 'Span.trace_id');
    else if (wire === WIRE.bytes && field === 2) s.spanId = idOf(reader.bytes(), 8, 'Span.span_id');
    else if (wire === WIRE.bytes && field === 3) s.traceState = reader.string();
    else if (wire === WIRE.bytes && field === 4) s.parentSpanId = idOf(reader.bytes(), 8, 'Span.parent_span_id');
    else if (wire === WIRE.bytes && field === 5) s.name = reader.string();
    else if (wire === WIRE.varint && field === 6) s.kind = reader.uint32();
    else if (wire === WIRE.fixed64 && field === 7) s.start = reader.fixed64();
    else if (wire === WIRE.fixed64 && field === 8) s.end = reader.fixed64();
    else if (wire === WIRE.bytes && field === 9) s.attributes.push(decodeKeyValue(reader.message(), 0));
    else if (wire === WIRE.varint && field === 10) s.dropped[0] = reader.uint32();
    else if (wire === WIRE.bytes && field === 11) s.events.push(decodeEvent(reader.message()));
    else if (wire === WIRE.varint && field === 12) s.dropped[1] = reader.uint32();
    else if (wire === WIRE.bytes && field === 13) s.links.push(decodeLink(reader.message()));
    else if (wire === WIRE.varint && field === 14) s.dropped[2] = reader.uint32();
    else if (wire === WIRE.bytes && field === 15) s.status = decodeStatus(reader.message());
    else if (wire === WIRE.fixed32 && field === 16) s.flags = reader.fixed32();
    else return false;
    return true;
  });
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.traceState ? { traceState: s.traceState } : {}),
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    ...(s.flags ? { flags: s.flags } : {}),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.start.toString(),
    endTimeUnixNano: s.end.toString(),
    attributes: s.attributes,
    ...(s.dropped[0] ? { droppedAttributesCount: s.dropped[0] } : {}),
    events: s.events,
    ...(s.dropped[1] ? { droppedEventsCount: s.dropped[1] } : {}),
    links: s.links,
    ...(s.dropped[2] ? { droppedLinksCount: s.dropped[2] } : {}),
    status: s.status,
  };
}

function decodeEvent(reader: WireReader): OtlpEvent {
  let time = 0n;
  let name = '';
  const attributes: KeyValue[] = [];
  let dropped = 0;
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.fixed64) time = reader.fixed64();
    else if (field === 2 && wire === WIRE.bytes) name = reader.string();
    else if (field === 3 && wire === WIRE.bytes) attributes.push(decodeKeyValue(reader.message(), 0));
    else if (field === 4 && wire === WIRE.varint) dropped = reader.uint32();
    else return false;
    return true;
  });
  return { timeUnixNano: time.toString(), name, attributes, ...(dropped ? { droppedAttributesCount: dropped } : {}) };
}

function decodeLink(reader: WireReader): OtlpLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes: KeyValue[] = [];
  let dropped = 0;
  let flags = 0;
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.bytes) traceId = idOf(reader.bytes(), 16, 'Link.trace_id');
    else if (field === 2 && wire === WIRE.bytes) spanId = idOf(reader.bytes(), 8, 'Link.span_id');
    else if (field === 3 && wire === WIRE.bytes) traceState = reader.string();
    else if (field === 4 && wire === WIRE.bytes) attributes.push(decodeKeyValue(reader.message(), 0));
    else if (field === 5 && wire === WIRE.varint) dropped = reader.uint32();
    else if (field === 6 && wire === WIRE.fixed32) flags = reader.fixed32();
    else return false;
    return true;
  });
  return {
    traceId,
    spanId,
    ...(traceState ? { traceState } : {}),
    attributes,
    ...(dropped ? { droppedAttributesCount: dropped } : {}),
    ...(flags ? { flags } : {}),
  };
}

/** `Status`: field 1 is reserved (a deprecated code), the message is 2 and the code 3. */
function decodeStatus(reader: WireReader): { code: number; message?: string } {
  let code = 0;
  let message = '';
  fields(reader, (field, wire) => {
    if (field === 2 && wire === WIRE.bytes) message = reader.string();
    else if (field === 3 && wire === WIRE.varint) code = reader.uint32();
    else return false;
    return true;
  });
  return message ? { code, message } : { code };
}

function decodeKeyValue(reader: WireReader, depth: number): KeyValue {
  let key = '';
  let value: AnyValue = {};
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.bytes) key = reader.string();
    else if (field === 2 && wire === WIRE.bytes) value = decodeAnyValue(reader.message(), depth + 1);
    else return false;
    return true;
  });
  return { key, value };
}

function decodeAnyValue(reader: WireReader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`an attribute value nests more than ${MAX_VALUE_DEPTH} levels deep`);
  let value: AnyValue = {};
  fields(reader, (field, wire) => {
    if (field === 1 && wire === WIRE.bytes) value = { stringValue: reader.string() };
    else if (field === 2 && wire === WIRE.varint) value = { boolValue: reader.varint() !== 0n };
    else if (field === 3 && wire === WIRE.varint) value = { intValue: reader.int64().toString() };
    else if (field === 4 && wire === WIRE.fixed64) value = { doubleValue: reader.double() };
    else if (field === 5 && wire === WIRE.bytes)
      value = { arrayValue: { values: repeated(reader.message(), (r) => decodeAnyValue(r, depth + 1)) } };
    else if (field === 6 && wire === WIRE.bytes)
      value = { kvlistValue: { values: repeated(reader.message(), (r) => decodeKeyValue(r, depth + 1)) } };
    else if (field === 7 && wire === WIRE.bytes) value = { bytesValue: Buffer.from(reader.bytes()).toString('base64') };
    else return false;
    return true;
  });
  return value;
}

/** An ArrayValue's or KeyValueList's field 1, each a message. */
function repeated<T>(reader: WireReader, read: (message: WireReader) => T): T[] {
  const out: T[] = [];
  fields(reader, (field, wire) => {
    if (field !== 1 || wire !== WIRE.bytes) return false;
    out.push(read(reader.message()));
    return true;
  });
  return out;
}

/** `ExportTraceServiceResponse`: empty when all was accepted, else `partial_success` (1) with `rejected_spans` (1) and `error_message` (2). */
export function encodeTracesResponseProtobuf(partial?: { readonly rejectedSpans: number; readonly errorMessage: string }): Uint8Array {
  const response = new WireWriter();
  if (partial) response.messageField(1, new WireWriter().varintField(1, partial.rejectedSpans).stringField(2, partial.errorMessage));
  return response.finish();
}

/** `google.rpc.Status`: `code` (1) and `message` (2). */
export function encodeStatusProtobuf(code: number, message: string): Uint8Array {
  return new WireWriter().varintField(1, code).stringField(2, message).finish();
}
