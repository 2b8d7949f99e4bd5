import { type RedriveMessage, type RedriveQueue, redriveReceiveRequest } from '../../clients/message-redrive.js';
import type { LineageNode } from '../../clients/read-api-contract.js';
import { call } from './aws.js';
import { message } from './dom.js';
import { lineage, ReadApiError, retryingMessages } from './feed.js';

/**
 * A dead-letter queue's SQS calls, signed as every console call is, for the redrive the
 * console shares with `switchyard redrive` (clients/message-redrive.ts).
 */
export function signedRedriveQueue(queue: { readonly name: string; readonly url: string }): RedriveQueue {
  return {
    name: queue.name,
    async receive() {
      const { Messages = [] } = await call<{ Messages?: RedriveMessage[] }>('sqs', 'ReceiveMessage', redriveReceiveRequest(queue.url));
      return Messages;
    },
    async send(request) {
      const { MessageId } = await call<{ MessageId?: string }>('sqs', 'SendMessage', request);
      return MessageId;
    },
    async delete(receiptHandle) {
      await call('sqs', 'DeleteMessage', { QueueUrl: queue.url, ReceiptHandle: receiptHandle });
    },
    async handBack(receiptHandles) {
      for (let i = 0; i < receiptHandles.length; i += 10) {
        const Entries = receiptHandles.slice(i, i + 10).map((ReceiptHandle, j) => ({ Id: `m${j}`, ReceiptHandle, VisibilityTimeout: 0 }));
        await call('sqs', 'ChangeMessageVisibilityBatch', { QueueUrl: queue.url, Entries });
      }
    },
    // AwsCallError's message is `Code: AWS's message`.
    describeError: message,
  };
}

/** Where a redriven message is now: not yet received, failed and to be delivered again, handled, or dead-lettered again. */
export type RedrivenState =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'retrying'; readonly reason: string }
  | { readonly kind: 'handled' }
  | { readonly kind: 'failed-again'; readonly reason: string; readonly queue: string };

/**
 * Where each redriven message (by the id its source queue gave it) is, from the runtime's
 * read API: its lineage (the invocations that received it and a dead letter made of it) and the
 * records consumers failed that wait to be delivered again. The lineage is read first: the
 * runtime notes an invocation's end and the records it failed in one step, so a record whose
 * failing invocation the lineage shows is already among those being retried.
 */
export async function redrivenStates(messageIds: readonly string[]): Promise<Map<string, RedrivenState>> {
  const lineages = await Promise.all(messageIds.map((id) => messageLineage(id)));
  const retrying = new Map((await retryingMessages()).map((m) => [m.messageId, m.reason]));
  return new Map(messageIds.map((id, i) => [id, stateOf(lineages[i], retrying.get(id))]));
}

/** The lineage node of a message, or undefined while the read API has none (404). */
async function messageLineage(id: string): Promise<LineageNode | undefined> {
  try {
    return (await lineage(id)).roots.find((root) => root.kind === 'message' && root.id === id);
  } catch (error) {
    if (error instanceof ReadApiError && error.status === 404) return undefined;
    throw error;
  }
}

function stateOf(message: LineageNode | undefined, retryingReason: string | undefined): RedrivenState {
  if (message === undefined) return { kind: 'waiting' };
  const invocations = message.children.filter((c) => c.kind === 'invocation' && c.status !== 'running');
  const last = latest(invocations);
  const dead = deadLetterOf(message);
  if (dead !== undefined) {
    // SQS's move says only how often it was received (maxReceiveCount): the consumer's last error says why.
    const error = latest(invocations.filter((i) => i.status === 'failed'))?.reason;
    const reasons = [dead.reason, error].filter((r): r is string => r !== undefined && r !== '');
    const reason = reasons.length === 0 ? 'no reason given' : [...new Set(reasons)].join('; its consumer failed it with ');
    return { kind: 'failed-again', reason, queue: dead.attributes?.queue ?? 'its dead-letter queue' };
  }
  if (retryingReason !== undefined) return { kind: 'retrying', reason: retryingReason };
  // A function that threw fails the record: SQS delivers it again, or moves it to the dead-letter queue.
  return last?.status === 'succeeded' ? { kind: 'handled' } : { kind: 'waiting' };
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

/** Whether a redriven message's work has ended: handled, or dead-lettered again. */
export function redrivenEnded(state: RedrivenState): boolean {
  return state.kind === 'handled' || state.kind === 'failed-again';
}

/** One line of how the redriven messages are: "1 handled, 1 being retried (Error: ...)". */
export function redrivenSummary(states: ReadonlyMap<string, RedrivenState>): string {
  const all = [...states.values()];
  const count = (kind: RedrivenState['kind']) => all.filter((s) => s.kind === kind).length;
  const retrying = [...new Set(all.flatMap((s) => (s.kind === 'retrying' ? [s.reason] : [])))];
  return [
    count('handled') > 0 ? `${count('handled')} handled` : '',
    count('retrying') > 0 ? `${count('retrying')} failed and being retried (${retrying.join('; ')})` : '',
    count('waiting') > 0 ? `${count('waiting')} waiting for a consumer to receive ${count('waiting') === 1 ? 'it' : 'them'}` : '',
    count('failed-again') > 0 ? `${count('failed-again')} failed again` : '',
  ]
    .filter((part) => part !== '')
    .join(', ');
}
