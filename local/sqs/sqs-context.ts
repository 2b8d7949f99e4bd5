import type { DatabaseSync } from 'node:sqlite';
import { tryParseArn } from '../names/arn.js';
import { TagStore } from '../store/tag-store.js';
import type { Clock } from '../time/clock.js';
import { LongPollWaiters } from '../time/long-poll.js';
import { FairQueues } from './fair-queues.js';
import { missingParameter, queueDoesNotExist, SqsError } from './sqs-errors.js';
import { openSqsStore, type QueueRow, type SqsStore } from './sqs-store.js';
import type { QueueAttributeMap } from './sqs-types.js';
import { MAX_MESSAGE_BYTES, parseRedrivePolicy, type RedrivePolicy } from './validation.js';

export interface QueueSettings {
  visibilityTimeout: number;
  delaySeconds: number;
  retentionMs: number;
  maxMessageSize: number;
  waitTimeSeconds: number;
  contentBasedDeduplication: boolean;
  deduplicationByGroup: boolean;
  redrive: RedrivePolicy | undefined;
}

export interface Queue {
  readonly id: number;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly createdAt: number;
  modifiedAt: number;
  /** Every settable attribute as GetQueueAttributes reports it (defaults filled in). */
  attributes: QueueAttributeMap;
  settings: QueueSettings;
}

/** What happened to a message, for observers outside SQS (the read API's lineage and live feed). */
export type MessageNote =
  | {
      readonly kind: 'sent';
      readonly queueArn: string;
      readonly messageId: string;
      readonly traceHeader?: string;
      /** The message's string attributes (a dead-letter's reason travels in them). */
      readonly attributes?: Readonly<Record<string, string>>;
      readonly time: number;
    }
  | {
      readonly kind: 'dead-lettered';
      readonly queueArn: string;
      readonly sourceQueueArn: string;
      readonly messageId: string;
      readonly receiveCount: number;
      readonly traceHeader?: string;
      readonly time: number;
    };

export interface SqsContextOptions {
  db: DatabaseSync;
  clock: Clock;
  baseUrl: string;
  accountId: string;
  region: string;
  /** Called after each message is stored, and when one moves to a dead-letter queue. */
  onMessage?: (note: MessageNote) => void;
  /** Called when a queue's `Policy` is set, changed or removed (IAM evaluates queue policies). */
  onPolicyChange?: (queueArn: string, policy: string | undefined) => void;
}

/**
 * What every part of the SQS service shares: the store, the clock, the in-memory queue
 * cache (queues are looked up on every call, so they are not read from SQLite each time)
 * and the long-poll waiters that sends, deletes and visibility changes wake.
 */
export class SqsContext {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  readonly store: SqsStore;
  /** Queues' tags, by the queue's ARN. */
  readonly tags: TagStore;
  readonly waiters: LongPollWaiters;
  /** Which tenants of each fair (standard, grouped) queue are noisy, and so the order receives take. */
  readonly fairQueues: FairQueues;
  readonly queuesByName = new Map<string, Queue>();
  readonly queuesById = new Map<number, Queue>();
  /** Set by `SqsService.close()`: long polls return empty and move tasks stop. */
  closed = false;
  readonly onMessage?: (note: MessageNote) => void;
  readonly onPolicyChange?: (queueArn: string, policy: string | undefined) => void;
  private readonly baseUrl: string;

  constructor(options: SqsContextOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.waiters = new LongPollWaiters(this.clock);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.accountId = options.accountId;
    this.region = options.region;
    this.onMessage = options.onMessage;
    this.onPolicyChange = options.onPolicyChange;
    // Before the TagStore, `sqs_queue`'s `tags` column held each queue's map of them.
    this.tags = new TagStore(this.db, { table: 'sqs_queue', tagsColumn: 'tags', arnColumn: 'name', arnOf: (name) => this.queueArn(name) });
    this.store = openSqsStore(this.db);
    this.fairQueues = new FairQueues(this.store, this.clock);
    for (const row of this.store.allQueues.all()) this.cache(this.queueFromRow(row));
  }

  queueUrl(name: string): string {
    return `${this.baseUrl}/${this.accountId}/${name}`;
  }

  queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
  }

  queueFromRow(row: QueueRow): Queue {
    const attributes = JSON.parse(row.attributes) as QueueAttributeMap;
    return {
      id: row.id,
      name: row.name,
      url: this.queueUrl(row.name),
      arn: this.queueArn(row.name),
      fifo: row.fifo === 1,
      createdAt: row.created_at,
      modifiedAt: row.modified_at,
      attributes,
      settings: settingsOf(attributes),
    };
  }

  cache(queue: Queue): void {
    this.queuesByName.set(queue.name, queue);
    this.queuesById.set(queue.id, queue);
  }

  /** Any URL whose path ends in `<account>/<name>` addresses the queue, whatever host the client used. */
  queueFromUrl(url: string | undefined): Queue {
    if (!url) throw missingParameter('QueueUrl');
    // In-process callers do not pass the endpoint's model check: a URL that is not text addresses nothing.
    if (typeof url !== 'string') throw new SqsError('InvalidAddress', `The address ${String(url)} is not valid for this endpoint.`);
    const parts = url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/');
    // AWS takes the queue's name alone as well as any URL whose last segment names it (recorded on AWS).
    const name = parts.at(-1);
    const account = parts.length > 1 ? parts.at(-2) : undefined;
    if (!name) throw new SqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    if (account && /^\d{12}$/.test(account) && account !== this.accountId) throw queueDoesNotExist();
    const queue = this.queuesByName.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  queueByArn(arn: string): Queue | undefined {
    const parsed = tryParseArn(arn);
    if (parsed?.service !== 'sqs' || parsed.region !== this.region || parsed.account !== this.accountId) return undefined;
    return this.queuesByName.get(parsed.resourceId);
  }

  transaction<T>(fn: () => T): T {
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Lets parked long polls on the queue look again (`count` of them); cheap when nobody waits. */
  notify(queue: Queue, count = Number.POSITIVE_INFINITY): void {
    if (this.waiters.hasWaiters(queue.id)) this.waiters.wake(queue.id, count);
  }
}

export function settingsOf(attributes: QueueAttributeMap): QueueSettings {
  const number = (name: string, fallback: number) => {
    const value = attributes[name];
    return value === undefined ? fallback : Number(value);
  };
  return {
    visibilityTimeout: number('VisibilityTimeout', 30),
    delaySeconds: number('DelaySeconds', 0),
    retentionMs: number('MessageRetentionPeriod', 345_600) * 1000,
    maxMessageSize: number('MaximumMessageSize', MAX_MESSAGE_BYTES),
    waitTimeSeconds: number('ReceiveMessageWaitTimeSeconds', 0),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    deduplicationByGroup: attributes.DeduplicationScope === 'messageGroup',
    redrive: attributes.RedrivePolicy ? parseRedrivePolicy(attributes.RedrivePolicy) : undefined,
  };
}

/** 20-digit, increasing, never reused: the shape of AWS's FIFO sequence numbers. */
export function sequenceNumber(seq: number): string {
  return (10n ** 19n + BigInt(seq)).toString();
}
