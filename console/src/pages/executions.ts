import { duration, h, message, replace, time } from '../dom.js';
import { durableRows } from '../durable.js';
import { type ExecutionRow, listExecutions, STATUSES } from '../executions-data.js';
import { subscribe } from '../feed.js';
import { durableExecutionHref, executionHref } from '../routes.js';

/** Executions of every flow, Standard and Express, and of every durable function (with no flow chosen), filtered by flow and status; refreshed as executions change. */
export function executionsPage(root: HTMLElement, query: URLSearchParams): () => void {
  const flowSelect = h('select', { name: 'flow', 'aria-label': 'flow' }, h('option', { value: '' }, 'all flows'));
  const statusSelect = h(
    'select',
    { name: 'status', 'aria-label': 'status' },
    h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s }, s)),
  ) as HTMLSelectElement;
  statusSelect.value = query.get('status') ?? '';
  const note = h('p', { class: 'note' });
  const table = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading executions…'));
  replace(
    root,
    h('h1', {}, 'Executions'),
    h(
      'form',
      { class: 'filters', onsubmit: (e: Event) => e.preventDefault() },
      h('label', {}, 'Flow ', flowSelect),
      h('label', {}, 'Status ', statusSelect),
    ),
    note,
    table,
  );
  let flowsLoaded = false;
  let loading = false;
  let again = false;

  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const flow = (flowSelect as HTMLSelectElement).value || query.get('flow') || undefined;
      const status = statusSelect.value || undefined;
      const listed = await listExecutions({ stateMachineArn: flow, status });
      const { machines, expressProblem } = listed;
      // Durable executions that cannot be read are named in the note; the state machines' still show.
      let durableProblem: string | undefined;
      const durable = flow
        ? []
        : await durableRows({ ...(status ? { status } : {}) }).catch((error: unknown) => {
            durableProblem = `Durable executions missing (${message(error)})`;
            return [];
          });
      const rows = [...listed.rows, ...durable].sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
      if (!flowsLoaded) {
        flowsLoaded = true;
        for (const m of machines) flowSelect.append(h('option', { value: m.stateMachineArn }, `${m.name} (${m.type.toLowerCase()})`));
        (flowSelect as HTMLSelectElement).value = flow ?? '';
      }
      replace(note, [expressProblem, durableProblem].filter(Boolean).join('; '));
      replace(table, rows.length === 0 ? h('p', { class: 'muted' }, 'No executions match.') : executionsTable(rows));
    } catch (error) {
      replace(table, h('p', { class: 'error' }, message(error)));
    } finally {
      loading = false;
      if (again) {
        again = false;
        void load();
      }
    }
  };
  const update = () => {
    const params = new URLSearchParams();
    if ((flowSelect as HTMLSelectElement).value) params.set('flow', (flowSelect as HTMLSelectElement).value);
    if (statusSelect.value) params.set('status', statusSelect.value);
    history.replaceState(null, '', `#/executions${params.size ? `?${params}` : ''}`);
    void load();
  };
  flowSelect.addEventListener('change', update);
  statusSelect.addEventListener('change', update);
  void load();

  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = subscribe((m) => {
    // A start or an end changes the list; the events in between do not.
    const type = m.kind === 'execution' ? m.historyEvent?.type : undefined;
    if (m.kind !== 'execution' || (type !== undefined && !/^Execution/.test(type)) || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void load();
    }, 300);
  });
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}

const TYPE_LABELS: Record<ExecutionRow['type'], string> = { STANDARD: 'Standard', EXPRESS: 'Express', DURABLE: 'Durable function' };

function executionsTable(rows: readonly ExecutionRow[]): HTMLElement {
  const now = Date.now();
  return h(
    'table',
    { class: 'executions' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Flow', 'Type', 'Name', 'Status', 'Started', 'Duration'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          { 'data-execution': r.executionArn, 'data-status': r.status },
          h('td', {}, r.flow),
          h('td', {}, TYPE_LABELS[r.type]),
          h(
            'td',
            {},
            h('a', { href: r.type === 'DURABLE' ? durableExecutionHref(r.executionArn) : executionHref(r.executionArn) }, r.name),
          ),
          h('td', {}, h('span', { class: `pill status-${r.status.toLowerCase()}` }, r.status)),
          h('td', {}, time(r.startDate)),
          h('td', {}, r.startDate ? duration((r.stopDate?.getTime() ?? now) - r.startDate.getTime()) + (r.stopDate ? '' : ' so far') : '-'),
        ),
      ),
    ),
  );
}
