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

/**
 * `ExportTraceServiceRequest` in OTLP/JSON (`Content-Type: application/json`), read into the
 * receiver's shape as the specification says a receiver reads it: lowerCamelCase keys (any
 * other key is an unknown field, ignored), ids as case-insensitive hex, enums as numbers (or
 * their names, as proto3's JSON mapping allows), 64-bit integers as numbers or strings. A value
 * of the wrong type fails the request with the path of the field.
 * @throws OtlpDecodeError naming what is malformed
 */
export function decodeTracesJson(text: string): TracesData {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`the JSON body does not parse: ${(error as Error).message}`);
  }
  const request = object(body, '$');
  return { resourceSpans: list(request.resourceSpans, '$.resourceSpans', resourceSpansOf) };
}

type Json = Readonly<Record<string, unknown>>;

function fail(path: string, what: string): never {
  throw new OtlpDecodeError(`${path} must be ${what}`);
}

function object(value: unknown, path: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'an object');
  return value as Json;
}

/** An absent or null field is its default (proto3's JSON mapping), an array of items otherwise. */
function list<T>(value: unknown, path: string, item: (value: unknown, path: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(path, 'an array');
  return value.map((entry, index) => item(entry, `${path}[${index}]`));
}

function string(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') fail(path, 'a string');
  return value;
}

/** An unsigned or signed 64-bit integer, as a decimal string. */
function integer(value: unknown, path: string, signed = false): string {
  if (value === undefined || value === null) return '0';
  const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : '') : typeof value === 'string' ? value : '';
  if (!(signed ? /^-?\d{1,20}$/ : /^\d{1,20}$/).test(text)) fail(path, 'a whole number (a JSON number or a decimal string)');
  const parsed = BigInt(text);
  if (parsed > (signed ? 2n ** 63n - 1n : 2n ** 64n - 1n) || parsed < (signed ? -(2n ** 63n) : 0n)) fail(path, 'a 64-bit integer');
  return parsed.toString();
}

function uint32(value: unknown, path: string): number {
  const parsed = Number(integer(value, path));
  if (parsed > 0xffff_ffff) fail(path, 'a 32-bit integer');
  return parsed;
}

/** An enum: its number, or its name among `names` (index = number). */
function enumOf(value: unknown, path: string, names: readonly string[]): number {
  if (typeof value === 'string' && names.includes(value)) return names.indexOf(value);
  return uint32(value, path);
}

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** An id: empty (unset), or `bytes` bytes of hex in either case. */
function id(value: unknown, path: string, bytes: 16 | 8): string {
  const text = string(value, path);
  if (text !== '' && !new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(text)) fail(path, `${bytes * 2} hex digits`);
  return text.toLowerCase();
}

function resourceSpansOf(value: unknown, path: string): ResourceSpans {
  const json = object(value, path);
  const schemaUrl = string(json.schemaUrl, `${path}.schemaUrl`);
  return {
    resource: json.resource === undefined || json.resource === null ? { attributes: [] } : resourceOf(json.resource, `${path}.resource`),
    scopeSpans: list(json.scopeSpans, `${path}.scopeSpans`, scopeSpansOf),
    ...(schemaUrl ? { schemaUrl } : {}),
  };
}

function resourceOf(value: unknown, path: string): OtlpResource {
  const json = object(value, path);
  const dropped = uint32(json.droppedAttributesCount, `${path}.droppedAttributesCount`);
  return { attributes: keyValues(json.attributes, `${path}.attributes`, 0), ...(dropped ? { droppedAttributesCount: dropped } : {}) };
}

function scopeSpansOf(value: unknown, path: string): ScopeSpans {
  const json = object(value, path);
  const schemaUrl = string(json.schemaUrl, `${path}.schemaUrl`);
  return {
    scope: json.scope === undefined || json.scope === null ? { name: '' } : scopeOf(json.scope, `${path}.scope`),
    spans: list(json.spans, `${path}.spans`, spanOf),
    ...(schemaUrl ? { schemaUrl } : {}),
  };
}

function scopeOf(value: unknown, path: string): OtlpScope {
  const json = object(value, path);
  const version = string(json.version, `${path}.version`);
  const attributes = keyValues(json.attributes, `${path}.attributes`, 0);
  const dropped = uint32(json.droppedAttributesCount, `${path}.droppedAttributesCount`);
  return {
    name: string(json.name, `${path}.name`),
    ...(version ? { version } : {}),
    ...(attributes.length ? { attributes } : {}),
    ...(dropped ? { droppedAttributesCount: dropped } : {}),
  };
}

