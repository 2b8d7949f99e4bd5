import { toDate } from '../aws.js';
import { duration, h, time } from '../dom.js';
import { flowLabel } from '../names.js';
import { executionHref } from '../routes.js';
import type { FailedExecution, Message, QueueInfo } from './failures-data.js';

/** The reason attributes a Switchyard consumer puts on a message it dead-letters (contracts/wiring.ts). */
const REASON = {
  name: 'Switchyard.ErrorName',
  message: 'Switchyard.ErrorMessage',
  fn: 'Switchyard.FunctionName',
  at: 'Switchyard.FailedAt',
};

/** A dead-letter queue: its depth, the queues and rule targets that feed it, its messages with their reasons. */
export function deadLetterQueue(
  q: QueueInfo,
  sources: string[],
  messages: Message[],
  redrivable: boolean,
  onRedrive: (queue: QueueInfo) => void,
): HTMLElement {
  return h(
    'article',
    { class: 'dlq', 'data-queue': q.name, 'data-depth': q.depth },
    h(
      'h3',
      {},
      `${q.name} · ${q.depth} message${q.depth === 1 ? '' : 's'}`,
      sources.length ? h('span', { class: 'muted' }, ` from ${sources.join(', ')}`) : null,
      ' ',
      // StartMessageMoveTask moves back to the queues that dead-lettered them; a rule target's DLQ has none.
      q.depth > 0 && redrivable ? h('button', { type: 'button', onclick: () => onRedrive(q) }, 'Redrive to source') : null,
      q.depth > 0 && !redrivable
        ? h('span', { class: 'muted small' }, ' (a rule target’s dead-letter queue: its events can be sent again with PutEvents)')
        : null,
    ),
    messages.length === 0
      ? null
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Age', 'Reason', 'Function', 'Receives', 'Body'].map((c) => h('th', {}, c)),
            ),
          ),
          h('tbody', {}, messages.map(messageRow)),
        ),
    q.depth > messages.length && messages.length > 0 ? h('p', { class: 'muted small' }, `showing ${messages.length} of ${q.depth}`) : null,
  );
}

/**
 * The empty dead-letter queues, folded into one line ("27 empty dead-letter queues") that opens
 * to their names and what feeds each: nothing in them to read or redrive, so no card each.
 */
export function emptyDeadLetterQueues(queues: readonly QueueInfo[], sourcesOf: (arn: string) => string[], open: boolean): HTMLElement {
  return h(
    'details',
    { class: 'dlq-empty', open },
    h('summary', {}, `${queues.length} empty dead-letter queue${queues.length === 1 ? '' : 's'}`),
    h(
      'ul',
      {},
      queues.map((q) => {
        const sources = sourcesOf(q.arn);
        return h(
          'li',
          { 'data-queue': q.name },
          q.name,
          sources.length ? h('span', { class: 'muted' }, ` from ${sources.join(', ')}`) : null,
        );
      }),
    ),
  );
}

/** A dead-lettered message: its age, the reason its consumer recorded, the function, the receives, the start of its body. */
function messageRow(m: Message): HTMLElement {
  const attr = (name: string) => m.MessageAttributes?.[name]?.StringValue;
  const sent = toDate(Number(m.Attributes?.SentTimestamp ?? 0) / 1000);
  const reason = attr(REASON.name)
    ? `${attr(REASON.name)}: ${attr(REASON.message) ?? ''}`
    : 'no reason recorded (moved after maxReceiveCount)';
  return h(
    'tr',
    {},
    h('td', {}, sent ? duration(Date.now() - sent.getTime()) : '-'),
    h('td', { class: 'reason' }, reason),
    h('td', {}, attr(REASON.fn) ?? '-'),
    h('td', {}, m.Attributes?.ApproximateReceiveCount ?? '-'),
    h('td', { class: 'small' }, (m.Body ?? '').slice(0, 160)),
  );
}

/** Every queue with its counts and where (and after how many receives) it dead-letters; dead-letter queues marked. */
export function queuesTable(queues: readonly QueueInfo[], deadArns: ReadonlySet<string>): HTMLElement {
  const byArn = new Map(queues.map((q) => [q.arn, q]));
  return h(
    'table',
    { class: 'queues' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Queue', 'Messages', 'In flight', 'Delayed', 'Dead-letter queue'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      queues.map((q) =>
        h(
          'tr',
          { 'data-queue': q.name },
          h('td', {}, q.name, deadArns.has(q.arn) ? h('span', { class: 'pill' }, 'DLQ') : null),
          h('td', {}, String(q.depth)),
          h('td', {}, String(q.inFlight)),
          h('td', {}, String(q.delayed)),
          h(
            'td',
            {},
            q.deadLetterArn
              ? `${byArn.get(q.deadLetterArn)?.name ?? q.deadLetterArn} (${byArn.get(q.deadLetterArn)?.depth ?? '?'}) after ${q.maxReceiveCount ?? '?'} receives`
              : '-',
          ),
        ),
      ),
    ),
  );
}

/** Failed, timed-out and aborted executions, newest first; a Standard one can be redriven (an Express one cannot). */
export function failedExecutionsTable(failed: readonly FailedExecution[], onRedrive: (executionArn: string) => void): HTMLElement {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Flow', 'Execution', 'Status', 'Failed', 'Age', ''].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      failed.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, flowLabel(e.flow)),
          h('td', {}, h('a', { href: executionHref(e.executionArn) }, e.name)),
          h('td', {}, h('span', { class: `pill status-${e.status.toLowerCase()}` }, e.status)),
          h('td', {}, time(e.stopDate)),
          h('td', {}, e.stopDate ? duration(Date.now() - e.stopDate.getTime()) : '-'),
          h('td', {}, e.express ? '' : h('button', { type: 'button', onclick: () => onRedrive(e.executionArn) }, 'Redrive')),
        ),
      ),
    ),
  );
}
