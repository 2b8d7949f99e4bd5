import type { Clock } from '../time/clock.js';
import type { MessageRow, SqsStore } from './sqs-store.js';

/**
 * SQS fair queues ("How Amazon SQS fair queues work"): on a standard queue, messages that
 * carry a MessageGroupId belong to that tenant; a message without one is a tenant of its own.
 * A tenant turns noisy when it holds more than 10% of the queue's in-flight messages with at
 * least 30 of its own in flight, or more than 10% of the consumers' recent processing time
 * (receive to delete or visibility change). While some tenant is noisy, a receive returns
 * the quiet tenants' visible messages first and then the noisy tenants', the one with the
 * fewest in flight first. A noisy tenant turns quiet when its backlog (messages not in
 * flight) has drained or it has sent nothing for 5 minutes.
 *
 * What AWS leaves approximate is fixed here: "recent" processing time decays with a one-minute
 * half-life, and detection is re-evaluated on every receive (AWS samples it). A standard queue
 * is fair from its first message with a group id; until then, and on FIFO queues, none of this
 * runs and costs nothing.
 *
 * Durability: nothing here decides whether a message exists or is delivered, only in which
 * order visible messages go out. In-flight counts and backlogs are read from the store
 * (committed, so right after a SIGKILL); processing times, last sends and which tenants are
 * noisy live in memory and start empty after a restart, so ordering is plain until a noisy
 * tenant is detected again. No message can be lost or held back by it.
 */

const NOISY_SHARE = 0.1;
const NOISY_MIN_IN_FLIGHT = 30;
const QUIET_AFTER_NO_SENDS_MS = 5 * 60_000;
const PROCESSING_HALF_LIFE_MS = 60_000;
/** Visibility changes remembered (so a later delete does not count the same time twice) before the oldest are dropped. */
const MAX_ACCOUNTED = 10_000;

/** The fair-queue CloudWatch metrics of a queue (AWS/SQS namespace names), as of now. */
export interface FairQueueMetrics {
  ApproximateNumberOfNoisyGroups: number;
  ApproximateNumberOfMessagesVisibleInQuietGroups: number;
  ApproximateNumberOfMessagesNotVisibleInQuietGroups: number;
  ApproximateNumberOfMessagesDelayedInQuietGroups: number;
  /** Seconds since the oldest visible message of a quiet group was sent; 0 when there is none. */
  ApproximateAgeOfOldestMessageInQuietGroups: number;
}

/** Where a receive takes visible messages from, in order: each lane answers up to `limit` rows, oldest visible first. */
export type ReceiveLane = (limit: number) => MessageRow[];

interface GroupState {
  /** Decayed processing time, as of `processingAt`. */
  processingMs: number;
  processingAt: number;
  lastSentAt: number;
  noisy: boolean;
}

interface QueueState {
  /** Whether a message of the queue has carried a group id (once true, it stays so). */
  fair: boolean;
  readonly groups: Map<string, GroupState>;
}

interface QueueRef {
  readonly id: number;
  readonly fifo: boolean;
}

export class FairQueues {
  readonly #queues = new Map<number, QueueState>();
  /** Message seq to the receive (its `received_at`) whose processing time was counted up to `until`. */
  readonly #accounted = new Map<number, { receivedAt: number; until: number }>();

  constructor(
    private readonly store: SqsStore,
    private readonly clock: Clock,
  ) {}

  /** A message was stored; a standard queue turns fair with its first grouped message. */
  noteSent(queue: QueueRef, groupId: string | null, now: number): void {
    if (queue.fifo || groupId === null) return;
    const state = this.#state(queue);
    state.fair = true;
    this.#group(state, groupId, now).lastSentAt = now;
  }

