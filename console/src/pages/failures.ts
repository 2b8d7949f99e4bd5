import {
  destinationOf,
  type MessageOutcome,
  outcomeCounts,
  outcomeLine,
  redriveMessages,
  redriveSummary,
} from '../../../clients/message-redrive.js';
import {
  type RedrivenState,
  redrivenCopies,
  redrivenEnded,
  redrivenFollower,
  redrivenSummary,
} from '../../../clients/redriven-messages.js';
import { actionLine, followExecution, followUntil } from '../actions.js';
import { call, toDate } from '../aws.js';
import { h, message, replace } from '../dom.js';
import { errorView } from '../error-view.js';
import { discardedBatches, retryingMessages, scheduleFailures, subscribe } from '../feed.js';
import { consoleRedrivenReads, signedRedriveQueue } from '../redrive.js';
import { coalescedReload } from '../refresh.js';
import { executionHref } from '../routes.js';
import { failedExecutions, listQueues, peek, type QueueInfo, ruleTargetDeadLetterQueues } from './failures-data.js';
import { deadLetterGroups } from './failures-order.js';
import {
  deadLetterQueue,
  discardedTable,
  emptyDeadLetterQueues,
  failedExecutionsTable,
  NOT_REDRIVABLE,
  queuesTable,
  retryingTable,
  scheduleFailuresTable,
} from './failures-view.js';

/**
 * How often the records being retried and the stream records skipped are read again: neither
 * a consumer's failure nor a skipped batch reaches the live feed, and the time to each
 * record's next delivery moves on.
 */
const RETRYING_REFRESH_MS = 3000;

/** The page's redrive buttons. */
interface Redrives {
  /** A dead-letter queue, with the queues whose redrive policy names it. */
  queue(queue: QueueInfo, sources: readonly QueueInfo[]): void;
  execution(executionArn: string): void;
}

/**
 * Everything that failed, with its reason and age: queues and their dead-letter queues
 * (depth, the messages' reasons), failed executions; redrive for both.
 */
export function failuresPage(root: HTMLElement): () => void {
  const queuesBox = h('section', {}, h('p', { class: 'muted' }, 'Loading queues…'));
  const deadBox = h('section', {});
  const retryingBox = h('section', {});
  const discardedBox = h('section', {});
  const schedulesBox = h('section', {});
  const executionsBox = h('section', {});
  const status = h('div', { class: 'flash', role: 'status', 'aria-live': 'polite' });
  replace(root, h('h1', {}, 'Failures and queues'), status, deadBox, retryingBox, schedulesBox, discardedBox, executionsBox, queuesBox);
  let stopped = false;
  const isStopped = () => stopped;

  const redrive: Redrives = {
    queue: (queue, sources) => void redriveQueue(queue, sources, status, load, isStopped),
    execution: (executionArn) => void redriveExecution(executionArn, status, load, isStopped),
  };
  const load = async () => {
    // A redrive's delayed reload can fire after the page was left: it reads nothing then.
    if (stopped) return;
    if (await drawQueues(deadBox, queuesBox, redrive, isStopped)) return;
    await drawRetrying(retryingBox, isStopped);
    await drawDiscarded(discardedBox, isStopped);
    await drawSchedules(schedulesBox, isStopped);
    await drawFailedExecutions(executionsBox, redrive, isStopped);
  };

  void load();
  const retryingTimer = setInterval(() => {
    void drawRetrying(retryingBox, isStopped);
    void drawDiscarded(discardedBox, isStopped);
    void drawSchedules(schedulesBox, isStopped);
  }, RETRYING_REFRESH_MS);
  const reload = coalescedReload(500, () => void load());
  const unsubscribe = subscribe((m) => {
    if (m.kind !== 'dead-letter' && !(m.kind === 'execution' && m.status !== 'RUNNING')) return;
    reload.ask();
  });
  return () => {
    stopped = true;
    clearInterval(retryingTimer);
    unsubscribe();
    reload.cancel();
  };
}

/**
 * The dead-letter queues (of queues and of rule targets) with their messages, and every
 * queue's counts. True when the page stopped while they were read: nothing more is read then.
 */
