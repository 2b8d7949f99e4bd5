import type { Message } from '@aws-sdk/client-sqs';
import { NoSuchName } from '../../clients/assembly/app-names.js';
import { executionSubject } from '../../clients/execution-subject.js';
import { duration, table, time, truncate } from '../../clients/format.js';
import { causeMessage } from '../../clients/history-reader.js';
import type {
  DiscardedBatch,
  DiscardedBatchesPage,
  IamReport,
  RetryingMessagesPage,
  ScheduleFailure,
  ScheduleFailuresPage,
} from '../../clients/read-api-contract.js';
import { READ_API_PATHS } from '../../clients/read-api-contract.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../contracts/wiring.js';
import { describeSource, failureSources, selectSources } from '../../inspect/app-failures.js';
import type { Clients } from '../../inspect/aws.js';
import { type DeadLetter, explain, PEEK_VISIBILITY_SECONDS, peekMessages, queueDepth } from '../../inspect/dead-letter-messages.js';
import type { DeadLetterQueue } from '../../inspect/dead-letters.js';
import { durableFunctions, durableFunctionsNamed } from '../../inspect/durable.js';
import { noExpressRecord } from '../../inspect/express.js';
import { type FailedExecution, failedDurableExecutions, failedExecutions } from '../../inspect/failed-executions.js';
import { getReadApi } from '../../inspect/read-api.js';
import { GLOBAL_HELP, integerOption, parseCommand } from '../args.js';
import { timeOption } from '../times.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard failures [--since <30m|2h|7d|ISO time>] [--source <name>] [--limit <n>]

