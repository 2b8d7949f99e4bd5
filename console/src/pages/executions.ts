import { EXECUTION_STATUSES } from '../../../clients/execution-statuses.js';
import { flowNameOfDeployed } from '../../../clients/resource-names.js';
import { duration, h, message, replace, time } from '../dom.js';
import { durableRows } from '../durable.js';
import type { StateMachineItem } from '../escalations.js';
import { type ExecutionRow, listExecutions } from '../executions-data.js';
import { subscribe } from '../feed.js';
import { flowLabel, resourceLabel } from '../names.js';
import { coalescedReload, oneAtATime } from '../refresh.js';
import { durableExecutionHref, executionHref } from '../routes.js';

/** Executions of every flow, Standard and Express, and of every durable function (with no flow chosen), filtered by flow and status; refreshed as executions change. */
export function executionsPage(root: HTMLElement, query: URLSearchParams): () => void {
  const flowSelect = h('select', { name: 'flow', 'aria-label': 'flow' }, h('option', { value: '' }, 'all flows')) as HTMLSelectElement;
  const statusSelect = h(
    'select',
    { name: 'status', 'aria-label': 'status' },
    h('option', { value: '' }, 'any status'),
    EXECUTION_STATUSES.map((s) => h('option', { value: s }, s)),
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
  // A load that ends after the page was left draws nothing: the root belongs to another page by then.
  let stopped = false;

  const load = oneAtATime(
    async () => {
      try {
        const flow = flowSelect.value || query.get('flow') || undefined;
        const status = statusSelect.value || undefined;
        const { rows, machines, problems } = await readExecutions(flow, status);
        if (stopped) return;
        if (!flowsLoaded) {
          flowsLoaded = true;
          for (const m of machines)
            flowSelect.append(
              h('option', { value: m.stateMachineArn, title: m.name }, `${flowNameOfDeployed(m.name)} (${m.type.toLowerCase()})`),
            );
          flowSelect.value = flow ?? '';
        }
        replace(note, problems);
        replace(table, rows.length === 0 ? h('p', { class: 'muted' }, 'No executions match.') : executionsTable(rows));
      } catch (error) {
        if (!stopped) replace(table, h('p', { class: 'error' }, message(error)));
      }
    },
    () => stopped,
  );
  const update = () => {
    history.replaceState(null, '', filtersHash(flowSelect.value, statusSelect.value));
    void load();
  };
  flowSelect.addEventListener('change', update);
  statusSelect.addEventListener('change', update);
  void load();

  const reload = coalescedReload(300, () => void load());
  const unsubscribe = subscribe((m) => {
    // A start or an end changes the list; the events in between do not.
    const type = m.kind === 'execution' ? m.historyEvent?.type : undefined;
    if (m.kind !== 'execution' || (type !== undefined && !/^Execution/.test(type))) return;
    reload.ask();
  });
  return () => {
    stopped = true;
    unsubscribe();
    reload.cancel();
  };
}

/**
 * The executions of one flow, or of every flow and every durable function, newest first;
 * with the state machines (for the flow list) and what could not be read.
 */
export async function readExecutions(
  flow: string | undefined,
  status: string | undefined,
): Promise<{ rows: ExecutionRow[]; machines: StateMachineItem[]; problems: string }> {
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
  return { rows, machines, problems: [expressProblem, durableProblem].filter(Boolean).join('; ') };
}

/** The page's address with its filters, kept in the location so a reload or a shared link shows the same list. */
function filtersHash(flow: string, status: string): string {
  const params = new URLSearchParams();
  if (flow) params.set('flow', flow);
  if (status) params.set('status', status);
  return `#/executions${params.size ? `?${params}` : ''}`;
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
        ['Flow', 'Type', 'Key', 'Name', 'Status', 'Started', 'Duration'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          { 'data-execution': r.executionArn, 'data-status': r.status },
          h('td', {}, r.type === 'DURABLE' ? resourceLabel(r.flow) : flowLabel(r.flow)),
          h('td', {}, TYPE_LABELS[r.type]),
          h('td', { class: 'subject' }, r.subject ?? '-'),
          h(
            'td',
            { class: 'name' },
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
