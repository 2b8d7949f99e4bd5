import { type FlowControlReport, flowKeyCells } from '../../../clients/flow-control.js';
import { h, message, replace, time } from '../dom.js';
import { flowControl } from '../feed.js';
import { polledBody } from '../refresh.js';

/** The flow control table changes with every record, and no feed message says so: the page reads it again this often. */
const REFRESH_MS = 5000;

/**
 * Keyed flow control now, as `switchyard flow` shows it (the same report, from the read API):
 * per flow and key, records in flight, starts in the rate window, records held back in the
 * last hour, debounce and pauses; token budgets; the fair queues and their noisy tenants.
 */
export function flowControlPage(root: HTMLElement): () => void {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading flow control…'));
  replace(
    root,
    h('h1', {}, 'Flow control'),
    h(
      'p',
      { class: 'muted' },
      'Each consumer’s keyed flow control, read from its flow control table, against the limits it declares; held-back records are counted from its logs of the last hour. Fair queues: the queues a consumer’s fairBy makes fair, or that a message with a MessageGroupId came to, with their tenants and the metrics AWS publishes to CloudWatch.',
    ),
    body,
  );
  return polledBody(
    body,
    REFRESH_MS,
    flowControl,
    (report) => render(report),
    (error) => h('p', { class: 'error' }, message(error)),
  );
}

function render(report: FlowControlReport): HTMLElement[] {
  const sections: HTMLElement[] = [h('p', { class: 'muted small' }, `As of ${time(new Date(report.at))}`)];
  sections.push(
    h('h2', {}, 'Keys'),
    report.declared.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'no-flow-control' }, 'No consumer of the app declares flow control.')
      : h(
          'ul',
          { class: 'flows' },
          report.declared.map((d) => h('li', {}, h('strong', {}, d.settings.flow), ` (${d.function}, table ${d.table})`)),
        ),
  );
  if (report.keys.length > 0) {
    const columns = ['Flow', 'Key', 'In flight', 'Starts', 'Held back', 'Debounce', 'Paused', 'Circuit'];
    sections.push(
      table(
        'flow-keys',
        columns,
        report.keys.map((k) => {
          const c = flowKeyCells(k);
          return { id: `${k.flow} ${k.key}`, cells: [k.flow, k.key, c.inFlight, c.rate, c.heldBack, c.debounce, c.paused, c.circuit] };
        }),
      ),
    );
  } else if (report.declared.length > 0) sections.push(h('p', { class: 'muted' }, 'No key has flow control state now.'));
  if (report.tokens.length > 0) {
    const ofLimit = (w: { used: number; limit?: number } | undefined) =>
      w === undefined ? '-' : `${w.used}${w.limit === undefined ? '' : `/${w.limit}`}`;
    sections.push(
      h('h2', {}, 'Token budgets'),
      table(
        'token-budgets',
        ['Scope', 'Key', 'This minute', 'Today'],
        report.tokens.map((t) => ({ id: `${t.scope} ${t.key}`, cells: [t.scope, t.key, ofLimit(t.minute), ofLimit(t.day)] })),
      ),
    );
  }
  const queues = report.fairQueues ?? [];
  sections.push(h('h2', {}, 'Fair queues'));
  if (queues.length === 0)
    sections.push(
      h('p', { class: 'muted' }, 'No fair queue: no consumer declares fairBy, and no message has come with a MessageGroupId (a tenant).'),
    );
  else {
    const metric = (m: Readonly<Record<string, number>>, name: string) => String(m[name] ?? 0);
    sections.push(
      table(
        'fair-queues',
        ['Queue', 'Noisy tenants', 'Quiet: visible', 'Quiet: in flight', 'Quiet: delayed', 'Quiet: oldest'],
        queues.map((q) => ({
          id: q.queue,
          cells: [
            q.queue,
            q.noisyGroups.join(', ') || '-',
            metric(q.metrics, 'ApproximateNumberOfMessagesVisibleInQuietGroups'),
            metric(q.metrics, 'ApproximateNumberOfMessagesNotVisibleInQuietGroups'),
            metric(q.metrics, 'ApproximateNumberOfMessagesDelayedInQuietGroups'),
            `${metric(q.metrics, 'ApproximateAgeOfOldestMessageInQuietGroups')} s`,
          ],
        })),
      ),
    );
  }
  return sections;
}

function table(testId: string, columns: readonly string[], rows: readonly { id: string; cells: readonly string[] }[]): HTMLElement {
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
      rows.map((row) =>
        h(
          'tr',
          { 'data-row': row.id },
          row.cells.map((cell) => h('td', {}, cell)),
        ),
      ),
    ),
  );
}
