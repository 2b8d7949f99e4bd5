import { usd } from '../../../clients/format.js';
import { modelUsageOf, SPAN_KIND_NAMES, type WaterfallRow, waterfalls } from '../../../clients/span-tree.js';
import { h, message, replace } from '../dom.js';
import { subscribe, traces } from '../feed.js';
import { coalescedReload } from '../refresh.js';

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

/**
 * A GraphQL request's (AppSync's span, local/traces/graphql-spans.ts): its fields, the auth mode
 * that let it in and who asked, by username or id (an API key as its masked prefix).
 */
function graphqlDetail(attributes: Readonly<Record<string, unknown>>): string {
  if (attributes['graphql.operation.type'] === undefined) return '';
  const fields = Array.isArray(attributes['switchyard.graphql.fields']) ? attributes['switchyard.graphql.fields'].join(', ') : '';
  const who = attributes['switchyard.enduser.name'] ?? attributes['enduser.id'] ?? attributes['switchyard.appsync.api_key'];
  const mode = attributes['aws.appsync.auth_mode'];
  return [fields, mode === undefined ? '' : String(mode), who === undefined ? '' : `by ${String(who)}`].filter(Boolean).join(' · ');
}

/** What a row says beside its bar: a GraphQL request's fields and caller, a model call's tokens and cost, a failure's message. */
function detail(row: WaterfallRow): string {
  const usage = modelUsageOf(row.span);
  const parts = [
    graphqlDetail(row.span.attributes),
    usage ? `${usage.inputTokens} in / ${usage.outputTokens} out tokens` : '',
    usage?.usd === undefined ? '' : usd(usage.usd),
    row.span.error ? `ERROR ${row.span.error}` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

function rowOf(row: WaterfallRow): HTMLElement {
  const service = String(row.span.resource['service.name'] ?? '');
  const title = `${row.span.name} (${SPAN_KIND_NAMES[row.span.kind] ?? row.span.kind}, ${service}): +${ms(row.offsetMs)}, ${ms(row.durationMs)}`;
  return h(
    'div',
    {
      class: `span-row${row.span.error ? ' span-error' : ''}${modelUsageOf(row.span) ? ' span-model' : ''}`,
      'data-testid': 'span-row',
      'data-span-id': row.span.spanId,
      title,
    },
    h(
      'span',
      { class: 'span-name', style: { 'padding-left': `${row.depth * 14}px` } },
      row.span.name,
      h('span', { class: 'muted' }, ` ${service}`),
    ),
    h(
      'span',
      { class: 'span-track' },
      h('span', {
        class: 'span-bar',
        style: { left: `${(row.left * 100).toFixed(3)}%`, width: `max(2px, ${(row.width * 100).toFixed(3)}%)` },
      }),
    ),
    h('span', { class: 'span-time' }, ms(row.durationMs)),
    h('span', { class: 'span-detail', 'data-testid': 'span-detail' }, detail(row)),
  );
}

/**
 * The OpenTelemetry spans of the traces an id names (the read API's `/traces/<id>`), each
 * trace as a waterfall: its spans as a tree on the trace's time line, model calls with their
 * tokens and cost, failures in red. Read again as the runtime moves.
 */
export function tracePage(root: HTMLElement, id: string | undefined): () => void {
  const body = h(
    'div',
    { class: 'traces' },
    id ? h('p', { class: 'muted' }, 'Loading spans…') : h('p', { class: 'muted' }, 'No id given.'),
  );
  replace(root, h('h1', {}, 'Trace', id ? ` of ${id}` : ''), body);
  let stopped = false;
  const load = () => {
    if (!id) return;
    traces(id)
      .then((data) => {
        if (stopped) return;
        const found = data === undefined ? [] : waterfalls(data);
        replace(
          body,
          ...(found.length === 0
            ? [h('p', { class: 'muted' }, `No spans are kept for ${id}.`)]
            : found.map((trace) =>
                h(
                  'section',
                  { class: 'waterfall', 'data-testid': 'waterfall' },
                  h(
                    'h2',
                    {},
                    `trace ${trace.traceId}`,
                    h('span', { class: 'muted' }, ` ${new Date(trace.start).toISOString()} · ${ms(trace.durationMs)}`),
                  ),
                  trace.rows.map(rowOf),
                ),
              )),
        );
      })
      .catch((error) => {
        if (!stopped) replace(body, h('p', { class: 'error' }, message(error)));
      });
  };
  load();
  const reload = coalescedReload(400, load);
  const unsubscribe = subscribe(() => {
    if (id) reload.ask();
  });
  return () => {
    stopped = true;
    unsubscribe();
    reload.cancel();
  };
}
