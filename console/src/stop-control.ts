import { h, message, replace } from './dom.js';

/** A Stop button for a running execution, and whether to show it. */
export interface StopControl {
  readonly element: HTMLElement;
  /** Shows the button while the execution runs; a question being asked stays as it is. */
  show(running: boolean): void;
}

/**
 * A running execution's Stop: the button asks once more (a stopped execution cannot go on,
 * and a step under way is not undone), then stops it and says how that went: `stop` resolves
 * to the status the execution ended in, and only the one a stop gives (`stoppedAs`) is shown
 * as stopped; another (it ended by itself first) is said in red. Drawn once per page and kept
 * while the page redraws, so a live update never takes the question away.
 */
export function stopControl(
  consequence: string,
  stoppedAs: string,
  stop: () => Promise<string | undefined>,
  stopped: () => void,
): StopControl {
  const buttons = h('span', { class: 'stop-buttons' });
  const note = h('span', { role: 'status' });
  const element = h('div', { class: 'stop-control', 'data-testid': 'stop-control' }, buttons, note);
  let running = false;
  let asking = false;

  const idle = () => {
    asking = false;
    replace(buttons, running ? h('button', { type: 'button', class: 'reject', onclick: ask }, 'Stop') : null);
  };
  const ask = () => {
    asking = true;
    replace(note);
    replace(
      buttons,
      h('span', {}, `Stop this execution? ${consequence} `),
      h('button', { type: 'button', class: 'reject', onclick: () => void confirm() }, 'Stop execution'),
      h('button', { type: 'button', onclick: idle }, 'Keep it running'),
    );
  };
  const confirm = async () => {
    for (const button of buttons.querySelectorAll('button')) button.disabled = true;
    try {
      replace(note, h('span', { class: 'working' }, 'Stopping…'));
      const status = await stop();
      // The page was left while the execution was followed: nothing more to say.
      if (status === undefined) return;
      replace(
        note,
        status === stoppedAs
          ? h('span', { class: 'ok' }, `Stopped: ${status}.`)
          : h('span', { class: 'error' }, `Not stopped: it had already ended ${status}.`),
      );
      running = false;
      idle();
      stopped();
    } catch (error) {
      replace(note, h('span', { class: 'error' }, message(error)));
      idle();
    }
  };
  return {
    element,
    show(now) {
      running = now;
      if (!asking) idle();
    },
  };
}
