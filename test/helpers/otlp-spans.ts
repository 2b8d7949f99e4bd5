/** A span as OTLP/JSON carries it, with its resource's attributes, flattened for assertions. */
export interface DecodedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly links: readonly { readonly traceId: string; readonly spanId: string; readonly attributes: Record<string, unknown> }[];
  readonly events: readonly { readonly name: string; readonly attributes: Record<string, unknown> }[];
  readonly status: { readonly code?: number; readonly message?: string };
  readonly resource: Record<string, unknown>;
}

interface JsonKeyValue {
  readonly key: string;
  readonly value: Record<string, unknown>;
}

function anyValueOf(value: Record<string, unknown> | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('arrayValue' in value) return ((value.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValueOf);
  return value;
}

export function attributesOf(list: readonly JsonKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, anyValueOf(value)]));
}

/** Every span of OTLP/JSON export requests (the kit's, or the read API's answer), flattened. */
export function spansOfOtlpJson(...requests: readonly unknown[]): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  for (const request of requests) {
    for (const resourceSpans of (request as { resourceSpans?: Record<string, unknown>[] }).resourceSpans ?? []) {
      const resource = attributesOf((resourceSpans.resource as { attributes?: JsonKeyValue[] } | undefined)?.attributes);
      for (const scope of (resourceSpans.scopeSpans as { spans?: Record<string, unknown>[] }[] | undefined) ?? []) {
        for (const span of scope.spans ?? []) {
          out.push({
            traceId: span.traceId as string,
            spanId: span.spanId as string,
            ...(span.parentSpanId ? { parentSpanId: span.parentSpanId as string } : {}),
            name: span.name as string,
            kind: Number(span.kind ?? 0),
            attributes: attributesOf(span.attributes as JsonKeyValue[]),
            links: ((span.links as Record<string, unknown>[] | undefined) ?? []).map((link) => ({
              traceId: link.traceId as string,
              spanId: link.spanId as string,
              attributes: attributesOf(link.attributes as JsonKeyValue[]),
            })),
            events: ((span.events as Record<string, unknown>[] | undefined) ?? []).map((event) => ({
              name: event.name as string,
              attributes: attributesOf(event.attributes as JsonKeyValue[]),
            })),
            status: (span.status as DecodedSpan['status']) ?? {},
            resource,
          });
        }
      }
    }
  }
  return out;
}

/** The one span named `name` (fails the test when there is none or more than one). */
export function only(spans: readonly DecodedSpan[], name: string | RegExp): DecodedSpan {
  const found = spans.filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name)));
  if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as DecodedSpan;
}
