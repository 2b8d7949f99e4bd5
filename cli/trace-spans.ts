import { truncate, usd } from '../clients/format.js';
import { type OtlpTracesData, READ_API_PATHS } from '../clients/read-api-contract.js';
import { modelUsageOf, SPAN_KIND_NAMES, type SpanNode, spansOf, spanTrees } from '../clients/span-tree.js';
import type { Target } from '../inspect/aws.js';
import { CliError } from '../inspect/errors.js';
import { getReadApi } from '../inspect/read-api.js';

/** GET <endpoint>/_switchyard/v1/traces/<id>: the spans of the traces `id` names, as OTLP/JSON, or a one-line error. */
export function readTraces(target: Extract<Target, { kind: 'local' }>, id: string): Promise<OtlpTracesData> {
  return getReadApi<OtlpTracesData>(
    target,
    `${READ_API_PATHS.traces}${encodeURIComponent(id)}`,
    () =>
      new CliError(
        `no spans for "${id}": no trace the runtime kept has that id, and nothing its spans name (an event, message, invocation, execution or business key) has it (the runtime keeps the newest 100,000 spans of the last 24 hours)`,
      ),
  );
}

/** The attributes shown after a span's name: what says what it was about. */
const SHOWN_ATTRIBUTES = [
  'messaging.destination.name',
  'messaging.message.id',
  'faas.invocation_id',
  'switchyard.execution.status',
  'switchyard.delivery.outcome',
  'switchyard.record.outcome',
  'switchyard.idempotency.outcome',
  // A GraphQL request's span: which mode let it in and who asked (local/traces/graphql-spans.ts).
  'aws.appsync.auth_mode',
  'enduser.id',
  'switchyard.enduser.name',
];

function duration(span: SpanNode): string {
  const ms = span.end - span.start;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

function headline(span: SpanNode, traceStart: number): string {
  const offset = `+${Math.round(span.start - traceStart)} ms`;
  const service = typeof span.resource['service.name'] === 'string' ? `  (${span.resource['service.name']})` : '';
  const usage = modelUsageOf(span);
  const model = usage
    ? `  tokens ${usage.inputTokens} in / ${usage.outputTokens} out${usage.usd === undefined ? '' : `  ${usd(usage.usd)}`}`
    : '';
  const shown = SHOWN_ATTRIBUTES.flatMap((key) => (span.attributes[key] === undefined ? [] : [`${key}=${String(span.attributes[key])}`]));
  const error = span.error ? `  [ERROR ${truncate(span.error, 200)}]` : '';
  return `${offset}  ${duration(span)}  ${span.name}  [${SPAN_KIND_NAMES[span.kind] ?? span.kind}]${service}${model}${shown.length ? `  ${shown.join(' ')}` : ''}${error}`;
}

/**
 * Lines of the answer's span trees, one block per trace: each span's offset from its trace's
 * start, duration, name, kind and service. With `spanIds`, each line starts with its span's id,
 * for a reader who asks for one span's detail next (the MCP get_trace tool, spanDetail).
 */
export function renderSpanTrees(data: OtlpTracesData, { spanIds = false }: { readonly spanIds?: boolean } = {}): string[] {
  const roots = spanTrees(data);
  const byTrace = new Map<string, SpanNode[]>();
  for (const root of roots) byTrace.set(root.traceId, [...(byTrace.get(root.traceId) ?? []), root]);
  const lines: string[] = [];
  for (const [traceId, traceRoots] of byTrace) {
    const start = Math.min(...traceRoots.map((root) => root.start));
    if (lines.length > 0) lines.push('');
    lines.push(`trace ${traceId}  ${new Date(start).toISOString()}`);
    const visit = (span: SpanNode, lead: string, last: boolean) => {
      lines.push(`${lead}${last ? '└─ ' : '├─ '}${spanIds ? `${span.spanId}  ` : ''}${headline(span, start)}`);
      const under = `${lead}${last ? '   ' : '│  '}`;
      for (const [i, child] of span.children.entries()) visit(child, under, i === span.children.length - 1);
      const links = span.links.filter((link) => link.traceId !== span.traceId);
      for (const link of links) lines.push(`${under}┊ linked to trace ${link.traceId} span ${link.spanId}`);
    };
    for (const [i, root] of traceRoots.entries()) visit(root, '', i === traceRoots.length - 1);
  }
  return lines;
}

/** A span id the answer does not hold: the ids it does hold are in the tree's lines. */
export class SpanNotFound extends CliError {
  constructor(spanId: string, id: string) {
    super(`no span ${spanId} in the traces of "${id}": give one of the span ids the tree's lines start with`, 2);
    this.name = 'SpanNotFound';
  }
}

/** One span of the answer whole, what its tree line leaves out: every attribute, its resource's, its links, and the spans under it by id. */
export function spanDetail(data: OtlpTracesData, spanId: string, id: string) {
  const spans = spansOf(data);
  const span = spans.find((candidate) => candidate.spanId === spanId);
  if (span === undefined) throw new SpanNotFound(spanId, id);
  const children = spans.filter((candidate) => candidate.traceId === span.traceId && candidate.parentSpanId === span.spanId);
  const { children: _children, start, end, kind, ...rest } = span;
  return {
    ...rest,
    kind: SPAN_KIND_NAMES[kind] ?? String(kind),
    start: new Date(start).toISOString(),
    durationMs: end - start,
    children: children.map((child) => ({ spanId: child.spanId, name: child.name })),
  };
}
