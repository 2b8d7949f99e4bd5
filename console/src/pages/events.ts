import type { BusEventRecord, LineageNode, StreamMessage } from '../../../clients/read-api-contract.js';
import { withTargetOutcome } from '../../../clients/rule-outcomes.js';
import { all } from '../aws.js';
import { h, message, replace, time } from '../dom.js';
import { busEvents, lineage, subscribe } from '../feed.js';
import { coalescedReload } from '../refresh.js';
import { executionHref, lineageHref, traceHref } from '../routes.js';
import { customBusesSection } from './custom-buses.js';

/** Events the buses accept, newest first, live: replays marked, with the rules each matched and what their targets did. */
export function eventsPage(root: HTMLElement, query: URLSearchParams): () => void {
  const busSelect = h('select', { name: 'bus', 'aria-label': 'bus' }, h('option', { value: '' }, 'all buses')) as HTMLSelectElement;
  const typeInput = h('input', {
    name: 'detailType',
    placeholder: 'detail-type',
    value: query.get('detailType') ?? '',
  }) as HTMLInputElement;
  const list = h('div', { class: 'events' }, h('p', { class: 'muted' }, 'Loading events…'));
  // The Custom Event Buses' subscribers and their counts: their events are in the list below, each subscriber in a rule's place.
  const customSection = h('section', { class: 'custom-buses' });
  const drawCustomBuses = customBusesSection(customSection);
  replace(
    root,
    h('h1', {}, 'Event stream'),
    h(
      'form',
      {
        class: 'filters',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void load();
        },
      },
      h('label', {}, 'Bus ', busSelect),
      h('label', {}, 'Detail type ', typeInput),
      h('button', { type: 'submit' }, 'Filter'),
      h('label', { class: 'lineage-search' }, 'Lineage of ', lineageInput()),
    ),
    customSection,
    list,
  );
  let rows: BusEventRecord[] = [];
  let stopped = false;

  const matches = (e: BusEventRecord) =>
    (!busSelect.value || e.bus === busSelect.value) && (!typeInput.value || e.detailType === typeInput.value);
  // Events keep arriving while one is read: a redraw keeps the rows that were open open.
  const draw = () => {
    const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.getAttribute('data-record')));
    const drawn = rows.map((e) => {
      const row = eventRow(e) as HTMLDetailsElement;
      row.open = open.has(recordKey(e));
      return row;
    });
    replace(list, drawn.length === 0 ? h('p', { class: 'muted' }, 'No events yet.') : drawn);
  };
  const load = async () => {
    try {
      const page = await busEvents({ bus: busSelect.value || undefined, detailType: typeInput.value || undefined, limit: 100 });
      if (stopped) return;
      rows = [...page.events];
      draw();
    } catch (error) {
      if (!stopped) replace(list, h('p', { class: 'error' }, message(error)));
    }
  };
  void all<{ Name?: string }>('events', 'ListEventBuses', { Limit: 100 }, 'EventBuses', { request: 'NextToken', response: 'NextToken' })
    .then((buses) => {
      for (const bus of buses) if (bus.Name) busSelect.append(h('option', { value: bus.Name }, bus.Name));
      busSelect.value = query.get('bus') ?? '';
    })
    .catch(() => {});
  busSelect.addEventListener('change', () => void load());
  void load();
  // Its counts move with each event and delivery: read again, at most every 400 ms.
  const customReload = coalescedReload(400, () => void drawCustomBuses());
  void drawCustomBuses();
  const unsubscribe = subscribe((m) => {
    if (m.kind === 'event' || m.kind === 'delivery') customReload.ask();
    const next = rowsAfter(rows, m, matches);
    if (next === undefined) return;
    rows = next;
    draw();
  });
  return () => {
    stopped = true;
    unsubscribe();
    customReload.cancel();
  };
}

/**
 * The rows after a live feed message: a new event first (in place of an older copy of its
 * record), a delivery's outcome on the newest row its rule matched (a rule forwarding to
 * another bus leaves a copy there, with the same id); undefined when nothing shown changes.
 */
function rowsAfter(rows: readonly BusEventRecord[], m: StreamMessage, shown: (e: BusEventRecord) => boolean): BusEventRecord[] | undefined {
  if (m.kind === 'delivery') {
    const at = rows.findIndex(
      (r) => r.id === m.eventId && (r.replayName ?? '') === (m.replayName ?? '') && withTargetOutcome(r.matched, m) !== undefined,
    );
    const row = rows[at];
    return row === undefined ? undefined : rows.with(at, { ...row, matched: withTargetOutcome(row.matched, m) ?? row.matched });
  }
  if (m.kind !== 'event' || !shown(m.event)) return undefined;
  return [m.event, ...rows.filter((r) => recordKey(r) !== recordKey(m.event))].slice(0, 200);
}

