import { executionSubject } from '../../../clients/execution-subject.js';
import { detailsOf, executionOutcome, type StateVisit, stateVisits } from '../../../clients/history-reader.js';
import { FORK_ENTRY_STATE } from '../../../contracts/fork-names.js';
import { followExecution } from '../actions.js';
import { call, toDate } from '../aws.js';
import { duration, h, message, prettyJson, replace, time } from '../dom.js';
import { errorView } from '../error-view.js';
import { type ExecutionDetail, loadExecution, startInput } from '../executions-data.js';
import { feedStatus, subscribe } from '../feed.js';
import { type AslScope, allNodes, graphOf, nodeStates, type StateNode, visitStatus } from '../graph/model.js';
import { renderGraph } from '../graph/render.js';
import { flowLabel } from '../names.js';
import { coalescedReload, oneAtATime } from '../refresh.js';
import { stopControl } from '../stop-control.js';
import { forkLine, forkOf, forksBox, rerunPanel, rerunStarts } from './execution-forks.js';

/** While the live feed is down, a running execution is read again this often instead. */
const POLL_MS = 1500;

/**
 * One execution: its state machine as a graph coloured by how each state ended, the
 * selected state's visits (input, output, tries, caught errors) and the event history; a
 * Standard one's forks, "Rerun from here" on the states a fork can begin at, and Stop while it
 * runs. History events on the live feed for this execution redraw it without a reload.
 */
export function executionPage(root: HTMLElement, executionArn: string): () => void {
  const header = h('div', { class: 'execution-header' }, h('p', { class: 'muted' }, 'Loading execution…'));
  const stop = stopControl(
    'It ends ABORTED; a step under way is not undone.',
    'ABORTED',
    async () => {
      await call('sfn', 'StopExecution', { executionArn });
      return (await followExecution(executionArn, undefined, () => stopped))?.status;
    },
    () => reload.ask(),
  );
  const forks = forksBox(executionArn);
  const graph = h('div', { class: 'graph-wrap', 'data-testid': 'graph' });
  const side = statePanel(executionArn);
  const historyBox = h('section', { class: 'history' });
  replace(root, header, stop.element, forks.element, h('div', { class: 'execution-body' }, graph, side.element), historyBox);

  let selected: string | undefined;
  let detail: ExecutionDetail | undefined;
  let visits: StateVisit[] = [];
  let stopped = false;

  const draw = () => {
    if (detail === undefined) return;
    drawHeader(header, detail);
    stop.show(detail.type === 'STANDARD' && executionOutcome(detail.events).status === 'RUNNING');
    const definition = (detail.definition ?? {}) as AslScope;
    const scope = graphOf(definition);
    replace(
      graph,
      renderGraph(scope, {
        states: nodeStates(visits),
        selected,
        onSelect: (name) => {
          selected = name;
          draw();
        },
      }),
      legend(),
    );
    side.show(selected, allNodes(scope), visits, detail);
    replace(historyBox, h('h2', {}, 'Event history'), historyTable(detail, visits));
  };

  const load = oneAtATime(
    async () => {
      try {
        detail = await loadExecution(executionArn);
        visits = stateVisits(detail.events);
        if (!stopped) draw();
        if (!stopped && detail.type === 'STANDARD') forksReload.ask();
      } catch (error) {
        if (!stopped) replace(header, h('h1', {}, 'Execution'), h('p', { class: 'error' }, message(error)));
      }
    },
    () => stopped,
  );
  void load();

  const reload = coalescedReload(100, () => void load());
  const forksReload = coalescedReload(500, () => void forks.load(() => stopped));
  const unsubscribe = subscribe((m) => {
    if (m.kind !== 'execution') return;
    if (m.executionArn === executionArn) reload.ask();
    // Another execution of its machine may be one of its forks: started, or ended.
    else if (m.stateMachineArn === detail?.stateMachineArn && detail.type === 'STANDARD') forksReload.ask();
  });
  // Without the live feed (an older runtime, a dropped connection), a running execution is polled.
  const poll = setInterval(() => {
    const running = detail === undefined || executionOutcome(detail.events).status === 'RUNNING';
    if (feedStatus() !== 'live' && running) reload.ask();
  }, POLL_MS);
  return () => {
    stopped = true;
    unsubscribe();
    reload.cancel();
    forksReload.cancel();
    clearInterval(poll);
  };
}