function spanOf(value: unknown, path: string): OtlpSpan {
  const json = object(value, path);
  const at = (name: string) => `${path}.${name}`;
  const traceState = string(json.traceState, at('traceState'));
  const parentSpanId = id(json.parentSpanId, at('parentSpanId'), 8);
  const flags = uint32(json.flags, at('flags'));
  const counts = (['droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount'] as const).map(
    (name) => [name, uint32(json[name], at(name))] as const,
  );
  const status = json.status === undefined || json.status === null ? {} : object(json.status, at('status'));
  const message = string(status.message, at('status.message'));
  return {
    traceId: id(json.traceId, at('traceId'), 16),
    spanId: id(json.spanId, at('spanId'), 8),
    ...(traceState ? { traceState } : {}),
    ...(parentSpanId ? { parentSpanId } : {}),
    ...(flags ? { flags } : {}),
    name: string(json.name, at('name')),
    kind: enumOf(json.kind, at('kind'), SPAN_KINDS),
    startTimeUnixNano: integer(json.startTimeUnixNano, at('startTimeUnixNano')),
    endTimeUnixNano: integer(json.endTimeUnixNano, at('endTimeUnixNano')),
    attributes: keyValues(json.attributes, at('attributes'), 0),
    events: list(json.events, at('events'), eventOf),
    links: list(json.links, at('links'), linkOf),
    status: { code: enumOf(status.code, at('status.code'), STATUS_CODES), ...(message ? { message } : {}) },
    ...Object.fromEntries(counts.filter(([, count]) => count > 0)),
  };
}

function eventOf(value: unknown, path: string): OtlpEvent {
  const json = object(value, path);
  const dropped = uint32(json.droppedAttributesCount, `${path}.droppedAttributesCount`);
  return {
    timeUnixNano: integer(json.timeUnixNano, `${path}.timeUnixNano`),
    name: string(json.name, `${path}.name`),
    attributes: keyValues(json.attributes, `${path}.attributes`, 0),
    ...(dropped ? { droppedAttributesCount: dropped } : {}),
  };
}

function linkOf(value: unknown, path: string): OtlpLink {
  const json = object(value, path);
  const traceState = string(json.traceState, `${path}.traceState`);
  const dropped = uint32(json.droppedAttributesCount, `${path}.droppedAttributesCount`);
  const flags = uint32(json.flags, `${path}.flags`);
  return {
    traceId: id(json.traceId, `${path}.traceId`, 16),
    spanId: id(json.spanId, `${path}.spanId`, 8),
    ...(traceState ? { traceState } : {}),
    attributes: keyValues(json.attributes, `${path}.attributes`, 0),
    ...(dropped ? { droppedAttributesCount: dropped } : {}),
    ...(flags ? { flags } : {}),
  };
}

function keyValues(value: unknown, path: string, depth: number): KeyValue[] {
  return list(value, path, (entry, at) => {
    const json = object(entry, at);
    return {
      key: string(json.key, `${at}.key`),
      value: json.value === undefined || json.value === null ? {} : anyValue(json.value, `${at}.value`, depth + 1),
    };
  });
}

function anyValue(value: unknown, path: string, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError(`${path} nests more than ${MAX_VALUE_DEPTH} levels deep`);
  const json = object(value, path);
  if (json.stringValue !== undefined) return { stringValue: string(json.stringValue, `${path}.stringValue`) };
  if (json.boolValue !== undefined) {
    if (typeof json.boolValue !== 'boolean') fail(`${path}.boolValue`, 'true or false');
    return { boolValue: json.boolValue };
  }
  if (json.intValue !== undefined) return { intValue: integer(json.intValue, `${path}.intValue`, true) };
  if (json.doubleValue !== undefined) return { doubleValue: doubleOf(json.doubleValue, `${path}.doubleValue`) };
  if (json.arrayValue !== undefined) {
    const values = object(json.arrayValue, `${path}.arrayValue`).values;
    return { arrayValue: { values: list(values, `${path}.arrayValue.values`, (entry, at) => anyValue(entry, at, depth + 1)) } };
  }
  if (json.kvlistValue !== undefined) {
    return {
      kvlistValue: { values: keyValues(object(json.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`, depth) },
    };
  }
  if (json.bytesValue !== undefined) {
    const text = string(json.bytesValue, `${path}.bytesValue`);
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) fail(`${path}.bytesValue`, 'base64');
    return { bytesValue: text };
  }
  return {};
}

/** A double: a JSON number, or the strings proto3's JSON mapping uses for the values JSON has no number for. */
function doubleOf(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fail(path, 'a number');
}