async function drawQueues(deadBox: HTMLElement, queuesBox: HTMLElement, redrive: Redrives, stopped: () => boolean): Promise<boolean> {
  try {
    const [queues, ruleDeadLetters] = await Promise.all([
      listQueues(),
      ruleTargetDeadLetterQueues().catch(() => new Map<string, string[]>()),
    ]);
    const deadArns = new Set([...queues.flatMap((q) => (q.deadLetterArn ? [q.deadLetterArn] : [])), ...ruleDeadLetters.keys()]);
    const sourcesOf = (arn: string) => [
      ...queues.filter((q) => q.deadLetterArn === arn).map((q) => q.name),
      ...(ruleDeadLetters.get(arn) ?? []),
    ];
    const dead = queues.filter((q) => deadArns.has(q.arn));
    const { holding, empty } = deadLetterGroups(dead);
    const peeks = await Promise.all(holding.map((q) => (q.depth > 0 ? peek(q.url) : Promise.resolve([]))));
    if (stopped()) return true;
    // A reload (a message dead-lettered, a redrive) keeps the empty queues' line as the operator left it.
    const emptyOpen = deadBox.querySelector<HTMLDetailsElement>('details.dlq-empty')?.open ?? false;
    replace(
      deadBox,
      h('h2', {}, 'Dead-letter queues'),
      dead.length === 0 ? h('p', { class: 'muted' }, 'No queue has a dead-letter queue.') : null,
      dead.length > 0 && holding.length === 0
        ? h('p', { class: 'muted' }, `No messages in any of the ${dead.length} dead-letter queues.`)
        : null,
      holding.map((q, i) =>
        deadLetterQueue(
          q,
          sourcesOf(q.arn),
          peeks[i] ?? [],
          queues.some((s) => s.deadLetterArn === q.arn),
          (dlq) =>
            redrive.queue(
              dlq,
              queues.filter((s) => s.deadLetterArn === dlq.arn),
            ),
        ),
      ),
      empty.length > 0 ? emptyDeadLetterQueues(empty, sourcesOf, emptyOpen) : null,
    );
    replace(queuesBox, h('h2', {}, 'Queues'), queuesTable(queues, deadArns));
  } catch (error) {
    if (!stopped()) replace(queuesBox, h('p', { class: 'error' }, message(error)));
  }
  return false;
}

/** The records consumers failed that their queues deliver again (the local runtime's read API). */
async function drawRetrying(box: HTMLElement, stopped: () => boolean): Promise<void> {
  try {
    const messages = await retryingMessages();
    if (stopped()) return;
    replace(
      box,
      h('h2', {}, 'Being retried'),
      messages.length === 0
        ? h('p', { class: 'muted' }, 'No record is being retried: no consumer has failed one that is still in its queue.')
        : [
            h(
              'p',
              { class: 'muted small' },
              'Records a consumer failed: SQS delivers each again after its visibility timeout, and moves it to the dead-letter queue after maxReceiveCount receives.',
            ),
            retryingTable(messages, Date.now()),
          ],
    );
  } catch (error) {
    if (!stopped()) replace(box, h('h2', {}, 'Being retried'), h('p', { class: 'error' }, message(error)));
  }
}

/** The stream records mappings and pipes gave up on with no on-failure destination (the local runtime's read API). */
async function drawDiscarded(box: HTMLElement, stopped: () => boolean): Promise<void> {
  const title = 'Skipped stream records';
  try {
    const batches = await discardedBatches();
    if (stopped()) return;
    replace(
      box,
      h('h2', {}, title),
      batches.length === 0
        ? h(
            'p',
            { class: 'muted' },
            'No stream record was skipped: no event source mapping or pipe gave up on a batch without an on-failure destination.',
          )
        : [
            h(
              'p',
              { class: 'muted small' },
              'Batches of Kinesis or DynamoDB stream records an event source mapping or pipe gave up on (MaximumRetryAttempts, MaximumRecordAgeInSeconds) with no on-failure destination: the stream has moved past them, as on AWS, where only the metrics say so.',
            ),
            discardedTable(batches, Date.now()),
          ],
    );
  } catch (error) {
    if (!stopped()) replace(box, h('h2', {}, title), h('p', { class: 'error' }, message(error)));
  }
}

/** The schedules whose last firing failed (the local runtime's read API), as `switchyard failures` lists them. */
async function drawSchedules(box: HTMLElement, stopped: () => boolean): Promise<void> {
  const title = 'Failed schedule firings';
  try {
    const failures = await scheduleFailures();
    if (stopped()) return;
    replace(
      box,
      h('h2', {}, title),
      failures.length === 0
        ? h('p', { class: 'muted' }, 'No schedule firing failed: every EventBridge Scheduler target accepted its last firing.')
        : [
            h(
              'p',
              { class: 'muted small' },
              "Schedules whose target refused their last firing: Scheduler retries it under the target's RetryPolicy, then sends it to the dead-letter queue or drops it. Listed until a later firing succeeds.",
            ),
            scheduleFailuresTable(failures, Date.now()),
          ],
    );
  } catch (error) {
    if (!stopped()) replace(box, h('h2', {}, title), h('p', { class: 'error' }, message(error)));
  }
}

/** Failed executions of every flow, each Standard one with a Redrive button. */
async function drawFailedExecutions(executionsBox: HTMLElement, redrive: Redrives, stopped: () => boolean): Promise<void> {
  try {
    const failed = await failedExecutions();
    if (stopped()) return;
    replace(
      executionsBox,
      h('h2', {}, 'Failed executions'),
      failed.length === 0 ? h('p', { class: 'muted' }, 'No failed executions.') : failedExecutionsTable(failed, redrive.execution),
    );
  } catch (error) {
    if (!stopped()) replace(executionsBox, h('p', { class: 'error' }, message(error)));
  }
}

