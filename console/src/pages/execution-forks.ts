import type { ForkAnswer, ForkRequest } from '../../../clients/read-api-contract.js';
import { NO_FORK_ENTRY } from '../../../contracts/fork-names.js';
import { type Fork, type ForkHistoryEvent, type ForkStart, forkOfInput, forkStarts } from '../../../contracts/fork-starts.js';
import { h, message, prettyJson, replace, time } from '../dom.js';
import { durableFork, fork, forksOf } from '../feed.js';
import { durableExecutionHref, executionHref } from '../routes.js';

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

/** What a fork is of, a state machine's execution or a durable one: how it starts and where its page is. */
export interface ForkKind {
  /** Starts the fork (the read API's POST /forks or POST /durable-forks). */
  readonly start: (request: ForkRequest) => Promise<ForkAnswer>;
  readonly href: (executionArn: string) => string;
  /** What the editor holds, and what a fork from there does, under its heading. */
  readonly inputLabel: string;
  readonly explanation: string;
}

export const STATE_MACHINE_FORKS: ForkKind = {
  start: fork,
  href: executionHref,
  inputLabel: 'Input (JSON)',
  explanation: 'A new execution of this flow begins here with this input and the variables the state had; the states before it do not run.',
};

export const DURABLE_FORKS: ForkKind = {
  start: durableFork,
  href: durableExecutionHref,
  inputLabel: "The handler's event (JSON)",
  explanation:
    'A new execution of this function runs from this step with this event; the steps before it answer with what they recorded and do not run again.',
};

/** The input a fork from a durable step begins with: the handler's event (a durable step has no input of its own). */
export type RerunStart = Pick<ForkStart, 'name' | 'input'>;

/** The "Rerun from here" of the selected state, and what it shows for it. */
export interface RerunPanel {
  readonly element: HTMLElement;
  /**
   * Shows the selected state's Rerun from here (or why there is none); an open editor stays as
   * the operator left it. `localOnly`: the state machine has no fork entry, so its editor says
   * that only the local runtime can fork it (AWS could not), naming `forkEntry: true`.
   */
  show(state: string | undefined, starts: ReadonlyMap<string, RerunStart>, entered: boolean, localOnly?: boolean): void;
  /** Opens the editor of a fork from `start` (a durable step's row has its own Rerun from here). */
  edit(start: RerunStart): void;
}

/**
 * "Rerun from here" on a state of an execution's page (or a step of a durable one's): an
 * editor holding the input the state was entered with (the handler's event), checked to be
 * JSON before it is sent, and Rerun, which starts a fork at that state (the read API's POST
 * /forks or /durable-forks, as `switchyard fork --input`) and opens the new execution's page.
 * Drawn once per page and kept while the page redraws, so a live update never takes away what
 * the operator is typing.
 */
export function rerunPanel(executionArn: string, kind: ForkKind = STATE_MACHINE_FORKS): RerunPanel {
  const element = h('div', { class: 'rerun', 'data-testid': 'rerun' });
  let editing: string | undefined;
  let localOnly = false;

  const edit = (start: RerunStart) => {
    editing = start.name;
    const text = prettyJson(start.input);
    const rows = Math.min(EDITOR_ROWS.max, Math.max(EDITOR_ROWS.min, text.split('\n').length + 1));
    const input = h('textarea', { name: 'input', rows, spellcheck: 'false', 'aria-label': 'input' }, text) as HTMLTextAreaElement;
    const problem = h('p', { class: 'error', role: 'alert', 'data-testid': 'rerun-error' });
    const note = h('p', { class: 'rerun-note', role: 'status', 'data-testid': 'rerun-note' });
    const rerun = h(
      'button',
      {
        type: 'button',
        class: 'approve',
        onclick: () => void startRerun(rerun, { executionArn, kind, from: start.name, input, problem, note }),
      },
      'Rerun',
    ) as HTMLButtonElement;
    replace(
      element,
      h(
        'form',
        { class: 'rerun-editor', onsubmit: (e: Event) => e.preventDefault() },
        h('h3', {}, `Rerun from ${start.name}`),
        h('p', { class: 'muted small' }, kind.explanation),
        localOnly ? h('p', { class: 'note', 'data-testid': 'rerun-local-only' }, `Local only: this state machine ${NO_FORK_ENTRY}.`) : null,
        h('label', {}, kind.inputLabel, input),
        problem,
        note,
        h('div', { class: 'rerun-buttons' }, rerun, h('button', { type: 'button', onclick: () => close(start) }, 'Cancel')),
      ),
    );
    input.focus();
  };
  // Closed, the panel offers the state's button again (the durable page's rows have their own).
  let shown = false;
  const close = (start: RerunStart) => {
    editing = undefined;
    replace(element, shown ? rerunButton(() => edit(start)) : null);
  };
  return {
    element,
    edit,
    show(state, starts, entered, noEntry = false) {
      localOnly = noEntry;
      if (editing !== undefined && editing === state) return;
      editing = undefined;
      shown = true;
      const start = state === undefined ? undefined : starts.get(state);
      if (start)
        replace(
          element,
          rerunButton(() => edit(start)),
        );
      else if (entered && starts.size > 0)
        replace(element, h('p', { class: 'muted small' }, 'It ran inside a Parallel branch or a Map iteration: rerun from that state.'));
      else replace(element);
    },
  };
}

