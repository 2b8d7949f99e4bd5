import { shownError } from '../../clients/lambda-error.js';
import { h } from './dom.js';
import { truncate } from './text.js';

/** What an error shows on its line before it is opened (a row's cell, a history's Details). */
const SHORT_ERROR = 120;

/**
 * An error and its cause as the pages show them (clients/lambda-error.ts, as the CLI reads
 * them): the error and a Lambda error's message on a line, cut at `max` characters; the
 * function's frames (and the whole line, when cut) folded under it, a click away.
 */
export function errorView(error: string | undefined, cause: string | undefined, max = SHORT_ERROR): HTMLElement | string {
  const { summary, frames } = shownError(error, cause);
  const short = truncate(summary, max);
  if (frames.length === 0 && short === summary) return summary;
  return h(
    'details',
    { class: 'error-detail' },
    h('summary', {}, short),
    h('pre', {}, [short === summary ? undefined : summary, ...frames].filter((line) => line !== undefined).join('\n')),
  );
}