/** The execution's name, status, flow, start and duration, and how it failed. */
function drawHeader(header: HTMLElement, detail: ExecutionDetail): void {
  const outcome = executionOutcome(detail.events);
  const status = String(detail.describe?.status ?? outcome.status);
  const start = toDate(detail.describe?.startDate) ?? toDate(detail.events[0]?.timestamp);
  const stop = toDate(detail.describe?.stopDate) ?? (outcome.status === 'RUNNING' ? undefined : toDate(detail.events.at(-1)?.timestamp));
  const failure = outcome.error ?? (detail.describe?.error as string | undefined);
  const cause = outcome.cause ?? (detail.describe?.cause as string | undefined);
  const input = (detail.describe?.input as string | undefined) ?? startInput(detail.events.find((e) => e.type === 'ExecutionStarted'));
  const subject = executionSubject(input);
  const fork = forkOf(input);
  replace(
    header,
    h('h1', {}, String(detail.executionArn.split(':').at(detail.type === 'EXPRESS' ? -2 : -1))),
    fork ? forkLine(fork) : null,
    subject ? h('p', { class: 'subject', 'data-testid': 'execution-subject' }, 'about ', h('strong', {}, subject)) : null,
    h(
      'p',
      { class: 'summary' },
      h('span', { class: `pill status-${status.toLowerCase()}`, 'data-testid': 'execution-status' }, status),
      ' ',
      flowLabel(detail.flow),
      ` (${detail.type === 'EXPRESS' ? 'Express' : 'Standard'}) · started ${time(start)} · ${duration(
        start ? (stop?.getTime() ?? Date.now()) - start.getTime() : undefined,
      )}${stop ? '' : ' so far'}`,
    ),
    failure || cause ? h('div', { class: 'error', 'data-testid': 'execution-error' }, errorView(failure, cause)) : null,
    detail.problem ? h('p', { class: 'note' }, detail.problem) : null,
    h('p', { class: 'muted small' }, detail.executionArn),
  );
}

/**
 * The selected state: its heading, "Rerun from here" and its visits. The rerun panel is drawn
 * once and kept (the heading and visits are redrawn around it), so an open editor survives the
 * live feed's redraws.
 */
function statePanel(executionArn: string) {
  const rerun = rerunPanel(executionArn);
  const head = h('div', {}, h('p', { class: 'muted' }, 'Select a state to see its input, output and tries.'));
  const visitsBox = h('div', {});
  const element = h('aside', { class: 'state-detail' }, head, rerun.element, visitsBox);
  return {
    element,
    show(selected: string | undefined, nodes: readonly StateNode[], visits: readonly StateVisit[], detail: ExecutionDetail): void {
      if (selected === undefined) element.removeAttribute('data-selected-state');
      else element.setAttribute('data-selected-state', selected);
      replace(
        head,
        stateHeading(
          selected,
          nodes.find((n) => n.name === selected),
        ),
      );
      const entered = visits.some((v) => v.name === selected);
      // Without a fork entry (a Workflow's forkEntry: false, any other app's machine) only the local runtime can fork it.
      const states = (detail.definition as { States?: Record<string, unknown> } | undefined)?.States ?? {};
      rerun.show(selected, detail.type === 'STANDARD' ? rerunStarts(detail.events) : new Map(), entered, !(FORK_ENTRY_STATE in states));
      replace(visitsBox, selected === undefined ? null : stateVisitsView(visits.filter((v) => v.name === selected)));
    },
  };
}

function legend(): HTMLElement {
  return h(
    'ul',
    { class: 'legend' },
    ['succeeded', 'caught', 'failed', 'timed-out', 'aborted', 'running', 'not-reached'].map((s) =>
      h('li', { class: `status-${s}`, 'data-status': s }, h('span', { class: 'swatch' }), s.replace('-', ' ')),
    ),
    h('li', {}, '↻ retries · ⚑ error caught · × visits'),
  );
}

