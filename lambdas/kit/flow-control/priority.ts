import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { laneKey, type PrioritySettings } from '../../../contracts/flow-control.js';
import { toError } from '../errors.js';
import { acquireSlot, releaseSlot, type SlotLease } from './concurrency.js';
import { FlowHeldBackError, holdingBackOnOutage } from './errors.js';
import { type FlowControlStore, nowOf } from './store.js';

/**
 * How long one look at a higher lane's work is trusted: one GetQueueAttributes per lane
 * per second per container bounds the cost, and a backlog a second old is fresh enough to
 * decide whether a low-priority record may take a share.
 */
export const BACKLOG_TTL_MS = 1000;

/** A lower-lane record let through while a higher lane is busy: it holds one of its lane's guaranteed slots. */
export interface LanePass {
  readonly lane: string;
  /** Gives the slot back; never throws (a failed release is logged: the lease ends by itself). */
  leave(logger: Logger): Promise<void>;
}

/** One look at a queue's work; `undefined` if the look failed (the record is let through). */
interface WorkLook {
  readonly atMs: number;
  readonly messages: Promise<number | undefined>;
}

/**
 * Priority lanes (QueueConsumer `priority`): a record of the top lane, or of a lower lane
 * while every higher lane's queue is empty (nothing waiting, nothing in flight), runs at once
 * without any write. A lower-lane record that meets a higher lane's work runs only if it can take one of its
 * lane's `guaranteedSlots` (a concurrency slot of the lane's own item, `concurrency#<flow>#lane#<name>`, which no event's key can name): so the lane never
 * starves, yet takes no more than its share while the higher lanes wait. Otherwise it is held
 * back (FlowHeldBackError `priority`), never failed. A record's lane is the queue it came from;
 * a record of any other queue runs.
 */
export class PriorityLanes {
  readonly #laneByQueueName = new Map<string, number>();
  readonly #looks = new Map<string, WorkLook>();

  constructor(
    private readonly store: FlowControlStore,
    private readonly flow: string,
    readonly settings: PrioritySettings,
    private readonly sqs: SQSClient,
    private readonly backlogTtlMs = BACKLOG_TTL_MS,
  ) {
    settings.lanes.forEach((lane, index) => {
      this.#laneByQueueName.set(lastSegment(lane.queueUrl, '/'), index);
    });
  }

  /** The index of the record's lane (0 is the highest), from its source queue; undefined for a queue that is no lane. */
  laneOf(record: Pick<SQSRecord, 'eventSourceARN'>): number | undefined {
    return this.#laneByQueueName.get(lastSegment(record.eventSourceARN ?? '', ':'));
  }

  /**
   * Whether the record runs now: undefined if it runs without a slot, a LanePass if it holds
   * one of its lane's guaranteed slots; throws FlowHeldBackError (`priority`) if it must yield.
   */
  async enter(record: SQSRecord, remainingMs: number, logger: Logger): Promise<LanePass | undefined> {
    const index = this.laneOf(record);
    if (index === undefined || index === 0) return undefined;
    const busy = await this.#busyHigherLane(index, logger);
    if (busy === undefined) return undefined;
    const lane = (this.settings.lanes[index] as { name: string }).name;
    const leaseMs = remainingMs + this.settings.leaseMarginSeconds * 1000;
    // As the gate does: a table that does not answer holds the record back, never fails it.
    const lease = await holdingBackOnOutage(laneKey(lane), logger, () =>
      acquireSlot(this.store, {
        flow: this.flow,
        key: { lane },
        limit: this.settings.guaranteedSlots,
        holder: `${record.messageId}#${randomUUID()}`,
        leaseUntilMs: nowOf(this.store) + leaseMs,
      }),
    );
    // A slot frees when a record of the lane is done, the backlog may drain sooner: leaseMs
    // is only the longest the wait can last (the consumer looks again after its backoff).
    if (lease === undefined) throw new FlowHeldBackError('priority', laneKey(lane), leaseMs);
    return { lane, leave: (leaveLogger) => this.#release(lane, lease, leaveLogger) };
  }

  /** The name of the first higher lane with work (messages waiting or in flight), if any. */
  async #busyHigherLane(index: number, logger: Logger): Promise<string | undefined> {
    const higher = this.settings.lanes.slice(0, index);
    const work = await Promise.all(higher.map((lane) => this.#work(lane.queueUrl, logger)));
    const busy = work.findIndex((n) => n !== undefined && n > 0);
    return busy === -1 ? undefined : higher[busy]?.name;
  }

  /**
   * The queue's messages waiting or in flight, looked up at most once per `backlogTtlMs`
   * (concurrent records share one look). In flight counts: when the function's concurrency
   * is taken, Lambda's pollers hold the messages they received, invisible, while they retry
   * the invoke, so visible messages alone would say a throttled higher lane has no work.
   */
  #work(queueUrl: string, logger: Logger): Promise<number | undefined> {
    const now = nowOf(this.store);
    const cached = this.#looks.get(queueUrl);
    if (cached !== undefined && now - cached.atMs < this.backlogTtlMs) return cached.messages;
    const messages = this.sqs
      .send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
      .then(
        ({ Attributes: a }) => Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0),
        (thrown: unknown) => {
          // Priority orders work, it does not guard it: without the backlog, records run as
          // they come (for this look's lifetime) rather than all wait on SQS.
          logger.warn('priority lanes: reading a higher lane backlog failed; lower-lane records run without yielding for now', {
            priority: { queueUrl },
            backlogError: toError(thrown),
          });
          return undefined;
        },
      );
    this.#looks.set(queueUrl, { atMs: now, messages });
    return messages;
  }

  async #release(lane: string, lease: SlotLease, logger: Logger): Promise<void> {
    try {
      await releaseSlot(this.store, lease);
    } catch (thrown) {
      logger.warn('priority lanes: releasing the lane slot failed; it frees itself when its lease ends', {
        priority: { lane, slot: lease.pk },
        releaseError: toError(thrown),
      });
    }
  }
}

function lastSegment(text: string, separator: string): string {
  return (
    text
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split(separator)
      .at(-1) ?? ''
  );
}

/**
 * Checks the `priority` part of FlowControlSettings read from the environment; `bad` throws
 * the ConfigError that names the variable and what is wrong.
 */
export function checkPrioritySettings(value: unknown, bad: (what: string) => never): void {
  const p = value as Partial<Record<keyof PrioritySettings, unknown>> | null;
  if (typeof p !== 'object' || p === null) bad('priority must be an object');
  const lanes = p.lanes;
  if (!Array.isArray(lanes) || lanes.length < 2) bad('priority.lanes must list at least two lanes');
  for (const lane of lanes as unknown[]) {
    const l = lane as { name?: unknown; queueUrl?: unknown } | null;
    if (typeof l?.name !== 'string' || l.name === '' || typeof l.queueUrl !== 'string' || l.queueUrl === '') {
      bad('each of priority.lanes must have a name and a queueUrl');
    }
  }
  const slots = p.guaranteedSlots;
  if (typeof slots !== 'number' || !Number.isInteger(slots) || slots <= 0) bad('priority.guaranteedSlots must be a positive integer');
  const margin = p.leaseMarginSeconds;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin <= 0) bad('priority.leaseMarginSeconds must be a positive number');
}