  /**
   * A consumer deleted a message or changed its visibility: the time since it was received
   * (or since its last visibility change) is processing time of its tenant.
   */
  noteProcessed(queue: QueueRef, seq: number, row: Pick<MessageRow, 'group_id' | 'received_at'>, now: number, deleted: boolean): void {
    const receivedAt = row.received_at;
    if (queue.fifo || row.group_id === null || receivedAt === null) return;
    const state = this.#queues.get(queue.id);
    if (!state) return;
    const previous = this.#accounted.get(seq);
    const from = previous && previous.receivedAt === receivedAt ? previous.until : receivedAt;
    if (deleted) this.#accounted.delete(seq);
    else {
      if (this.#accounted.size >= MAX_ACCOUNTED) this.#accounted.delete(this.#accounted.keys().next().value as number);
      this.#accounted.set(seq, { receivedAt, until: now });
    }
    const group = this.#group(state, row.group_id, now);
    group.processingMs = decayed(group, now) + Math.max(0, now - from);
    group.processingAt = now;
  }

  /** The queue was deleted: its id may be given to a new queue. */
  forget(queueId: number): void {
    this.#queues.delete(queueId);
  }

  /**
   * Where a receive takes messages from: one lane (oldest visible first) unless some tenant
   * is noisy; then the quiet tenants' messages, then each noisy tenant's, fewest in flight first.
   */
  receiveLanes(queue: QueueRef, now: number): ReceiveLane[] {
    const plain: ReceiveLane = (limit) => this.store.visibleMessages.all(queue.id, now, limit);
    if (!this.isFair(queue)) return [plain];
    const { noisy, inFlight } = this.#evaluate(queue, now);
    if (noisy.length === 0) return [plain];
    const ordered = [...noisy].sort((a, b) => (inFlight.get(a) ?? 0) - (inFlight.get(b) ?? 0) || a.localeCompare(b));
    const excluded = JSON.stringify(ordered);
    return [
      (limit) => this.store.visibleQuietMessages.all(queue.id, now, excluded, limit),
      ...ordered.map(
        (group): ReceiveLane =>
          (limit) =>
            this.store.visibleGroupMessages.all(queue.id, group, now, limit),
      ),
    ];
  }

  /** The tenants that are noisy now, re-evaluated. */
  noisyGroups(queue: QueueRef): string[] {
    if (!this.isFair(queue)) return [];
    return this.#evaluate(queue, this.clock.now()).noisy;
  }

  /** The fair-queue metrics AWS publishes to CloudWatch for a standard queue (the runtime has no CloudWatch, so callers read them here). */
  metrics(queue: QueueRef): FairQueueMetrics {
    const now = this.clock.now();
    const noisy = new Set(this.noisyGroups(queue));
    const metrics: FairQueueMetrics = {
      ApproximateNumberOfNoisyGroups: noisy.size,
      ApproximateNumberOfMessagesVisibleInQuietGroups: 0,
      ApproximateNumberOfMessagesNotVisibleInQuietGroups: 0,
      ApproximateNumberOfMessagesDelayedInQuietGroups: 0,
      ApproximateAgeOfOldestMessageInQuietGroups: 0,
    };
    if (queue.fifo) return metrics;
    let oldest = Number.POSITIVE_INFINITY;
    for (const row of this.store.groupCounts.all(now, queue.id)) {
      if (row.group_id !== null && noisy.has(row.group_id)) continue;
      metrics.ApproximateNumberOfMessagesVisibleInQuietGroups += row.visible ?? 0;
      metrics.ApproximateNumberOfMessagesNotVisibleInQuietGroups += row.inflight ?? 0;
      metrics.ApproximateNumberOfMessagesDelayedInQuietGroups += row.delayed ?? 0;
      if (row.oldest !== null) oldest = Math.min(oldest, row.oldest);
    }
    if (Number.isFinite(oldest)) metrics.ApproximateAgeOfOldestMessageInQuietGroups = Math.max(0, Math.floor((now - oldest) / 1000));
    return metrics;
  }

  #state(queue: QueueRef): QueueState {
    let state = this.#queues.get(queue.id);
    if (!state) {
      state = { fair: false, groups: new Map() };
      this.#queues.set(queue.id, state);
    }
    return state;
  }

  #group(state: QueueState, groupId: string, now: number): GroupState {
    let group = state.groups.get(groupId);
    if (!group) {
      // A tenant first seen after a restart counts its 5 quiet minutes from now.
      group = { processingMs: 0, processingAt: now, lastSentAt: now, noisy: false };
      state.groups.set(groupId, group);
    }
    return group;
  }

  /** Whether a standard queue has had a message with a group id (a tenant): a fair queue from then on. */
  isFair(queue: QueueRef): boolean {
    if (queue.fifo) return false;
    const state = this.#state(queue);
    // Asked of the store (one index probe) until true: after a restart, and because a move
    // task or a dead-letter redrive brings grouped messages in without a send.
    if (!state.fair) state.fair = this.store.anyGrouped.get(queue.id) !== undefined;
    return state.fair;
  }

  /** Marks tenants noisy by AWS's two measures and quiet again by its two exits; answers the noisy ones and every tenant's in-flight count. */
  #evaluate(queue: QueueRef, now: number): { noisy: string[]; inFlight: Map<string, number> } {
    const state = this.#state(queue);
    const inFlight = new Map<string, number>();
    let totalInFlight = 0;
    for (const row of this.store.inFlightByGroup.all(queue.id, now)) {
      totalInFlight += row.n;
      if (row.group_id !== null) inFlight.set(row.group_id, row.n);
    }
    let totalProcessing = 0;
    for (const group of state.groups.values()) totalProcessing += decayed(group, now);
    for (const [groupId, count] of inFlight) {
      if (count >= NOISY_MIN_IN_FLIGHT && count > NOISY_SHARE * totalInFlight) this.#group(state, groupId, now).noisy = true;
    }
    const noisy: string[] = [];
    for (const [groupId, group] of state.groups) {
      if (totalProcessing > 0 && decayed(group, now) > NOISY_SHARE * totalProcessing) group.noisy = true;
      if (
        group.noisy &&
        (now - group.lastSentAt >= QUIET_AFTER_NO_SENDS_MS || this.store.groupBacklog.get(queue.id, groupId, now) === undefined)
      ) {
        group.noisy = false;
      }
      if (group.noisy) noisy.push(groupId);
      // A tenant with nothing left to remember is dropped, so the map holds only active tenants.
      else if (!inFlight.has(groupId) && decayed(group, now) < 1 && now - group.lastSentAt >= QUIET_AFTER_NO_SENDS_MS) {
        state.groups.delete(groupId);
      }
    }
    return { noisy, inFlight };
  }
}

function decayed(group: GroupState, now: number): number {
  return group.processingMs * 0.5 ** (Math.max(0, now - group.processingAt) / PROCESSING_HALF_LIFE_MS);
}