/** The selected state's name and what its definition says of it. */
function stateHeading(name: string | undefined, node: StateNode | undefined): HTMLElement | HTMLElement[] {
  if (name === undefined) return h('p', { class: 'muted' }, 'Select a state to see its input, output and tries.');
  return [
    h('h2', {}, name),
    node ? h('p', { class: 'muted small' }, node.resource ? `${node.type} · ${node.resource}` : node.type) : null,
    node?.retries ? h('p', { class: 'small' }, `Retries ${node.retries.join(', ')}`) : null,
    node?.failure && (node.failure.error || node.failure.cause)
      ? h('p', { class: 'error' }, `Fails with ${node.failure.error ?? 'an error'}${node.failure.cause ? `: ${node.failure.cause}` : ''}`)
      : null,
  ].filter((e): e is HTMLElement => e !== null);
}

/** The selected state's visits: each one's status, tries, caught error, input and output. */
function stateVisitsView(mine: readonly StateVisit[]): HTMLElement {
  return h(
    'div',
    {},
    mine.length === 0 ? h('p', { class: 'muted' }, 'Not reached.') : null,
    mine.map((v, i) =>
      h(
        'section',
        { class: `visit status-${visitStatus(v)}` },
        h(
          'h3',
          {},
          `${mine.length > 1 ? `Visit ${i + 1}: ` : ''}${visitStatus(v).replace('-', ' ')}${v.redriven ? ', then redriven' : ''}`,
          v.enteredAt ? ` · ${time(v.enteredAt)}` : '',
          v.exitedAt && v.enteredAt ? ` · ${duration(v.exitedAt.getTime() - v.enteredAt.getTime())}` : '',
        ),
        v.attempts.length > 0
          ? h(
              'ol',
              { class: 'attempts' },
              v.attempts.map((a, n) =>
                h(
                  'li',
                  { class: `attempt-${a.outcome.replace(' ', '-')}` },
                  `try ${n + 1}: ${a.outcome}`,
                  a.error || a.cause ? [' — ', errorView(a.error, a.cause)] : '',
                ),
              ),
            )
          : null,
        v.status === 'caught' && v.error
          ? h('p', { class: 'caught' }, `Caught ${v.error.error ?? 'an error'}${v.caughtNext ? ` → ${v.caughtNext}` : ''}`)
          : null,
        visitStatus(v) === 'failed' && v.error ? h('div', { class: 'error' }, errorView(v.error.error ?? 'failed', v.error.cause)) : null,
        h('h4', {}, 'Input'),
        h('pre', {}, v.input === undefined ? '(not recorded)' : prettyJson(v.input)),
        h('h4', {}, 'Output'),
        h('pre', {}, v.output === undefined ? (v.status === 'running' ? '(running)' : '(not recorded)') : prettyJson(v.output)),
      ),
    ),
  );
}

/** A history event's row: the execution's stop and timeout as the graph draws them (aborted, timed out), other failures red. */
function eventClass(type: string): string {
  if (type === 'ExecutionAborted' || type.endsWith('StateAborted')) return 'aborted';
  if (type === 'ExecutionTimedOut') return 'timed-out';
  return /Failed|TimedOut/.test(type) ? 'failed' : '';
}

function historyTable(detail: ExecutionDetail, visits: readonly StateVisit[]): HTMLElement {
  const stateOf = new Map(visits.flatMap((v) => v.eventIds.map((id) => [id, v.name] as const)));
  const first = toDate(detail.events[0]?.timestamp)?.getTime();
  return h(
    'table',
    { class: 'history-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['#', 'Type', 'State', 'Time', 'Elapsed', 'Details'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      detail.events.map((e) => {
        const d = detailsOf(e);
        const at = toDate(e.timestamp);
        const info =
          d.error !== undefined || d.cause !== undefined
            ? errorView(d.error === undefined ? undefined : String(d.error), d.cause === undefined ? undefined : String(d.cause))
            : // A Lambda function's events name its ARN alone; a service task's its type and action (`lambda:invoke`).
              [d.resourceType, d.resource]
                .filter((part) => part !== undefined && part !== '')
                .map(String)
                .join(':');
        return h(
          'tr',
          { class: eventClass(e.type ?? '') },
          h('td', {}, String(e.id ?? '')),
          h('td', {}, e.type ?? ''),
          h('td', {}, typeof d.name === 'string' ? d.name : (stateOf.get(e.id ?? -1) ?? '')),
          h('td', {}, time(at)),
          h('td', {}, at && first !== undefined ? duration(at.getTime() - first) : ''),
          h('td', { class: 'small' }, info),
        );
      }),
    ),
  );
}