/**
 * Moves a dead-letter queue's messages back one at a time, as `switchyard redrive` does, with
 * the same mechanism (clients/message-redrive.ts): each to the source queue SQS names on it,
 * else to the queue's one source (the consumer kit sends its dead letters straight to the
 * dead-letter queue, so SQS names none on them); a message whose event breaks its contract is
 * left where it is, since sent back unchanged it would fail again at once. The line counts
 * what moved, was left and failed, and names each message not moved and why; then it follows
 * the moved messages to their consumers' end (working until then; clients/redriven-messages.ts,
 * which `switchyard redrive` follows them with too): red when any failed to move, with AWS's
 * reason, or failed again, with its consumer's, or waits in a queue nothing reads or whose
 * consumers are paused (nothing handled it); green once all were handled.
 */
async function redriveQueue(
  queue: QueueInfo,
  sources: readonly QueueInfo[],
  status: HTMLElement,
  reload: () => Promise<void>,
  stopped: () => boolean,
): Promise<void> {
  const line = actionLine();
  status.prepend(line.element);
  const known = sources.map((s) => ({ name: s.name, url: s.url, arn: s.arn }));
  const single = known.length === 1 ? known[0] : undefined;
  const to = single?.name ?? `their source queues (${known.map((s) => s.name).join(', ')})`;
  const outcomes: MessageOutcome[] = [];
  line.show('working', `Redriving ${queue.name} to ${to}…`);
  try {
    await redriveMessages(signedRedriveQueue(queue), {
      destinationFor: (m) => destinationOf(m, known, single),
      onOutcome: (outcome) => {
        outcomes.push(outcome);
        line.show('working', `Redriving ${queue.name} to ${to}: ${redriveSummary(outcomes)}…`);
      },
    });
  } catch (error) {
    line.show(
      'failed',
      `Redrive of ${queue.name} failed: ${message(error)}`,
      outcomes.length > 0 ? ` (${redriveSummary(outcomes)} before)` : '',
      '.',
    );
    await reload();
    return;
  }
  const { leftInvalid, failed } = outcomeCounts(outcomes);
  const notMoved = outcomes.filter((o) => o.kind !== 'moved').map((o) => ` ${capitalized(outcomeLine(o, queue.name))}.`);
  const said = [`Redrove ${queue.name} to ${to}: ${redriveSummary(outcomes)}.`, notMoved, leftInvalid > 0 ? ` ${NOT_REDRIVABLE}` : ''];
  void reload();
  try {
    // A message that did not move has failed already: the line stays red while the others are followed.
    const following = failed > 0 ? 'failed' : 'working';
    const copies = redrivenCopies(outcomes);
    const ends =
      copies.length === 0
        ? new Map<string, RedrivenState>()
        : await followUntil(
            redrivenFollower(consoleRedrivenReads, copies),
            (states) => [...states.values()].every(redrivenEnded),
            stopped,
            (states) => line.show(following, ...said, ` Following them: ${redrivenSummary(states)}…`),
          );
    if (ends === undefined) return;
    const again = [...ends].flatMap(([id, s]) =>
      s.kind === 'failed-again' ? [` ${id} failed again and is back in ${s.queue}: ${s.reason}.`] : [],
    );
    // Green only once every message was handled: one waiting where nothing reads is work not done.
    const outcome = failed > 0 || [...ends.values()].some((s) => s.kind !== 'handled') ? 'failed' : 'ok';
    line.show(outcome, ...said, ends.size > 0 ? ` Then: ${redrivenSummary(ends)}.` : '', again);
  } catch (error) {
    line.show('failed', ...said, ` Following them failed: ${message(error)}.`);
  }
  await reload();
}

/**
 * Redrives a failed Standard execution from where it failed and follows it to its end
 * (DescribeExecution): running until then, green if it succeeds, red with its error if not.
 */
async function redriveExecution(
  executionArn: string,
  status: HTMLElement,
  reload: () => Promise<void>,
  stopped: () => boolean,
): Promise<void> {
  const line = actionLine();
  status.prepend(line.element);
  const name = executionArn.split(':').at(-1) ?? executionArn;
  const link = h('a', { href: executionHref(executionArn) }, name);
  try {
    const { redriveDate } = await call<{ redriveDate?: unknown }>('sfn', 'RedriveExecution', { executionArn });
    line.show('working', 'Redriving ', link, ': running again from where it failed…');
    void reload();
    const end = await followExecution(executionArn, toDate(redriveDate), stopped);
    if (end === undefined) return;
    if (end.status === 'SUCCEEDED') line.show('ok', 'Redriven ', link, ': SUCCEEDED.');
    else
      line.show(
        'failed',
        'Redriven ',
        link,
        `: ${end.status} again`,
        end.error === undefined && end.cause === undefined ? '.' : [': ', errorView(end.error, end.cause)],
      );
  } catch (error) {
    line.show('failed', `Redrive of ${name} failed: ${message(error)}`);
  }
  await reload();
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
