import type { MessageOutcome } from './message-redrive.js';
import type { QueueConsumer } from './queue-consumers.js';
import type { LineageNode } from './read-api-contract.js';
import type { RetryingMessage } from './retrying-messages.js';

/**
 * Where each message a redrive moved is now, from the local runtime's read API: the one answer
 * `switchyard redrive` and the console's "Redrive to source" both give, since moving a message
 * back is not the work the operator asked for, its consumer handling it is. Pure, so that the
 * browser runs it too: the reads come through a {@link RedrivenReads} the CLI fills with its
 * read API calls and the console with its own.
 */

/** What the read API says of redriven messages and the queues they went to. */
export interface RedrivenReads {
  /** The lineage node of a message by its id (`/lineage/<id>`): undefined while the read API has none. */
  message(id: string): Promise<LineageNode | undefined>;
  /** The records consumers failed that their queues will deliver again (`/retrying-messages`). */
  retrying(): Promise<readonly RetryingMessage[]>;
  /** What reads a queue now (`/queue-consumers`). */
  consumers(queueArn: string): Promise<readonly QueueConsumer[]>;
}

/** A message a redrive moved: the id its queue gave the copy, and that queue. */
export interface RedrivenMessage {
  readonly id: string;
  readonly queue: string;
  readonly queueArn: string;
}

/**
 * Where a redriven message is: not yet received; failed and to be delivered again (listed as
 * retrying, or not yet: its visibility timeout then brings it back); handled; dead-lettered
 * again; or waiting in a queue nothing reads, or whose readers are all paused (`failed` says
 * whether a consumer failed it before).
 */
export type RedrivenState =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'retrying'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'handled' }
  | { readonly kind: 'failed-again'; readonly reason: string; readonly queue: string }
  | { readonly kind: 'no-consumer'; readonly queue: string; readonly failed?: string }
  | { readonly kind: 'paused'; readonly queue: string; readonly consumers: readonly string[]; readonly failed?: string };

/**
 * Where each redriven message is. The lineage is read first: the runtime notes an invocation's
 * end and the records it failed in one step, so a record whose failing invocation the lineage
 * shows is already among those being retried. A queue's consumers are read only for a message
 * no end has come to, once a queue.
 */
export async function redrivenStates(reads: RedrivenReads, messages: readonly RedrivenMessage[]): Promise<Map<string, RedrivenState>> {
  const nodes = await Promise.all(messages.map((m) => reads.message(m.id)));
  const retrying = new Map((await reads.retrying()).map((m) => [m.messageId, m.reason]));
  const states = messages.map((m, i) => stateOf(nodes[i], retrying.get(m.id)));
  const open = [...new Set(messages.filter((_, i) => !redrivenEnded(states[i] ?? WAITING)).map((m) => m.queueArn))];
  const readers = new Map(await Promise.all(open.map(async (arn) => [arn, await reads.consumers(arn)] as const)));
  return new Map(messages.map((m, i) => [m.id, withConsumers(states[i] ?? WAITING, m.queue, readers.get(m.queueArn))]));
}

const WAITING: RedrivenState = { kind: 'waiting' };

/** A message's state from its lineage node and the reason it is being retried, if it is; its queue's readers not yet asked. */
export function stateOf(message: LineageNode | undefined, retryingReason: string | undefined): RedrivenState {
  if (message === undefined) return WAITING;
  const invocations = message.children.filter((c) => c.kind === 'invocation' && c.status !== 'running');
  const last = latest(invocations);
  const error = latest(invocations.filter((i) => i.status === 'failed'))?.reason;
  const dead = deadLetterOf(message);
  if (dead !== undefined) {
    // SQS's move says only how often it was received (maxReceiveCount): the consumer's last error says why.
    const reasons = [dead.reason, error].filter((r): r is string => r !== undefined && r !== '');
    const reason = reasons.length === 0 ? 'no reason given' : [...new Set(reasons)].join('; its consumer failed it with ');
    return { kind: 'failed-again', reason, queue: dead.attributes?.queue ?? 'its dead-letter queue' };
  }
  if (retryingReason !== undefined) return { kind: 'retrying', reason: retryingReason };
  if (last?.status === 'succeeded') return { kind: 'handled' };
  // A function that threw fails the record: SQS delivers it again once its visibility timeout
  // ends (the runtime lists it as retrying from then), or moves it to the dead-letter queue.
  if (last?.status === 'failed') return { kind: 'failed', reason: last.reason || 'no reason given' };
  return WAITING;
}

/**
 * A message not at an end, in a queue nothing reads or whose readers are all paused: it waits
 * there until one is resumed or added, so following it longer says nothing more.
 */
function withConsumers(state: RedrivenState, queue: string, consumers: readonly QueueConsumer[] | undefined): RedrivenState {
  if (consumers === undefined || redrivenEnded(state)) return state;
  const failed = state.kind === 'failed' || state.kind === 'retrying' ? { failed: state.reason } : {};
  if (consumers.length === 0) return { kind: 'no-consumer', queue, ...failed };
  if (consumers.every((c) => c.paused)) return { kind: 'paused', queue, consumers: consumers.map((c) => c.name), ...failed };
  return state;
}

