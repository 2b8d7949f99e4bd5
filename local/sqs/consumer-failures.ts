import type { RetryingMessage } from '../../clients/read-api-contract.js';
import type { SqsContext } from './sqs-context.js';

/** How many failed records are remembered at most: the oldest are forgotten past it. */
const MAX_REMEMBERED = 10_000;

/** One invocation's answer for the SQS messages of its batch, as Lambda's poller read it. */
export interface ConsumerOutcome {
  readonly functionName: string;
  /** When the invocation ended (the runtime's clock). */
  readonly time: number;
  readonly messages: readonly { readonly messageId: string; readonly queueArn: string }[];
  /** The messages that failed: all of them (an error, an invalid partial batch response), some (batchItemFailures), or none. */
  readonly failed: 'all' | ReadonlySet<string>;
  /** Why: the function's error, or what its answer said. */
  readonly reason: string;
  /** Why each record failed that the function logged an error for, by message id (in place of `reason`). */
  readonly reasons?: ReadonlyMap<string, string>;
}

interface Remembered {
  readonly queueArn: string;
  readonly messageId: string;
  readonly functionName: string;
  readonly reason: string;
  readonly failedAt: number;
}

/**
 * The records a consumer failed that SQS will deliver again: what `switchyard failures` shows
 * between a failure and the dead-letter queue (a record is retried maxReceiveCount times, for
 * minutes, before it is dead-lettered; meanwhile nothing else says it failed). A record is
 * remembered from its failure until a later invocation succeeds with it or it leaves its queue
 * (deleted, dead-lettered). Kept in memory: after a restart, a record shows again at its next
 * failure. AWS keeps no such list (its consumers' logs and the queue's metrics say it).
 */
export class ConsumerFailures {
  readonly #remembered = new Map<string, Remembered>();

  constructor(private readonly context: SqsContext) {}

  note(outcome: ConsumerOutcome): void {
    for (const { messageId, queueArn } of outcome.messages) {
      const key = `${queueArn} ${messageId}`;
      this.#remembered.delete(key);
      if (outcome.failed !== 'all' && !outcome.failed.has(messageId)) continue;
      this.#remembered.set(key, {
        queueArn,
        messageId,
        functionName: outcome.functionName,
        reason: outcome.reasons?.get(messageId) ?? outcome.reason,
        failedAt: outcome.time,
      });
    }
    for (const key of this.#remembered.keys()) {
      if (this.#remembered.size <= MAX_REMEMBERED) break;
      this.#remembered.delete(key);
    }
  }

  /** The remembered records still in their queue, latest failure first; forgets the others. */
  retrying(): RetryingMessage[] {
    const found: RetryingMessage[] = [];
    for (const [key, failure] of this.#remembered) {
      const queue = this.context.queueByArn(failure.queueArn);
      const row = queue && this.context.store.messageById.get(queue.id, failure.messageId);
      if (!queue || !row) {
        this.#remembered.delete(key);
        continue;
      }
      found.push({
        queueArn: queue.arn,
        queueUrl: queue.url,
        messageId: failure.messageId,
        functionName: failure.functionName,
        reason: failure.reason,
        failedAt: new Date(failure.failedAt).toISOString(),
        receiveCount: row.receive_count,
        ...(queue.settings.redrive ? { maxReceiveCount: queue.settings.redrive.maxReceiveCount } : {}),
        nextReceiveAt: new Date(Math.max(row.visible_at, this.context.clock.now())).toISOString(),
      });
    }
    return found.sort((a, b) => b.failedAt.localeCompare(a.failedAt));
  }
}
