import { breaksContract } from '../../../clients/dead-letter-reasons.js';
import type { DiscardedBatch, RetryingMessage, ScheduleFailure } from '../../../clients/read-api-contract.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../../contracts/wiring.js';
import { toDate } from '../aws.js';
import { duration, h, time } from '../dom.js';
import { errorView } from '../error-view.js';
import { flowLabel } from '../names.js';
import { executionHref } from '../routes.js';
import type { FailedExecution, Message, QueueInfo } from './failures-data.js';

/** What to do with a dead letter whose event breaks its contract, which a redrive leaves where it is. */
export const NOT_REDRIVABLE =
  'A redrive would send an event back unchanged, and one that breaks its contract would fail again. Fix the event where it is produced and send it again (or fix the contract, if it is the contract that is wrong).';

/**
 * A dead-letter queue: its depth, the queues and rule targets that feed it, its messages with
 * their reasons. Redrive is offered when it can help: not when every message in the queue
 * broke its contract (a redrive would only send them to fail again).
 */
export function deadLetterQueue(
  q: QueueInfo,
  sources: string[],
  messages: readonly Message[],
  redrivable: boolean,
  onRedrive: (queue: QueueInfo) => void,
): HTMLElement {
  const invalid = messages.filter(breaksContract).length;
  // Only what was read is known: a queue holding more than was shown may hold others.
  const allInvalid = invalid > 0 && invalid === messages.length && q.depth <= messages.length;
  return h(
    'article',
    { class: 'dlq', 'data-queue': q.name, 'data-depth': q.depth },
    h(
      'h3',
      {},
      `${q.name} · ${q.depth} message${q.depth === 1 ? '' : 's'}`,
      sources.length ? h('span', { class: 'muted' }, ` from ${sources.join(', ')}`) : null,
      ' ',
      // A redrive moves each message back to the queue that dead-lettered it; a rule target's DLQ has none.
      q.depth > 0 && redrivable && !allInvalid ? h('button', { type: 'button', onclick: () => onRedrive(q) }, 'Redrive to source') : null,
      q.depth > 0 && !redrivable
        ? h('span', { class: 'muted small' }, ' (a rule target’s dead-letter queue: its events can be sent again with PutEvents)')
        : null,
    ),
    invalid > 0 && redrivable
      ? h(
          'p',
          { class: 'not-redrivable', 'data-testid': 'not-redrivable' },
          allInvalid
            ? `Not offered for redrive: ${invalid === 1 ? 'its message breaks its event’s contract' : `its ${invalid} messages break their events’ contracts`}. `
            : `${invalid === 1 ? '1 of these messages breaks its event’s contract' : `${invalid} of these messages break their events’ contracts`}: Redrive to source leaves ${invalid === 1 ? 'it' : 'them'} here. `,
          NOT_REDRIVABLE,
        )
      : null,
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

/**
 * A dead-lettered message: its age, the reason its consumer recorded, the function, how many
 * times it was received before it was dead-lettered (the consumer's record of it, else SQS's
 * count, which a move to the dead-letter queue keeps), the start of its body.
 */
function messageRow(m: Message): HTMLElement {
  const attr = (name: string) => m.MessageAttributes?.[name]?.StringValue;
  const sent = toDate(Number(m.Attributes?.SentTimestamp ?? 0) / 1000);
  const name = attr(DEAD_LETTER_ATTRIBUTES.errorName);
  const reason = name ? `${name}: ${attr(DEAD_LETTER_ATTRIBUTES.errorMessage) ?? ''}` : 'no reason recorded (moved after maxReceiveCount)';
  return h(
    'tr',
    { class: breaksContract(m) ? 'breaks-contract' : '' },
    h('td', {}, sent ? duration(Date.now() - sent.getTime()) : '-'),
    h('td', { class: 'reason' }, reason),
    h('td', {}, attr(DEAD_LETTER_ATTRIBUTES.functionName) ?? '-'),
    h('td', { class: 'receives' }, attr(DEAD_LETTER_ATTRIBUTES.receiveCount) ?? m.Attributes?.ApproximateReceiveCount ?? '-'),
    h('td', { class: 'small' }, (m.Body ?? '').slice(0, 160)),
  );
}

/** An execution's error and cause: short (a Lambda error's message, not its whole JSON), its function's frames a click away. */
function failureReason(e: FailedExecution): HTMLElement | string {
  if (e.error !== undefined || e.cause !== undefined) return errorView(e.error, e.cause);
  return e.failState === undefined ? '-' : `in its Fail state "${e.failState}", which gives no error or cause`;
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
        ['Flow', 'Key', 'Execution', 'Status', 'Reason', 'Failed', 'Age', ''].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      failed.map((e) =>
        h(
          'tr',
          { 'data-execution': e.executionArn },
          h('td', {}, flowLabel(e.flow)),
          h('td', { class: 'subject' }, e.subject ?? '-'),
          h('td', { class: 'name' }, h('a', { href: executionHref(e.executionArn) }, e.name)),
          h('td', {}, h('span', { class: `pill status-${e.status.toLowerCase()}` }, e.status)),
          h('td', { class: 'reason' }, failureReason(e)),
          h('td', {}, time(e.stopDate)),
          h('td', {}, e.stopDate ? duration(Date.now() - e.stopDate.getTime()) : '-'),
          h('td', {}, e.express ? '' : h('button', { type: 'button', onclick: () => onRedrive(e.executionArn) }, 'Redrive')),
        ),
      ),
    ),
  );
}