/** What Rerun works with: the execution and state forked, the editor's input, and where it says what went wrong or what happened. */
interface RerunForm {
  readonly executionArn: string;
  readonly kind: ForkKind;
  readonly from: string;
  readonly input: HTMLTextAreaElement;
  readonly problem: HTMLElement;
  readonly note: HTMLElement;
}

/** Rerun: the input checked to be JSON, then the fork started and its page opened; else, in the editor, why not. */
async function startRerun(rerun: HTMLButtonElement, { executionArn, kind, from, input, problem, note }: RerunForm): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.value);
  } catch (error) {
    replace(problem, `The input is not JSON (${message(error)}): fix it and Rerun again. Nothing was started.`);
    return;
  }
  rerun.disabled = true;
  replace(problem);
  replace(note);
  try {
    const started = await kind.start({ executionArn, from, input: parsed });
    if (started.existing) {
      // The same fork asked again is the one execution it started before: opening it as if
      // it were new would pass an old run off as a rerun (of code fixed since, say).
      replace(note, ...forkedBefore(started, kind));
      rerun.disabled = false;
      return;
    }
    location.hash = kind.href(started.executionArn);
  } catch (error) {
    replace(problem, message(error));
    rerun.disabled = false;
  }
}

/** What Rerun says when the fork was asked before: nothing started, a link to that execution, what starts another. */
function forkedBefore(answer: ForkAnswer, kind: ForkKind): (string | HTMLElement)[] {
  return [
    `Nothing started: this fork from ${answer.from} with this input ran before, as `,
    h('a', { href: kind.href(answer.executionArn) }, answer.name),
    '. Edit the input to start another.',
  ];
}

/** The button that opens a fork's editor. */
export function rerunButton(onclick: () => void): HTMLElement {
  return h('button', { type: 'button', 'data-testid': 'rerun-from-here', onclick }, 'Rerun from here');
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
export function forkLine(fork: Pick<Fork, 'parent' | 'from' | 'effects'>, kind: ForkKind = STATE_MACHINE_FORKS): HTMLElement {
  return h(
    'p',
    { class: 'fork-of', 'data-testid': 'fork-of' },
    'fork of ',
    h('a', { href: kind.href(fork.parent), title: fork.parent }, executionName(fork.parent)),
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
        if (!stopped()) replace(element, forksList(forks));
      } catch (error) {
        if (!stopped()) replace(element, h('p', { class: 'note' }, `Its forks could not be read: ${message(error)}`));
      }
    },
  };
}

/** A fork as a parent's page lists it. */
export interface ForkItem {
  readonly executionArn: string;
  readonly name: string;
  readonly from: string;
  readonly status: string;
  readonly startDate: string;
}

/** An execution's name from its ARN: a state machine's is its last part, a durable one's the part before its id. */
function executionName(arn: string): string {
  const durable = /\/durable-execution\/([^/]+)\//.exec(arn);
  return durable?.[1] ?? arn.split(':').at(-1) ?? arn;
}

/** The forks of an execution, oldest first, each a link to its page; nothing while there are none. */
export function forksList(forks: readonly ForkItem[], kind: ForkKind = STATE_MACHINE_FORKS): HTMLElement[] {
  if (forks.length === 0) return [];
  return [
    h('h2', {}, 'Forks'),
    h(
      'ul',
      {},
      forks.map((f) =>
        h(
          'li',
          { 'data-fork': f.executionArn },
          h('a', { href: kind.href(f.executionArn) }, f.name),
          ` from ${f.from} `,
          h('span', { class: `pill status-${f.status.toLowerCase()}` }, f.status),
          ` · started ${time(new Date(f.startDate))}`,
        ),
      ),
    ),
  ];
}
