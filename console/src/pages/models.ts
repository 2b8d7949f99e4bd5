import { tokensPerMinute, usageByModel } from '../../../clients/model-usage.js';
import type { ModelCallSummary } from '../../../clients/read-api-contract.js';
import { h, message, replace, time } from '../dom.js';
import { modelCalls } from '../feed.js';
import { polledBody } from '../refresh.js';

/** New calls come with every model call and no feed message says so: the page reads them again this often. */
const REFRESH_MS = 5000;
const MINUTES = 30;

/**
 * The model calls the local Bedrock answered (the read API's `/model-calls`, the newest 10,000, kept across restarts):
 * per model, calls, tokens in, cached and out, and latency; tokens per minute over the last
 * half hour; the newest calls. Prompts and answers are not shown: they may hold personal data.
 */
export function modelsPage(root: HTMLElement): () => void {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading model calls…'));
  replace(
    root,
    h('h1', {}, 'Models'),
    h(
      'p',
      { class: 'muted' },
      'The calls the app’s functions and state machines made to Bedrock (the newest 10,000, kept in the data folder across restarts), as the local Bedrock answered them; ',
      h('code', {}, 'switchyard cost --local'),
      ' prices them.',
    ),
    body,
  );
  return polledBody(
    body,
    REFRESH_MS,
    modelCalls,
    (calls) => render(calls, Date.now()),
    (error) => h('p', { class: 'error' }, message(error)),
  );
}

function render(calls: readonly ModelCallSummary[], now: number): HTMLElement[] {
  if (calls.length === 0) return [h('p', { class: 'muted', 'data-testid': 'no-model-calls' }, 'No model calls yet.')];
  const totals = usageByModel(calls);
  const minutes = tokensPerMinute(calls, now, MINUTES);
  const most = Math.max(1, ...minutes.map((m) => m.tokens));
  return [
    h('h2', {}, 'Per model'),
    rows(
      'model-totals',
      ['Model', 'Calls', 'Failed', 'Tokens in', 'Cached', 'Tokens out', 'Mean latency'],
      totals.map((t) => [
        t.model,
        String(t.calls),
        String(t.failed),
        String(t.inputTokens),
        String(t.cachedTokens),
        String(t.outputTokens),
        `${t.meanLatencyMs} ms`,
      ]),
    ),
    h('h2', {}, `Tokens per minute, last ${MINUTES} minutes`),
    h(
      'div',
      { class: 'model-minutes', 'data-testid': 'model-minutes' },
      totals.map((t) =>
        h(
          'div',
          { class: 'model-minute-row' },
          h('span', { class: 'model-name' }, t.model),
          h(
            'span',
            { class: 'bars' },
            minutes
              .filter((m) => m.model === t.model)
              .map((m) =>
                h('span', {
                  class: 'bar',
                  title: `${time(new Date(m.minute))}: ${m.tokens} tokens`,
                  style: { height: `${Math.round((100 * m.tokens) / most)}%` },
                }),
              ),
          ),
        ),
      ),
    ),
    h('h2', {}, 'Newest calls'),
    rows(
      'model-calls',
      ['At', 'Model', 'Asked as', 'Backend', 'In', 'Cached', 'Out', 'Latency', 'Outcome'],
      calls
        .slice(0, 50)
        .map((c) => [
          time(new Date(c.at)),
          c.model,
          c.modelId,
          c.backend,
          String(c.inputTokens),
          String(c.cacheReadInputTokens + c.cacheWriteInputTokens),
          String(c.outputTokens),
          `${c.latencyMs} ms`,
          c.error ?? c.stopReason ?? '',
        ]),
    ),
  ];
}

function rows(testId: string, columns: readonly string[], cells: readonly (readonly string[])[]): HTMLElement {
  return h(
    'table',
    { class: 'queues', 'data-testid': testId },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      cells.map((row) =>
        h(
          'tr',
          {},
          row.map((cell) => h('td', {}, cell)),
        ),
      ),
    ),
  );
}
