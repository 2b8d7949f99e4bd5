import type { DurableError, DurableOperationView } from '../../../clients/durable-timeline.js';
import { durableForkStarts } from '../../../contracts/durable-fork-starts.js';
import { actionLine } from '../actions.js';
import { duration, h, message, prettyJson, replace, time } from '../dom.js';
import { answerCallback, type DurableView, followDurable, loadDurable, stopDurable } from '../durable.js';
import { resourceLabel } from '../names.js';
import { stopControl } from '../stop-control.js';
import { DURABLE_FORKS, forkLine, forksList, type RerunPanel, type RerunStart, rerunButton, rerunPanel } from './execution-forks.js';

/** Durable executions are not on the live feed: a running one is read again this often. */
const POLL_MS = 2000;
/** How far an operation of a child context is indented under its parent, per level. */
const OPERATION_INDENT_REM = 1.5;

/**
 * One Lambda durable execution: its status, its operations as a timeline (steps with their
 * result and every retried try, waits with their end, callbacks with their ids) and, for
 * each callback it waits for, an Approve and a Refuse button (what `switchyard durable
 * approve|refuse` sends); Stop while it runs (StopDurableExecution, as `switchyard stop`);
 * "Rerun from here" on each operation of the handler a fork can begin at, a fork's parent and
 * the execution's forks, with the Step Functions page's pieces (execution-forks.ts).
 */