/**
 * The records consumers failed that SQS will deliver again: they fail now, and reach the
 * dead-letter queue only after maxReceiveCount receives, minutes later. Latest failure first.
 */
export function retryingTable(messages: readonly RetryingMessage[], now: number): HTMLElement {
  const queueName = (arn: string) => arn.split(':').at(-1) ?? arn;
  return h(
    'table',
    { class: 'retrying' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Queue', 'Function', 'Reason', 'Receives', 'Delivered again', 'Failed', 'Message'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      messages.map((m) => {
        const next = Date.parse(m.nextReceiveAt) - now;
        return h(
          'tr',
          { 'data-message': m.messageId },
          h('td', {}, queueName(m.queueArn)),
          h('td', {}, m.functionName),
          h('td', { class: 'reason' }, m.reason),
          // Past maxReceiveCount receives, SQS moves it to the dead-letter queue instead of delivering it.
          h('td', { class: 'receives' }, m.maxReceiveCount ? `${m.receiveCount} of ${m.maxReceiveCount}` : String(m.receiveCount)),
          h('td', { class: 'next' }, next > 1000 ? `in ${duration(next)}` : 'now'),
          h('td', {}, duration(now - Date.parse(m.failedAt))),
          h('td', { class: 'small' }, m.messageId),
        );
      }),
    ),
  );
}

/**
 * The batches of stream records a mapping or pipe gave up on with no on-failure destination:
 * skipped (AWS says so only in its metrics). Latest first.
 */
export function discardedTable(batches: readonly DiscardedBatch[], now: number): HTMLElement {
  return h(
    'table',
    { class: 'discarded' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Stream', 'Consumer', 'Records', 'Reason', 'Given up', 'Shard', 'Sequence numbers'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      batches.map((b) =>
        h(
          'tr',
          { 'data-shard': b.shardId, 'data-start': b.startSequenceNumber },
          h('td', {}, b.source),
          h('td', {}, b.functionName ?? `pipe ${b.consumer}`),
          h('td', { class: 'records' }, String(b.batchSize)),
          h(
            'td',
            { class: 'reason' },
            `${b.condition} (${b.limit}) after ${b.attempts} attempt${b.attempts === 1 ? '' : 's'}: ${b.reason}`,
          ),
          h('td', {}, duration(now - Date.parse(b.discardedAt))),
          h('td', { class: 'small' }, b.shardId),
          h('td', { class: 'small' }, `${b.startSequenceNumber} to ${b.endSequenceNumber}`),
        ),
      ),
    ),
  );
}

/**
 * The schedules whose last firing failed: the target refused the call, Scheduler retries it
 * under its RetryPolicy, then sends it to its dead-letter queue or drops it. Latest first.
 */
export function scheduleFailuresTable(failures: readonly ScheduleFailure[], now: number): HTMLElement {
  const then = (f: ScheduleFailure) => {
    if (f.fate === 'retrying') {
      const next = Date.parse(f.nextAttemptAt ?? '') - now;
      return `retried ${next > 1000 ? `in ${duration(next)}` : 'now'}`;
    }
    return f.fate === 'dead-lettered' ? `sent to ${f.deadLetterQueueArn?.split(':').at(-1) ?? '?'}` : 'dropped (no dead-letter queue)';
  };
  return h(
    'table',
    { class: 'schedule-failures' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Schedule', 'Firing', 'Target', 'Error', 'Attempts', 'Then', 'Failed'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      failures.map((f) =>
        h(
          'tr',
          { 'data-schedule': f.scheduleArn },
          h('td', {}, f.schedule),
          h('td', { class: 'small' }, f.scheduledTime),
          h('td', { class: 'small' }, f.targetArn.split(':').slice(5).join(':')),
          h('td', { class: 'reason' }, `${f.errorCode}: ${f.errorMessage}`),
          h('td', { class: 'attempts' }, `${f.attempts}${f.exhaustedRetryCondition ? ` (${f.exhaustedRetryCondition})` : ''}`),
          h('td', { class: 'next' }, then(f)),
          h('td', {}, duration(now - Date.parse(f.failedAt))),
        ),
      ),
    ),
  );
}
