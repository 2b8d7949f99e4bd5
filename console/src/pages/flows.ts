import type { PauseTargetView } from '../../../clients/read-api-contract.js';
import { followUntil } from '../actions.js';
import { h, message, replace, time } from '../dom.js';
import { pauses, setPaused } from '../feed.js';

/**
 * The app's flows, functions and queues with Pause and Resume, and each one's consumers,
 * paused or taking messages, since when: what `switchyard pause`, `resume` and `flow` do and
 * show, through the read API's /pauses, which runs the CLI's own code against the runtime's APIs.
 */
export function flowsPage(root: HTMLElement): () => void {
  let stopped = false;
  const note = h('p', { role: 'status', 'data-testid': 'pause-note' });
  const list = h('section', { 'data-testid': 'pause-targets' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(
    root,
    h('h1', {}, 'Flows'),
    h(
      'p',
      { class: 'muted small' },
      'A pause stops what takes a flow’s events (its SQS event source mappings, schedules and scheduled rules); events keep arriving and wait in their queues, none is received or dead-lettered meanwhile.',
    ),
    note,
    list,
  );
  const load = async () => {
    try {
      const page = await pauses();
      if (!stopped)
        replace(
          list,
          page.targets.length === 0 ? h('p', { class: 'muted' }, 'Nothing of the app can be paused.') : targetsTable(page.targets, act),
        );
    } catch (error) {
      if (!stopped) replace(list, h('p', { class: 'error' }, message(error)));
    }
  };
  const act = async (target: string, action: 'pause' | 'resume') => {
    const doing = action === 'pause' ? 'Pausing' : 'Resuming';
    const say = (outcome: 'working' | 'ok' | 'error', text: string) => replace(note, h('span', { class: outcome }, text));
    say('working', `${doing} ${target}…`);
    let outcome: HTMLElement;
    try {
      const report = await setPaused(target, action);
      // Asked, a consumer is Disabling (Enabling) until its pollers follow: paused (resumed) only once at rest.
      const settled = report.consumers.every((c) => !c.changed)
        ? true
        : await followUntil(
            pauses,
            (page) =>
              atRest(
                page.targets.find((t) => t.name === target),
                action,
              ),
            () => stopped,
            (page) => say('working', `${doing} ${target}: ${statesOf(page.targets.find((t) => t.name === target))}…`),
          );
      if (settled === undefined) return;
      const changed = report.consumers.some((c) => c.changed);
      outcome = h(
        'span',
        { class: 'ok' },
        changed ? `${action === 'pause' ? 'Paused' : 'Resumed'} ${target}.` : `${target}: nothing changed.`,
      );
    } catch (error) {
      outcome = h('span', { class: 'error' }, `${doing} ${target} failed: ${message(error)}`);
    }
    // The table first, then the note: both say the same when the note says it ended.
    await load();
    replace(note, outcome);
  };
  void load();
  return () => {
    stopped = true;
  };
}

/**
 * Every consumer of the target paused (resumed) and at rest: none Disabling, Enabling or
 * Updating. One its template disables is left paused by a resume, as `switchyard resume` leaves it.
 */
function atRest(target: PauseTargetView | undefined, action: 'pause' | 'resume'): boolean {
  if (target === undefined) throw new Error('it is no longer among what can be paused');
  return target.consumers
    .filter((c) => action === 'pause' || c.enabledInTemplate)
    .every((c) => c.paused === (action === 'pause') && !c.state.endsWith('ing'));
}

/** Its consumers' states in the service's words, as the note shows them while they settle. */
function statesOf(target: PauseTargetView | undefined): string {
  return [...new Set(target?.consumers.map((c) => c.state) ?? [])].join(', ');
}

function targetsTable(
  targets: readonly PauseTargetView[],
  act: (target: string, action: 'pause' | 'resume') => Promise<void>,
): HTMLElement {
  return h(
    'table',
    { class: 'executions' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Name', 'Kind', 'Consumer', 'State', 'Since', ''].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      targets.flatMap((target) =>
        target.consumers.map((c, i) =>
          h(
            'tr',
            { 'data-target': target.name, 'data-paused': String(c.paused) },
            h('td', {}, i === 0 ? target.name : ''),
            h('td', {}, i === 0 ? target.kind : ''),
            h('td', {}, c.consumer),
            h(
              'td',
              {},
              h('span', { class: `pill ${c.paused ? 'status-aborted' : 'status-succeeded'}` }, c.paused ? `paused (${c.state})` : c.state),
            ),
            h('td', {}, c.since ? time(new Date(c.since)) : '-'),
            h(
              'td',
              {},
              i === 0
                ? target.consumers.some((x) => x.paused)
                  ? h('button', { type: 'button', onclick: () => void act(target.name, 'resume') }, 'Resume')
                  : h('button', { type: 'button', class: 'reject', onclick: () => void act(target.name, 'pause') }, 'Pause')
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}