function latest(nodes: readonly LineageNode[]): LineageNode | undefined {
  return nodes.reduce<LineageNode | undefined>((a, b) => (a === undefined || b.time >= a.time ? b : a), undefined);
}

/** The dead letter made of a message: under it (SQS moved it) or under an invocation of it (the consumer kit sent it). */
function deadLetterOf(message: LineageNode): LineageNode | undefined {
  for (const child of message.children) {
    if (child.kind === 'dead-letter') return child;
    if (child.kind !== 'invocation') continue;
    const dead = child.children.find((c) => c.kind === 'dead-letter');
    if (dead !== undefined) return dead;
  }
  return undefined;
}

/** Whether following a redriven message can tell more: not once it is handled, dead-lettered again, or waits where nothing reads. */
export function redrivenEnded(state: RedrivenState): boolean {
  return state.kind === 'handled' || state.kind === 'failed-again' || state.kind === 'no-consumer' || state.kind === 'paused';
}

/** The consumer's error when one failed the message since the redrive: the redrive did not cure what failed it. */
export function redrivenFailure(state: RedrivenState): string | undefined {
  switch (state.kind) {
    case 'retrying':
    case 'failed':
    case 'failed-again':
      return state.reason;
    case 'no-consumer':
    case 'paused':
      return state.failed;
    default:
      return undefined;
  }
}

/**
 * Reads the states of `messages` again at each call, asking only about those not at an end yet
 * (an end is final): what the console and the CLI poll while they follow a redrive.
 */
export function redrivenFollower(
  reads: RedrivenReads,
  messages: readonly RedrivenMessage[],
): () => Promise<ReadonlyMap<string, RedrivenState>> {
  const states = new Map<string, RedrivenState>();
  return async () => {
    const pending = messages.filter((m) => !redrivenEnded(states.get(m.id) ?? WAITING));
    for (const [id, state] of await redrivenStates(reads, pending)) states.set(id, state);
    return new Map(messages.map((m) => [m.id, states.get(m.id) ?? WAITING]));
  };
}

/**
 * One line of how the redriven messages are: `1 handled, 1 failed and being retried (Error: ...)`,
 * `2 moved; no function or pipe of the app reads billing, so nothing handles them yet`.
 */
export function redrivenSummary(states: ReadonlyMap<string, RedrivenState>): string {
  const all = [...states.values()];
  const count = (kind: RedrivenState['kind']) => all.filter((s) => s.kind === kind).length;
  const reasons = (kind: 'retrying' | 'failed') => [...new Set(all.flatMap((s) => (s.kind === kind ? [s.reason] : [])))].join('; ');
  const them = (n: number) => (n === 1 ? 'it' : 'them');
  const failed = count('failed');
  return [
    count('handled') > 0 ? `${count('handled')} handled` : '',
    count('retrying') > 0 ? `${count('retrying')} failed and being retried (${reasons('retrying')})` : '',
    failed > 0
      ? `${failed} failed (${reasons('failed')}) and will be delivered again after ${failed === 1 ? 'its' : 'their'} visibility timeout`
      : '',
    count('waiting') > 0 ? `${count('waiting')} waiting for a consumer to receive ${them(count('waiting'))}` : '',
    count('failed-again') > 0 ? `${count('failed-again')} failed again` : '',
    ...stuckParts(all, them),
  ]
    .filter((part) => part !== '')
    .join(', ');
}

/** The messages waiting in a queue nothing takes from, a part for each queue. */
function stuckParts(all: readonly RedrivenState[], them: (n: number) => string): string[] {
  const byQueue = new Map<string, Extract<RedrivenState, { kind: 'no-consumer' | 'paused' }>[]>();
  for (const s of all) if (s.kind === 'no-consumer' || s.kind === 'paused') byQueue.set(s.queue, [...(byQueue.get(s.queue) ?? []), s]);
  return [...byQueue].map(([queue, stuck]) => {
    const [first] = stuck;
    const failed = [...new Set(stuck.flatMap((s) => (s.failed === undefined ? [] : [s.failed])))];
    const before = failed.length === 0 ? '' : ` (its consumer failed ${stuck.length === 1 ? 'it' : 'some'} before: ${failed.join('; ')})`;
    const why =
      first?.kind === 'paused'
        ? first.consumers.length === 1
          ? `its consumer ${first.consumers[0]} is paused`
          : `its consumers ${first.consumers.join(', ')} are paused`
        : `no function or pipe of the app reads ${queue}`;
    return `${stuck.length} moved to ${queue}${before}; ${why}, so nothing handles ${them(stuck.length)} yet`;
  });
}

/** The copies a redrive sent, to follow: each moved message's new id (a send that answered none cannot be followed) and its queue. */
export function redrivenCopies(outcomes: readonly MessageOutcome[]): RedrivenMessage[] {
  return outcomes.flatMap((o) =>
    o.kind === 'moved' && o.newMessageId !== undefined ? [{ id: o.newMessageId, queue: o.destination, queueArn: o.destinationArn }] : [],
  );
}
