import type { PauseTargetView } from '../../../clients/read-api-contract.js';
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
    replace(note);
    try {
      const report = await setPaused(target, action);
      const changed = report.consumers.filter((c) => c.changed).length;
      replace(
        note,
        h(
          'span',
          { class: 'ok' },
          changed === 0 ? `${target}: nothing changed.` : `${action === 'pause' ? 'Paused' : 'Resumed'} ${target}.`,
        ),
      );
    } catch (error) {
      replace(note, h('span', { class: 'error' }, message(error)));
    }
    await load();
  };
  void load();
  return () => {
    stopped = true;
  };
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