export function durableExecutionPage(root: HTMLElement, arn: string): () => void {
  const header = h('div', { class: 'execution-header' }, h('p', { class: 'muted' }, 'Loading durable execution…'));
  const callbacks = h('section', { class: 'callbacks' });
  const timeline = h('section', { class: 'history' });
  const forks = h('section', { class: 'forks', 'data-testid': 'forks' });
  const rerun = rerunPanel(arn, DURABLE_FORKS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const stop = stopControl(
    'It ends STOPPED; a step under way is not undone.',
    'STOPPED',
    async () => {
      await stopDurable(arn);
      return (await followDurable(arn, ended, () => stopped))?.detail.execution.status;
    },
    () => void load(),
  );
  // What Approve and Refuse did, kept above the forms: a callback answered leaves the page's forms.
  const answers = h('div', { class: 'flash', role: 'status', 'aria-live': 'polite', 'data-testid': 'callback-answers' });
  const answered = (op: DurableOperationView, approve: boolean) => void followAnswer(arn, op, approve, answers, () => stopped, load);
  replace(root, header, stop.element, forks, answers, callbacks, rerun.element, timeline);

  const load = async () => {
    clearTimeout(timer);
    try {
      const view = await loadDurable(arn);
      if (stopped) return;
      drawHeader(header, view);
      stop.show(view.detail.execution.status === 'RUNNING');
      replace(
        callbacks,
        view.waiting.map((op) => callbackForm(op, answered)),
      );
      replace(
        forks,
        forksList(
          view.detail.forks.map((f) => ({ ...f, executionArn: f.durableExecutionArn })),
          DURABLE_FORKS,
        ),
      );
      replace(timeline, h('h2', {}, 'Operations'), operationsTable(view.operations, rerunsOf(view), rerun));
      if (view.detail.execution.status === 'RUNNING') timer = setTimeout(load, POLL_MS);
    } catch (error) {
      if (!stopped) replace(header, h('p', { class: 'error' }, message(error)));
    }
  };
  void load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function drawHeader(header: HTMLElement, view: DurableView): void {
  const e = view.detail.execution;
  const start = new Date(e.startDate);
  const stop = e.stopDate ? new Date(e.stopDate) : undefined;
  replace(
    header,
    h('h1', {}, e.name),
    h(
      'p',
      { class: 'summary' },
      h('span', { class: `pill status-${e.status.toLowerCase()}`, 'data-testid': 'execution-status' }, e.status),
      ' ',
      resourceLabel(e.functionName),
      ` (durable function) · started ${time(start)} · ${duration((stop?.getTime() ?? Date.now()) - start.getTime())}${stop ? '' : ' so far'}`,
    ),
    e.error ? h('p', { class: 'error' }, errorText(e.error)) : null,
    e.fork ? forkLine(e.fork, DURABLE_FORKS) : null,
    e.input !== undefined ? h('details', {}, h('summary', {}, 'Input'), h('pre', {}, prettyJson(e.input))) : null,
    e.result !== undefined ? h('details', { open: true }, h('summary', {}, 'Result'), h('pre', {}, prettyJson(e.result))) : null,
    h('p', { class: 'muted small' }, e.durableExecutionArn),
  );
}

/** A waiting callback with its id, a result to approve with and a reason to refuse with. */
function callbackForm(op: DurableOperationView, answered: (op: DurableOperationView, approve: boolean) => void): HTMLElement {
  const id = op.callbackId ?? '';
  const result = h('textarea', { name: 'result', rows: 2, 'aria-label': 'result' }, '{"approved":true}') as HTMLTextAreaElement;
  const reason = h('input', { name: 'reason', placeholder: 'why (refuse)', 'aria-label': 'reason' }) as HTMLInputElement;
  const status = h('p', { class: 'note' });
  const send = async (approve: boolean) => {
    try {
      if (approve) JSON.parse(result.value);
      await answerCallback(
        id,
        approve ? { approve, result: result.value } : { approve, errorType: 'Refused', reason: reason.value || 'refused by an operator' },
      );
      answered(op, approve);
    } catch (error) {
      replace(status, h('span', { class: 'error' }, message(error)));
    }
  };
  return h(
    'form',
    { class: 'decision', 'data-callback': id, onsubmit: (e: Event) => e.preventDefault() },
    h('h2', {}, `Waiting at ${op.label}`),
    h(
      'p',
      { class: 'muted small' },
      `callback id ${id}${op.callbackTimeoutSeconds ? ` · times out after ${op.callbackTimeoutSeconds} s` : ''}`,
    ),
    h('label', {}, 'Result (JSON) ', result),
    h('label', {}, 'Reason ', reason),
    h('button', { type: 'button', onclick: () => void send(true) }, 'Approve'),
    h('button', { type: 'button', onclick: () => void send(false) }, 'Refuse'),
    status,
  );
}

/** A durable execution has ended: it runs no more. */
const ended = (view: DurableView) => view.detail.execution.status !== 'RUNNING';

/**
 * Follows a callback's answer to where it took the execution: ended (green if it succeeded, red
 * with its error if not), or gone on to wait at another callback. Until then it says that the
 * execution runs on: an answer accepted is only a start.
 */
async function followAnswer(
  arn: string,
  op: DurableOperationView,
  approve: boolean,
  answers: HTMLElement,
  stopped: () => boolean,
  reload: () => Promise<void>,
): Promise<void> {
  const line = actionLine();
  answers.prepend(line.element);
  const answer = `${approve ? 'Approved' : 'Refused'} at ${op.label}`;
  line.show('working', `${answer}: the execution runs on…`);
  void reload();
  try {
    const view = await followDurable(
      arn,
      (now) => ended(now) || (now.waiting.length > 0 && !now.waiting.some((w) => w.callbackId === op.callbackId)),
      stopped,
    );
    if (view === undefined) return;
    // The page first, then the line: both say the same when the line says how it ended.
    await reload();
    const e = view.detail.execution;
    if (!ended(view)) line.show('ok', `${answer}: the execution went on and now waits at ${view.waiting.map((w) => w.label).join(', ')}.`);
    else if (e.status === 'SUCCEEDED') line.show('ok', `${answer}: the execution SUCCEEDED.`);
    else line.show('failed', `${answer}: the execution ${e.status}${e.error ? `: ${errorText(e.error)}` : '.'}`);
  } catch (error) {
    line.show('failed', `${answer}, then reading the execution failed: ${message(error)}`);
  }
}

/**
 * The operations a fork can begin at (contracts/durable-fork-starts.ts, as the CLI and the
 * runtime decide), by id: the last run of each, with the handler's event, which the fork's
 * editor holds. None when the event is not JSON.
 */
function rerunsOf(view: DurableView): ReadonlyMap<string, RerunStart> {
  let input: string;
  try {
    input = JSON.stringify(JSON.parse(view.detail.execution.input ?? ''));
  } catch {
    return new Map();
  }
  const operations = view.operations.map((op) => ({
    Id: op.id,
    Type: op.kind.toUpperCase(),
    Status: op.status,
    ...(op.name !== undefined ? { Name: op.name } : {}),
    ...(op.parentId !== undefined ? { ParentId: op.parentId } : {}),
  }));
  return new Map(
    durableForkStarts(operations).map((name) => {
      const last = view.operations.findLast((op) => op.parentId === undefined && op.name === name);
      return [last?.id ?? '', { name, input }];
    }),
  );
}

function operationsTable(
  operations: readonly DurableOperationView[],
  reruns: ReadonlyMap<string, RerunStart>,
  rerun: RerunPanel,
): HTMLElement {
  if (operations.length === 0) return h('p', { class: 'muted' }, 'No operations yet.');
  return h(
    'table',
    { class: 'executions' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['#', 'Operation', 'Kind', 'Status', 'Started', 'Took', 'Details', ''].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      operations.map((op, i) =>
        h(
          'tr',
          { 'data-operation': op.id, 'data-status': op.status },
          h('td', {}, String(i + 1)),
          // A child context's operations under their parent: indented by how deep they are nested.
          h('td', { class: 'operation' }, h('span', { style: { 'padding-left': `${op.depth * OPERATION_INDENT_REM}rem` } }, op.label)),
          h('td', {}, op.subType ? `${op.kind} (${op.subType})` : op.kind),
          h('td', {}, h('span', { class: `pill status-${op.status.toLowerCase()}` }, op.status)),
          h('td', {}, time(op.startedAt)),
          h('td', {}, op.startedAt && op.endedAt ? duration(op.endedAt.getTime() - op.startedAt.getTime()) : '-'),
          h(
            'td',
            {},
            operationDetails(op).map((line) => h('div', {}, line)),
          ),
          h('td', {}, rerunCell(reruns.get(op.id), rerun)),
        ),
      ),
    ),
  );
}

function rerunCell(start: RerunStart | undefined, rerun: RerunPanel): HTMLElement | null {
  return start ? rerunButton(() => rerun.edit(start)) : null;
}

/** The lines under an operation: retried tries, a wait's end, a callback's id, its result or error. */
export function operationDetails(op: DurableOperationView): string[] {
  const lines = op.failedAttempts.map(
    (a) => `try ${a.attempt} failed${a.error ? `: ${errorText(a.error)}` : ''}, retried after ${a.retryDelaySeconds} s`,
  );
  if (op.kind === 'Step' && op.attempts > 1 && op.status !== 'RETRYING') lines.push(`try ${op.attempts} ${op.status.toLowerCase()}`);
  if (op.waitUntil) lines.push(`until ${time(op.waitUntil)}`);
  if (op.callbackId) lines.push(`callback id ${op.callbackId}`);
  if (op.result !== undefined) lines.push(`result ${op.result}`);
  if (op.error) lines.push(`error ${errorText(op.error)}`);
  return lines;
}

function errorText(error: DurableError): string {
  return `${error.ErrorType ?? 'Error'}${error.ErrorMessage ? `: ${error.ErrorMessage}` : ''}`;
}
