/** OTLP/JSON's attribute value, as far as these views read it (local/traces/otlp-model.ts has the whole model). */
type AnyValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: string }
  | { readonly doubleValue: number }
  | { readonly arrayValue: { readonly values: readonly AnyValue[] } }
  | { readonly kvlistValue: { readonly values: readonly KeyValue[] } }
  | { readonly bytesValue: string }
  | Record<string, never>;

interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

/** The read API's `/traces/<id>` answer (an OTLP/JSON `ExportTraceServiceRequest`), as far as these views read it. */
export interface TracesData {
  readonly resourceSpans: readonly {
    readonly resource?: { readonly attributes?: readonly KeyValue[] };
    readonly scopeSpans: readonly {
      readonly spans: readonly {
        readonly traceId: string;
        readonly spanId: string;
        readonly parentSpanId?: string;
        readonly name: string;
        readonly kind: number;
        readonly startTimeUnixNano: string;
        readonly endTimeUnixNano: string;
        readonly attributes?: readonly KeyValue[];
        readonly links?: readonly { readonly traceId: string; readonly spanId: string }[];
        readonly status?: { readonly code: number; readonly message?: string };
      }[];
    }[];
  }[];
}

/**
 * A span of the read API's `/traces/<id>` answer (OTLP/JSON) as the CLI, the console and the
 * testing API read it: attributes as plain values, its resource's beside them, times in epoch
 * milliseconds, and the spans it is the parent of. Pure (no Node.js module): the console's
 * browser code uses it.
 */
export interface SpanNode {
  /** 32 lower-case hex digits (an X-Ray trace id without its dashes). */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** The span it is under; absent for a trace's first span. */
  readonly parentSpanId?: string;
  /** `PutEvents <bus>`, `send <queue>`, a function's name, `chat <model>`, ... */
  readonly name: string;
  /** OTLP's kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  /** Epoch ms. */
  readonly start: number;
  /** Epoch ms. */
  readonly end: number;
  /** The span's attributes as plain values (`gen_ai.usage.output_tokens`: a number, `gen_ai.response.finish_reasons`: an array). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Its resource's attributes (`service.name`: `EventBridge`, `SQS`, a function's name, `Step Functions`, `Bedrock`). */
  readonly resource: Readonly<Record<string, unknown>>;
  /** The spans it links to (a batch's receive: each message's send). */
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  /** The status message of a span that failed (status ERROR). */
  readonly error?: string;
  /** The spans under it, in start order (empty in the testing API's flat list). */
  readonly children: SpanNode[];
}

export const SPAN_KIND_NAMES: Readonly<Record<number, string>> = { 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

function plain(value: AnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(plain);
  if ('kvlistValue' in value) return attributesOf(value.kvlistValue.values);
  if ('bytesValue' in value) return value.bytesValue;
  return undefined;
}

function attributesOf(list: readonly KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));
}

const ms = (nanos: string | undefined) => Number(BigInt(nanos ?? '0') / 1000n) / 1000;

/** Every span of the answer, flat, in start order. */
export function spansOf(data: TracesData): SpanNode[] {
  const spans: SpanNode[] = [];
  for (const resourceSpans of data.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          name: span.name,
          kind: Number(span.kind ?? 0),
          start: ms(span.startTimeUnixNano),
          end: ms(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          resource,
          links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
          ...(span.status?.code === 2 ? { error: span.status.message || 'error' } : {}),
          children: [],
        });
      }
    }
  }
  return spans.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The answer's spans as trees: each trace's spans whose parent is not in the answer are its roots, children in start order. */
export function spanTrees(data: TracesData): SpanNode[] {
  const spans = spansOf(data);
  const byId = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const roots: SpanNode[] = [];
  for (const span of spans) {
    const parent = span.parentSpanId ? byId.get(`${span.traceId}/${span.parentSpanId}`) : undefined;
    if (parent && parent !== span) parent.children.push(span);
    else roots.push(span);
  }
  return roots;
}

/** What a GenAI span used and cost, for the views that show it beside the span (undefined for any other span). */
export function modelUsageOf(span: SpanNode): { model: string; inputTokens: number; outputTokens: number; usd?: number } | undefined {
  const model = span.attributes['gen_ai.request.model'];
  if (typeof model !== 'string') return undefined;
  const usd = span.attributes['switchyard.cost.usd'];
  return {
    model,
    inputTokens: Number(span.attributes['gen_ai.usage.input_tokens'] ?? 0),
    outputTokens: Number(span.attributes['gen_ai.usage.output_tokens'] ?? 0),
    ...(typeof usd === 'number' ? { usd } : {}),
  };
}

/** One row of a trace's waterfall: a span at its depth in the tree, placed on the trace's time line (0 to 1). */
export interface WaterfallRow {
  readonly span: SpanNode;
  readonly depth: number;
  /** ms from the trace's start. */
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly left: number;
  readonly width: number;
}

/** Each trace of the answer as a waterfall: its spans depth first, in start order, placed on the trace's own time line. */
export function waterfalls(
  data: TracesData,
): { readonly traceId: string; readonly start: number; readonly durationMs: number; readonly rows: WaterfallRow[] }[] {
  const byTrace = new Map<string, SpanNode[]>();
  for (const root of spanTrees(data)) byTrace.set(root.traceId, [...(byTrace.get(root.traceId) ?? []), root]);
  return [...byTrace].map(([traceId, roots]) => {
    const flat: { span: SpanNode; depth: number }[] = [];
    const visit = (span: SpanNode, depth: number) => {
      flat.push({ span, depth });
      for (const child of span.children) visit(child, depth + 1);
    };
    for (const root of roots) visit(root, 0);
    const start = Math.min(...flat.map(({ span }) => span.start));
    const end = Math.max(...flat.map(({ span }) => span.end));
    // A trace of instants (spans of no duration) still gets a time line to place them on.
    const length = Math.max(end - start, 1);
    return {
      traceId,
      start,
      durationMs: end - start,
      rows: flat.map(({ span, depth }) => ({
        span,
        depth,
        offsetMs: span.start - start,
        durationMs: span.end - span.start,
        left: (span.start - start) / length,
        width: (span.end - span.start) / length,
      })),
    };
  });
}