Everything of the app that failed, newest first, each with its source, reason and age:

  - the messages in its dead-letter queues: each queue some queue's RedrivePolicy names,
    each rule target's DeadLetterConfig, each function's async DLQ or on-failure
    destination (from the template). Depth with GetQueueAttributes; the messages are read
    without being taken away: from a local runtime through its read API, which does not
    receive them (their receive counts stay as they are); from AWS with ReceiveMessage with
    a ${PEEK_VISIBILITY_SECONDS} s visibility timeout, then ChangeMessageVisibility 0 at once (each
    read counts as a receive, as in the SQS console). The reason comes from the consumer kit's
    Switchyard.* attributes, EventBridge's ERROR_CODE/ERROR_MESSAGE/RULE_ARN/TARGET_ARN,
    Lambda's ErrorCode/ErrorMessage, or SQS's DeadLetterQueueSourceArn (a message received
    maxReceiveCount times and never deleted). Copies of one message (dead-lettered again
    after a crash: at least once) are one row, "message (N copies)", with the reason of the
    copy that has one: a consumer's copy names the message in ${DEAD_LETTER_ATTRIBUTES.originalMessageId},
    and the copy SQS moved is that message, with its id.
  - failed, timed-out and aborted executions of its flows with their error and cause:
    Standard with ListExecutions and DescribeExecution, Express from their log group.
  - on a local runtime, the requests its IAM check refused (--iam enforce) or AWS would
    refuse (--iam warn, the default of switchyard dev): one row per principal, action and
    resource, with AWS's message and the grant that would fix it (switchyard iam has more).
  - failed, timed-out and stopped executions of its Lambda durable functions with their
    error: ListDurableExecutionsByFunction and GetDurableExecution (switchyard durable
    <name> shows one's operations).
  - on a local runtime, the records a consumer failed that SQS delivers again (kind
    retrying): they fail now, and reach the dead-letter queue only after the queue's
    maxReceiveCount receives; each with the function's error and when it is tried again.
  - on a local runtime, the batches of stream records a Lambda event source mapping (or a
    pipe) of a Kinesis or DynamoDB stream gave up on (MaximumRetryAttempts,
    MaximumRecordAgeInSeconds) with no on-failure destination (kind discarded): skipped, as
    AWS skips them; each with its function, stream, shard, sequence numbers, record count,
    the function's last error and the limit hit. Kept in the data folder across restarts.
  - on a local runtime, the EventBridge Scheduler schedules whose last firing failed (kind
    schedule): the target refused the call, with AWS's error, the attempts so far and what
    follows: the next retry under the target's RetryPolicy, or that the firing went to its
    dead-letter queue or was dropped (none). Listed until a later firing succeeds.

  --since <when>      only what failed since then: 30m, 2h, 7d (ago) or an ISO-8601 time
  --source <name>     one dead-letter queue, flow or durable function, by the name listed (or queue name, URL, ARN);
                      on a local runtime also a stream, function, mapping or pipe that skipped stream records,
                      or a schedule (name, group/name or ARN)
  --limit <n>         at most n messages read per queue and n executions (default 50, at most 1,000)

Redrive with switchyard redrive <source> [--ids <id,...>] once the cause is fixed.

${GLOBAL_HELP}`;

export interface FailureRow {
  readonly kind: 'message' | 'execution' | 'permission' | 'retrying' | 'discarded' | 'schedule';
  readonly source: string;
  readonly id: string;
  readonly failedAt?: Date;
  readonly error: string;
  readonly reason: string;
  readonly what?: string;
  /** A message's copies in its dead-letter queue (more than 1: dead-lettered again, a repeat). */
  readonly copies?: number;
  /** Every copy's message id, when there are several (redrive --ids takes them). */
  readonly messageIds?: readonly string[];
}

/** A dead-letter with the id of the message it is a copy of (its own id when it names none). */
type Letter = DeadLetter & { readonly originalMessageId: string };

export const failures: Command = async (argv, io) => {
  const { values } = parseCommand(argv, { since: { type: 'string' }, source: { type: 'string' }, limit: { type: 'string' } }, false);
  if (values.help) return io.out(HELP);
  const since = values.since === undefined ? undefined : timeOption('since', values.since);
  const limit = integerOption('limit', values.limit, 50, 1, 1000);
  const clients = io.clients(values);
  const local = clients.target.kind === 'local' ? clients.target : undefined;
  const [sources, durable, discarded, schedules] = await Promise.all([
    failureSources(clients, values['cdk-out'], io.err),
    durableFunctions(clients, values['cdk-out']),
    local && discardedBatches(local, { source: values.source, since, limit }),
    local && scheduleFailures(local, values.source),
  ]);
  const namedDurable = values.source === undefined ? [] : durableFunctionsNamed(durable, values.source, '--source');
  // A durable function named by --source is the only source; the queues and flows know nothing of it.
  const selected =
    namedDurable.length > 0
      ? { queues: [], flows: [] }
      : selectSourcesOrStreams(sources, values.source, discarded && [...discarded, ...(schedules ?? [])], since);
  const durableSources = values.source === undefined ? durable : namedDurable;

  // Each source is read on its own, so they are read at once: a command's wall time is its slowest read, not their sum.
  const [queues, { executions: flowExecutions, unlogged }, durableExecutions, denials, retrying] = await Promise.all([
    Promise.all(selected.queues.map((queue) => queueLetters(clients, queue, limit))),
    failedExecutions(clients, selected.flows, { since, limit }),
    failedDurableExecutions(clients, durableSources, { since, limit }),
    values.source === undefined && local ? permissionRows(local) : [],
    local ? retryingRows(local, values.source) : [],
  ]);
  const executions = [...flowExecutions, ...durableExecutions];
  for (const flow of unlogged) io.err(`(${noExpressRecord(flow)})`);

  const recent = (at: Date | undefined) => since === undefined || (at?.getTime() ?? 0) >= since.getTime();
  const rows: FailureRow[] = [
    ...queues.flatMap(({ queue, letters }) => copiesOf(letters.filter((l) => recent(l.failedAt))).map((c) => messageRow(queue, c))),
    ...executions.map(executionRow),
    ...denials.filter((r) => recent(r.failedAt)),
    ...retrying.filter((r) => recent(r.failedAt)),
    ...(discarded ?? []).map(discardedRow),
    ...(schedules ?? []).map(scheduleRow).filter((r) => recent(r.failedAt)),
  ].sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0));
  const now = Date.now();

  if (values.json) {
    io.out(JSON.stringify(failuresDocument({ queues, rows, executions, unlogged, now }), null, 2));
    return;
  }
  if (queues.length > 0) {
    io.out(
      table(
        ['DEAD-LETTER QUEUE', 'MESSAGES', 'OLDEST', 'FED BY'],
        queues.map(({ queue, visible, inFlight, letters }) => [
          queue.name,
          `${visible}${inFlight ? ` (+${inFlight} in flight)` : ''}`,
          letters.length ? duration(now - oldest(letters, now)) : '-',
          queue.sources.map(describeSource).join('; '),
        ]),
      ),
    );
    io.out('');
  }
  if (rows.length === 0) return io.out(nothingFailed(queues, since));
  io.out(
    table(
      ['AGE', 'SOURCE', 'KIND', 'ID', 'WHAT', 'REASON'],
      rows.map((r) => [
        r.failedAt ? duration(now - r.failedAt.getTime()) : '-',
        r.source,
        r.copies && r.copies > 1 ? `${r.kind} (${r.copies} copies)` : r.kind,
        r.id,
        r.what ?? '-',
        truncate(r.reason, 240),
      ]),
    ),
  );
};

/** What is said when no failure is listed: nothing failed, or only dead-letters in flight (a consumer received them) are not readable. */
function nothingFailed(queues: readonly QueueLetters[], since: Date | undefined): string {
  // A dead-letter a consumer has received is not readable until its visibility timeout ends: it failed all the same.
  const inFlight = queues.filter((q) => q.inFlight > 0).map((q) => `${q.inFlight} in ${q.queue.name}`);
  return inFlight.length === 0
    ? `nothing failed${since ? ` since ${time(since)}` : ''}`
    : `no failure to show${since ? ` since ${time(since)}` : ''}, but dead-lettered messages are in flight (${inFlight.join(', ')}): a consumer received them, and they show again when their visibility timeout ends`;
}

type QueueLetters = { queue: DeadLetterQueue; visible: number; inFlight: number; letters: Letter[] };

/** A dead-letter queue's depth and the letters in it (read without taking them away). */
async function queueLetters(clients: Clients, queue: DeadLetterQueue, limit: number): Promise<QueueLetters> {
  const depth = await queueDepth(clients, queue.url);
  const messages = depth.visible > 0 ? await peekMessages(clients, queue.url, limit, depth.visible) : [];
  const letters = messages.map((m) => ({ ...explain(m, queue), originalMessageId: originalMessageIdOf(m) }));
  return { queue, visible: depth.visible, inFlight: depth.inFlight, letters };
}

/** When the oldest of the letters failed (now for one whose time is unknown). */
function oldest(letters: readonly DeadLetter[], now: number): number {
  return Math.min(...letters.map((l) => l.failedAt?.getTime() ?? now));
}

/** What --json prints: the queues, the failures as the table lists them, and the messages and executions they come from. */
function failuresDocument(found: {
  queues: readonly QueueLetters[];
  rows: readonly FailureRow[];
  executions: Awaited<ReturnType<typeof failedExecutions>>['executions'];
  unlogged: readonly { flow: string }[];
  now: number;
}) {
  const { queues, rows, executions, unlogged, now } = found;
  return {
    queues: queues.map(({ queue, visible, inFlight, letters }) => ({
      source: queue.name,
      queueUrl: queue.url,
      messages: visible,
      inFlight,
      oldestAgeMs: letters.length ? now - oldest(letters, now) : undefined,
      fedBy: queue.sources.map(describeSource),
    })),
    failures: rows.map((r) => ({
      ...r,
      failedAt: r.failedAt?.toISOString(),
      ageMs: r.failedAt ? now - r.failedAt.getTime() : undefined,
    })),
    messages: queues.flatMap(({ queue, letters }) =>
      letters.map((l) => ({ source: queue.name, ...l, failedAt: l.failedAt?.toISOString() })),
    ),
    executions: executions.map((e) => ({ ...e, startDate: e.startDate?.toISOString(), stopDate: e.stopDate?.toISOString() })),
    unloggedFlows: unlogged.map((f) => f.flow),
  };
}

/**
 * The message a dead-letter is a copy of: the one the consumer kit's attribute names, else
 * its own id (SQS keeps a message's id when it moves it to the dead-letter queue, so SQS's
 * copy and a consumer's copy of one message agree).
 */
function originalMessageIdOf(message: Message): string {
  return message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.originalMessageId]?.StringValue ?? message.MessageId ?? '';
}

/** Who says most about why: the copy a consumer, EventBridge or Lambda sent wins over SQS's reasonless redrive. */
const REPORTER_RANK: Record<DeadLetter['reportedBy'], number> = { consumer: 0, eventbridge: 1, lambda: 2, 'sqs-redrive': 3, unknown: 4 };

/**
 * The letters grouped by the message they are copies of, in the order first seen: a message
 * dead-lettered twice (the runtime killed between a consumer's send to the dead-letter
 * queue and the source message's delete) is one failure, not two.
 */
function copiesOf(letters: readonly Letter[]): Letter[][] {
  const groups = new Map<string, Letter[]>();
  for (const letter of letters) {
    const group = groups.get(letter.originalMessageId);
    if (group) group.push(letter);
    else groups.set(letter.originalMessageId, [letter]);
  }
  return [...groups.values()];
}

function messageRow(queue: DeadLetterQueue, copies: readonly Letter[]): FailureRow {
  const time = (l: Letter) => l.failedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const letter = [...copies].sort((a, b) => REPORTER_RANK[a.reportedBy] - REPORTER_RANK[b.reportedBy] || time(a) - time(b))[0] as Letter;
  const first = Math.min(...copies.map(time));
  // A Custom Event Bus subscriber's record names its events by id only: no detail-type to show.
  const what = letter.event
    ? letter.event.detailType === undefined && letter.subscriber !== undefined
      ? letter.event.summary
      : `${letter.event.detailType ?? '?'} ${letter.event.summary ?? ''}`.trim()
    : undefined;
  return {
    kind: 'message',
    source: queue.name,
    id: letter.messageId,
    failedAt: Number.isFinite(first) ? new Date(first) : letter.failedAt,
    error: letter.errorName,
    reason: letter.reason,
    what,
    copies: copies.length,
    ...(copies.length > 1 ? { messageIds: copies.map((c) => c.messageId) } : {}),
  };
}

/**
 * The local runtime's IAM findings as failures: a refusal under enforce is why a message was
 * dead-lettered or a task failed; under warn it is what will fail once deployed.
 */
async function permissionRows(target: Parameters<typeof getReadApi>[0]): Promise<FailureRow[]> {
  const report = await getReadApi<IamReport>(target, READ_API_PATHS.iam);
  return report.findings.map((f) => ({
    kind: 'permission',
    source: f.principal,
    id: f.action,
    failedAt: new Date(f.lastAt),
    error: 'AccessDenied',
    reason: `${f.mode === 'enforce' ? 'refused' : 'AWS would refuse (ran locally)'}: ${f.message}. Fix: ${f.fix}`,
    what: `${f.resource} (${f.where}${f.count > 1 ? `, ${f.count}x` : ''})`,
  }));
}

/**
 * The records a consumer failed that SQS delivers again (local runtime only): they fail now
 * but reach a dead-letter queue only after maxReceiveCount receives, minutes later.
 */
async function retryingRows(target: Parameters<typeof getReadApi>[0], source: string | undefined): Promise<FailureRow[]> {
  const { messages } = await getReadApi<RetryingMessagesPage>(target, READ_API_PATHS.retryingMessages);
  const queueName = (arn: string) => arn.split(':').at(-1) ?? arn;
  return messages
    .filter((m) => source === undefined || [queueName(m.queueArn), m.queueUrl, m.queueArn, m.functionName].includes(source))
    .map((m) => {
      const receives = `received ${m.receiveCount}${m.maxReceiveCount ? ` of ${m.maxReceiveCount}` : ''} times`;
      const next = Date.parse(m.nextReceiveAt) - Date.now();
      return {
        kind: 'retrying',
        source: queueName(m.queueArn),
        id: m.messageId,
        failedAt: new Date(m.failedAt),
        error: m.reason.split(':')[0] ?? m.reason,
        reason: `${m.functionName} failed it: ${m.reason}; ${receives}, SQS delivers it again ${next > 1000 ? `in ${duration(next)}` : 'now'}`,
      };
    });
}

/**
 * The stream batches a mapping or pipe gave up on with no on-failure destination (local
 * runtime only): skipped, which AWS says only in its metrics. The newest `limit` since
 * `since`, of the stream, function, mapping or pipe `source` names (by name or ARN).
 */
async function discardedBatches(
  target: Parameters<typeof getReadApi>[0],
  filter: { source: string | undefined; since: Date | undefined; limit: number },
): Promise<DiscardedBatch[]> {
  const query = new URLSearchParams({
    limit: String(filter.limit),
    ...(filter.since ? { since: filter.since.toISOString() } : {}),
    // The runtime filters before it pages: the newest `limit` of this source, not of all sources.
    ...(filter.source === undefined ? {} : { source: filter.source }),
  });
  const { batches } = await getReadApi<DiscardedBatchesPage>(target, `${READ_API_PATHS.discardedBatches}?${query}`);
  return [...batches];
}

/**
 * The queues and flows --source names; none when it names only a stream or function of
 * discarded batches, or a schedule whose firing failed (they know nothing of it).
 */
function selectSourcesOrStreams(
  sources: Parameters<typeof selectSources>[0],
  source: string | undefined,
  /** The discarded batches and failed schedules --source named; undefined where none are read (not a local runtime). */
  discarded: readonly unknown[] | undefined,
  since: Date | undefined,
): ReturnType<typeof selectSources> {
  try {
    return selectSources(sources, source);
  } catch (error) {
    if (!(error instanceof NoSuchName)) throw error;
    if (discarded === undefined) throw error;
    if (discarded.length > 0) return { queues: [], flows: [] };
    // A stream is named only by its skipped batches: say none were found either, not just "no such queue or flow".
    const when = since === undefined ? '' : ` since ${since.toISOString()}`;
    throw new NoSuchName(
      `${error.message}; nor did a stream, function, mapping or pipe of that name skip stream records${when}, nor has a schedule of that name a failed firing`,
    );
  }
}

function discardedRow(b: DiscardedBatch): FailureRow {
  const who = b.functionName === undefined ? `pipe ${b.consumer}` : `function ${b.functionName}`;
  const tries = `${b.attempts} attempt${b.attempts === 1 ? '' : 's'}`;
  const nowhere = b.unsentDestination
    ? `its on-failure destination ${b.unsentDestination} is not sent to locally`
    : `no ${b.consumerKind === 'pipe' ? 'dead-letter queue' : 'on-failure destination'}`;
  return {
    kind: 'discarded',
    source: b.source,
    id: b.startSequenceNumber === b.endSequenceNumber ? b.startSequenceNumber : `${b.startSequenceNumber}-${b.endSequenceNumber}`,
    failedAt: new Date(b.discardedAt),
    error: b.condition,
    reason: `${who} gave up on them after ${tries} (${b.condition}, ${b.limit}): ${b.reason}; ${nowhere}: the records are skipped`,
    what: `${b.batchSize} record${b.batchSize === 1 ? '' : 's'} of ${b.shardId}`,
  };
}

/** The schedules whose last firing failed (local runtime only), of the schedule `source` names (name, group/name or ARN). */
async function scheduleFailures(target: Parameters<typeof getReadApi>[0], source: string | undefined): Promise<ScheduleFailure[]> {
  const query = source === undefined ? '' : `?${new URLSearchParams({ source })}`;
  const { failures } = await getReadApi<ScheduleFailuresPage>(target, `${READ_API_PATHS.scheduleFailures}${query}`);
  return [...failures];
}

function scheduleRow(f: ScheduleFailure): FailureRow {
  const tries = `${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
  const exhausted = f.exhaustedRetryCondition ? `, ${f.exhaustedRetryCondition} spent` : '';
  const next =
    f.fate === 'retrying'
      ? `retried under its RetryPolicy, next at ${f.nextAttemptAt ?? '?'}`
      : f.fate === 'dead-lettered'
        ? `sent to its dead-letter queue ${f.deadLetterQueueArn?.split(':').at(-1) ?? '?'}`
        : 'dropped: the schedule has no dead-letter queue';
  return {
    kind: 'schedule',
    source: f.schedule,
    id: f.scheduledTime,
    failedAt: new Date(f.failedAt),
    error: f.errorCode,
    reason: `${f.errorCode}: ${f.errorMessage}; ${tries}${exhausted}; ${next}`,
    what: `firing for ${f.scheduledTime} -> ${f.targetArn}`,
  };
}

function executionRow(e: FailedExecution): FailureRow {
  const redrive =
    e.type === 'EXPRESS'
      ? ' [Express: not redrivable]'
      : e.type === 'DURABLE'
        ? ' [durable: not redrivable, start it again]'
        : e.redriveStatus === 'NOT_REDRIVABLE'
          ? ` [not redrivable: ${e.redriveStatusReason ?? '?'}]`
          : '';
  const what = [executionSubject(e.input), e.redriveCount ? `redriven ${e.redriveCount}x` : undefined].filter((part) => part !== undefined);
  return {
    kind: 'execution',
    source: e.flow,
    id: e.name,
    failedAt: e.stopDate,
    error: e.error ?? e.status,
    reason: `${e.status}${e.error ? ` ${e.error}` : ''}${e.cause ? `: ${causeMessage(e.cause)}` : ''}${e.failState ? ` in its Fail state "${e.failState}", which gives no error or cause` : ''}${redrive}`,
    what: what.length > 0 ? what.join(', ') : undefined,
  };
}
