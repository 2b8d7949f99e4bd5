import type { ForkSummary } from '../../../clients/read-api-contract.js';
import { type Fork, type ForkHistoryEvent, type ForkStart, forkOfInput, forkStarts } from '../../../contracts/fork-starts.js';
import { h, message, prettyJson, replace, time } from '../dom.js';
import { fork, forksOf } from '../feed.js';
import { executionHref } from '../routes.js';

/** The editor grows with the input it holds, within these rows. */
const EDITOR_ROWS = { min: 4, max: 24 };

/**
 * Where a fork of this execution can begin (contracts/fork-starts.ts, as the CLI and the
 * runtime decide): every top-level state it entered, each with its recorded input. None for a
 * history that leaves inputs out.
 */
export function rerunStarts(events: readonly ForkHistoryEvent[]): ReadonlyMap<string, ForkStart> {
  try {
    return new Map(forkStarts(events).map((start) => [start.name, start]));
  } catch {
    return new Map();
  }
}

/** The "Rerun from here" of the selected state, and what it shows for it. */
export interface RerunPanel {
  readonly element: HTMLElement;
  /** Shows the selected state's Rerun from here (or why there is none); an open editor stays as the operator left it. */
  show(state: string | undefined, starts: ReadonlyMap<string, ForkStart>, entered: boolean): void;
}

/**
 * "Rerun from here" on a state of an execution's page: an editor holding the input the state
 * was entered with, checked to be JSON before it is sent, and Rerun, which starts a fork at
 * that state (the read API's POST /forks, as `switchyard fork --input`) and opens the new
 * execution's page. Drawn once per page and kept while the page redraws, so a live update never
 * takes away what the operator is typing.
 */
export function rerunPanel(executionArn: string): RerunPanel {
  const element = h('div', { class: 'rerun', 'data-testid': 'rerun' });
  let editing: string | undefined;

  const button = (start: ForkStart) =>
    h('button', { type: 'button', 'data-testid': 'rerun-from-here', onclick: () => edit(start) }, 'Rerun from here');
  const edit = (start: ForkStart) => {
    editing = start.name;
    const text = prettyJson(start.input);
    const rows = Math.min(EDITOR_ROWS.max, Math.max(EDITOR_ROWS.min, text.split('\n').length + 1));
    const input = h('textarea', { name: 'input', rows, spellcheck: 'false', 'aria-label': 'input' }, text) as HTMLTextAreaElement;
    const problem = h('p', { class: 'error', role: 'alert', 'data-testid': 'rerun-error' });
    const send = async (rerun: HTMLButtonElement) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.value);
      } catch (error) {
        replace(problem, `The input is not JSON (${message(error)}): fix it and Rerun again. Nothing was started.`);
        return;
      }
      rerun.disabled = true;
      replace(problem);
      try {
        const started = await fork({ executionArn, from: start.name, input: parsed });
        location.hash = executionHref(started.executionArn);
      } catch (error) {
        replace(problem, message(error));
        rerun.disabled = false;
      }
    };
    const rerun = h('button', { type: 'button', class: 'approve', onclick: () => void send(rerun) }, 'Rerun') as HTMLButtonElement;
    replace(
      element,
      h(
        'form',
        { class: 'rerun-editor', onsubmit: (e: Event) => e.preventDefault() },
        h('h3', {}, `Rerun from ${start.name}`),
        h(
          'p',
          { class: 'muted small' },
          'A new execution of this flow begins here with this input and the variables the state had; the states before it do not run.',
        ),
        h('label', {}, 'Input (JSON)', input),
        problem,
        h('div', { class: 'rerun-buttons' }, rerun, h('button', { type: 'button', onclick: () => close(start) }, 'Cancel')),
      ),
    );
    input.focus();
  };
  const close = (start: ForkStart) => {
    editing = undefined;
    replace(element, button(start));
  };
  return {
    element,
    show(state, starts, entered) {
      if (editing !== undefined && editing === state) return;
      editing = undefined;
      const start = state === undefined ? undefined : starts.get(state);
      if (start) replace(element, button(start));
      else if (entered && starts.size > 0)
        replace(element, h('p', { class: 'muted small' }, 'It ran inside a Parallel branch or a Map iteration: rerun from that state.'));
      else replace(element);
    },
  };
}

/** The fork an execution's input carries, or undefined (for a malformed one too: the page shows the input as it is). */
export function forkOf(input: string | undefined): Fork | undefined {
  try {
    return forkOfInput(input);
  } catch {
    return undefined;
  }
}

/** "fork of <parent> from <state>", the parent a link to its page. */
export function forkLine(fork: Fork): HTMLElement {
  return h(
    'p',
    { class: 'fork-of', 'data-testid': 'fork-of' },
    'fork of ',
    h('a', { href: executionHref(fork.parent), title: fork.parent }, fork.parent.split(':').at(-1) ?? fork.parent),
    ` from ${fork.from}`,
    fork.effects === 'rerun' ? ' (effects applied again)' : '',
  );
}

/**
 * The executions forked from this one, oldest first, each a link to its page (the read API's
 * GET /forks: Step Functions keeps no list of them); nothing while there are none.
 */
export function forksBox(parent: string): { readonly element: HTMLElement; load(stopped: () => boolean): Promise<void> } {
  const element = h('section', { class: 'forks', 'data-testid': 'forks' });
  return {
    element,
    async load(stopped) {
      try {
        const forks = await forksOf(parent);
        if (!stopped()) replace(element, forks.length === 0 ? null : forksList(forks));
      } catch (error) {
        if (!stopped()) replace(element, h('p', { class: 'note' }, `Its forks could not be read: ${message(error)}`));
      }
    },
  };
}

function forksList(forks: readonly ForkSummary[]): HTMLElement[] {
  return [
    h('h2', {}, 'Forks'),
    h(
      'ul',
      {},
      forks.map((f) =>
        h(
          'li',
          { 'data-fork': f.executionArn },
          h('a', { href: executionHref(f.executionArn) }, f.name),
          ` from ${f.from} `,
          h('span', { class: `pill status-${f.status.toLowerCase()}` }, f.status),
          ` · started ${time(new Date(f.startDate))}`,
        ),
      ),
    ),
  ];
}