function lineageInput(): HTMLElement {
  const input = h('input', { name: 'lineage', placeholder: 'event, ticket or execution id' }) as HTMLInputElement;
  input.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter' && input.value.trim()) {
      e.preventDefault();
      location.hash = lineageHref(input.value.trim());
    }
  });
  return input;
}

/** A record of an event: its id on its bus (an event forwarded to another bus keeps its id), in its replay. */
function recordKey(e: BusEventRecord): string {
  return `${e.bus} ${e.id} ${e.replayName ?? ''}`;
}

function eventRow(e: BusEventRecord): HTMLElement {
  return h(
    'details',
    { class: `event${e.replayName ? ' replayed' : ''}`, 'data-event': e.id, 'data-bus': e.bus, 'data-record': recordKey(e) },
    h(
      'summary',
      {},
      h('span', { class: 'time' }, time(new Date(e.acceptedAt))),
      h('span', { class: 'bus' }, e.bus),
      h('strong', {}, e.detailType),
      h('span', { class: 'muted' }, ` from ${e.source}`),
      e.replayName ? h('span', { class: 'pill replay', title: `replay ${e.replayName}` }, `replay ${e.replayName}`) : null,
      h(
        'span',
        { class: 'rules' },
        e.matched.length === 0
          ? h('span', { class: 'muted' }, 'no rule matched')
          : e.matched.map((m) =>
              h(
                'span',
                { class: 'rule' },
                m.rule,
                ' → ',
                m.targets.map((t) =>
                  h('span', { class: `target outcome-${t.outcome}`, title: t.reason ?? t.arn }, `${t.arn.split(':').at(-1)} ${t.outcome}`),
                ),
              ),
            ),
      ),
    ),
    h('p', {}, h('a', { href: lineageHref(e.id) }, 'Lineage of this event'), ` · id ${e.id}`, e.traceHeader ? ` · ${e.traceHeader}` : ''),
    e.matched.flatMap((m) => m.targets.filter((t) => t.reason).map((t) => h('p', { class: 'error' }, `${m.rule} → ${t.arn}: ${t.reason}`))),
    h('pre', {}, JSON.stringify(e.detail, null, 2)),
  );
}

/** What happened because of one event (or ticket, execution, message): a tree from the read API. */
export function lineagePage(root: HTMLElement, id: string | undefined): () => void {
  const tree = h('div', { class: 'lineage' }, id ? h('p', { class: 'muted' }, 'Loading lineage…') : null);
  replace(
    root,
    h('h1', {}, 'Lineage', id ? ` of ${id}` : ''),
    id ? h('p', {}, h('a', { href: traceHref(id), 'data-testid': 'trace-link' }, 'Spans of this journey (waterfall)')) : null,
    h('form', { class: 'filters', onsubmit: (e: Event) => e.preventDefault() }, h('label', {}, 'Id ', lineageInput())),
    tree,
  );
  let stopped = false;
  const load = () => {
    if (!id) return;
    lineage(id)
      .then((result) => {
        if (stopped) return;
        replace(
          tree,
          result.roots.length === 0
            ? h('p', { class: 'muted' }, `Nothing is known about ${id}.`)
            : h('ul', { class: 'tree' }, result.roots.map(node)),
        );
      })
      .catch((error) => {
        if (!stopped) replace(tree, h('p', { class: 'error' }, message(error)));
      });
  };
  load();
  // What an event causes keeps happening after it was accepted: the tree is read again as the runtime moves.
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

/**
 * The name a node's kind is drawn with: its kind as the read API gives it, but for SNS's, which
 * say whose they are (a bare `delivery` could be any service's).
 */
const KIND_LABELS: Partial<Record<LineageNode['kind'], string>> = {
  notification: 'SNS notification',
  delivery: 'SNS delivery',
};

function node(n: LineageNode): HTMLElement {
  const label =
    n.kind === 'execution'
      ? h('a', { href: executionHref(n.id) }, n.label)
      : n.kind === 'event' || n.kind === 'notification'
        ? h('a', { href: lineageHref(n.id) }, n.label)
        : n.label;
  return h(
    'li',
    { class: `lineage-${n.kind} ${n.status ? `status-${n.status.split(' ')[0]}` : ''}`, 'data-kind': n.kind },
    h('span', { class: 'kind' }, KIND_LABELS[n.kind] ?? n.kind),
    ' ',
    label,
    n.status ? h('span', { class: 'pill' }, n.status) : null,
    h('span', { class: 'muted small' }, ` ${time(new Date(n.time))}`),
    n.reason ? h('p', { class: 'error' }, n.reason) : null,
    n.attributes
      ? h(
          'p',
          { class: 'muted small' },
          Object.entries(n.attributes)
            .map(([k, v]) => `${k}: ${v}`)
            .join(' · '),
        )
      : null,
    n.logs && n.logs.length > 0 ? h('pre', { class: 'logs' }, n.logs.join('\n')) : null,
    n.children.length > 0 ? h('ul', {}, n.children.map(node)) : null,
  );
}
