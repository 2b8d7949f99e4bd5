import type { DatabaseSync } from 'node:sqlite';
import { TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';
import type { Notification } from './message.js';

export interface TopicRecord {
  readonly arn: string;
  readonly name: string;
  /** What CreateTopic and SetTopicAttributes set; computed attributes are added when read. */
  readonly attributes: Record<string, string>;
  /** Declared by the template: brought in line with it (or removed) at every start. */
  readonly template: boolean;
}

export interface SubscriptionRecord {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly attributes: Record<string, string>;
  readonly template: boolean;
  /** An email subscription whose confirmation link was followed (ConfirmSubscription); read from the store, not written with the record. */
  readonly confirmed?: boolean;
}

/** An email subscription's confirmation: its token, whether it was followed, whether its mail went out. */
export interface ConfirmationRecord {
  readonly subscriptionArn: string;
  readonly token: string;
  readonly confirmed: boolean;
  readonly mailed: boolean;
}

export interface DeliveryRecord {
  readonly id: number;
  readonly subscriptionArn: string;
  /** Deliveries with the same key go one at a time, in id order (a FIFO topic's message group per subscription). */
  readonly orderKey: string | null;
  readonly notification: Notification;
  readonly attempts: number;
  readonly firstAt: number;
}

/**
 * SNS's durable state in its SQLite database: topics, subscriptions, the outbox of
 * deliveries (one row per matching subscription, written in the Publish transaction, removed
 * once delivered or dead-lettered) and the FIFO deduplication window.
 */
export class SnsStore {
  readonly #s: Statements;
  /** Topics' tags, by the topic's ARN (a deleted topic's go with it). */
  readonly tags: TagStore;

  /** `db` is the outbox's too: it works through the deliveries table (subscription-outbox.ts). */
  constructor(readonly db: DatabaseSync) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS topics (
        arn TEXT PRIMARY KEY, name TEXT NOT NULL, attributes TEXT NOT NULL, template INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS subscriptions (
        seq INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, topic_arn TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,
        attributes TEXT NOT NULL, template INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (topic_arn, seq);
      CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY, subscription_arn TEXT NOT NULL, order_key TEXT, notification TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, first_at INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT);
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at, id);
      CREATE INDEX IF NOT EXISTS deliveries_ordered ON deliveries (order_key, id);
      CREATE TABLE IF NOT EXISTS dedup (
        topic_arn TEXT NOT NULL, dedup_key TEXT NOT NULL, message_id TEXT NOT NULL, sequence_number TEXT, expires_at INTEGER NOT NULL,
        PRIMARY KEY (topic_arn, dedup_key));
      CREATE TABLE IF NOT EXISTS sequences (topic_arn TEXT PRIMARY KEY, next INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS confirmations (
        subscription_arn TEXT PRIMARY KEY, token TEXT NOT NULL, confirmed_at INTEGER, mailed INTEGER NOT NULL DEFAULT 0);
    `);
    // Before the TagStore, `topics`' `tags` column held each topic's map of them.
    this.tags = new TagStore(db, { table: 'topics', tagsColumn: 'tags', arnColumn: 'arn' });
    this.#s = prepare(db);
  }

  /** Runs `work` in one transaction (nested calls join the outer one). */
  transaction<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }

  topic(arn: string): TopicRecord | undefined {
    const row = this.#s.topic.get(arn) as TopicRow | undefined;
    return row && topicRecord(row);
  }

  topics(): TopicRecord[] {
    return (this.#s.topics.all() as unknown as TopicRow[]).map(topicRecord);
  }

  putTopic(topic: TopicRecord): void {
    this.#s.putTopic.run(topic.arn, topic.name, JSON.stringify(topic.attributes), topic.template ? 1 : 0);
  }

  /**
   * Deletes a topic with its subscriptions (their pending deliveries are dropped when they
   * come up) and its deduplication ids, so that a topic created again under the name starts afresh.
   */
  deleteTopic(arn: string): void {
    this.transaction(() => {
      this.#s.deleteConfirmationsOf.run(arn);
      this.#s.deleteSubscriptionsOf.run(arn);
      this.#s.deleteDedupOf.run(arn);
      this.#s.deleteTopic.run(arn);
      this.tags.forget(arn);
    });
  }

  subscription(arn: string): SubscriptionRecord | undefined {
    const row = this.#s.subscription.get(arn) as SubscriptionRow | undefined;
    return row && subscriptionRecord(row);
  }

  subscriptions(topicArn?: string): SubscriptionRecord[] {
    const rows = topicArn === undefined ? this.#s.subscriptions.all() : this.#s.subscriptionsOf.all(topicArn);
    return (rows as unknown as SubscriptionRow[]).map(subscriptionRecord);
  }

  putSubscription(subscription: SubscriptionRecord): void {
    this.#s.insertSubscription.run(
      subscription.arn,
      subscription.topicArn,
      subscription.protocol,
      subscription.endpoint,
      JSON.stringify(subscription.attributes),
      subscription.template ? 1 : 0,
    );
  }

  setSubscriptionAttributes(arn: string, attributes: Record<string, string>): void {
    this.#s.setSubscriptionAttributes.run(JSON.stringify(attributes), arn);
  }

  deleteSubscription(arn: string): void {
    this.transaction(() => {
      this.#s.deleteConfirmation.run(arn);
      this.#s.deleteSubscription.run(arn);
    });
  }

  /** Gives a subscription a confirmation token, unless it has one (a template's subscription keeps its own across restarts). */
  addConfirmation(subscriptionArn: string, token: string): void {
    this.#s.addConfirmation.run(subscriptionArn, token);
  }

  confirmationOf(subscriptionArn: string): ConfirmationRecord | undefined {
    const row = this.#s.confirmation.get(subscriptionArn) as ConfirmationRow | undefined;
    return row && confirmationRecord(row);
  }

  confirmationByToken(token: string): ConfirmationRecord | undefined {
    const row = this.#s.confirmationByToken.get(token) as ConfirmationRow | undefined;
    return row && confirmationRecord(row);
  }

  /** Confirmations not followed yet, mailed or not (a crash between a subscription and its mail leaves one unmailed). */
  pendingConfirmations(): ConfirmationRecord[] {
    return (this.#s.pending.all() as unknown as ConfirmationRow[]).map(confirmationRecord);
  }

  setMailed(subscriptionArn: string, mailed: boolean): void {
    this.#s.setMailed.run(mailed ? 1 : 0, subscriptionArn);
  }

  confirm(subscriptionArn: string, now: number): void {
    this.#s.confirm.run(now, subscriptionArn);
  }

  addDelivery(subscriptionArn: string, orderKey: string | null, notification: Notification, now: number): void {
    this.#s.insertDelivery.run(subscriptionArn, orderKey, JSON.stringify(notification), now, now);
  }

  /** The message an earlier publish with this deduplication key got, while the window lasts. */
  duplicate(topicArn: string, key: string, now: number): { messageId: string; sequenceNumber?: string } | undefined {
    const row = this.#s.dedup.get(topicArn, key, now) as { message_id: string; sequence_number: string | null } | undefined;
    return row && { messageId: row.message_id, ...(row.sequence_number === null ? {} : { sequenceNumber: row.sequence_number }) };
  }

  remember(topicArn: string, key: string, messageId: string, sequenceNumber: string | undefined, expiresAt: number): void {
    this.#s.putDedup.run(topicArn, key, messageId, sequenceNumber ?? null, expiresAt);
  }

  expireDedup(now: number): void {
    this.#s.expireDedup.run(now);
  }

  /** The topic's next sequence number, as SNS FIFO hands them out: increasing, 20 digits. */
  nextSequenceNumber(topicArn: string): string {
    const { next } = this.#s.nextSequence.get(topicArn) as { next: number };
    return String(10_000_000_000_000_000_000n + BigInt(next));
  }
}

interface TopicRow {
  arn: string;
  name: string;
  attributes: string;
  template: number;
}

interface SubscriptionRow {
  arn: string;
  topic_arn: string;
  protocol: string;
  endpoint: string;
  attributes: string;
  template: number;
  confirmed: number | null;
}

interface ConfirmationRow {
  subscription_arn: string;
  token: string;
  confirmed_at: number | null;
  mailed: number;
}

function confirmationRecord(row: ConfirmationRow): ConfirmationRecord {
  return { subscriptionArn: row.subscription_arn, token: row.token, confirmed: row.confirmed_at !== null, mailed: row.mailed === 1 };
}

/** A row of the deliveries table, as the outbox reads it. */
export interface DeliveryRow {
  id: number;
  subscription_arn: string;
  order_key: string | null;
  notification: string;
  attempts: number;
  first_at: number;
}

export function deliveryRecord(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    subscriptionArn: row.subscription_arn,
    orderKey: row.order_key,
    notification: JSON.parse(row.notification) as Notification,
    attempts: row.attempts,
    firstAt: row.first_at,
  };
}

function topicRecord(row: TopicRow): TopicRecord {
  return {
    arn: row.arn,
    name: row.name,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    template: row.template === 1,
  };
}

function subscriptionRecord(row: SubscriptionRow): SubscriptionRecord {
  return {
    arn: row.arn,
    topicArn: row.topic_arn,
    protocol: row.protocol,
    endpoint: row.endpoint,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    template: row.template === 1,
    ...(row.confirmed === 1 ? { confirmed: true } : {}),
  };
}

/** A subscription with whether its confirmation was followed. */
const SUBSCRIPTION_COLUMNS =
  's.*, (SELECT c.confirmed_at IS NOT NULL FROM confirmations AS c WHERE c.subscription_arn = s.arn) AS confirmed FROM subscriptions AS s';

/** The store's prepared statements. */
function prepare(db: DatabaseSync) {
  return {
    topic: db.prepare('SELECT * FROM topics WHERE arn = ?'),
    topics: db.prepare('SELECT * FROM topics ORDER BY arn'),
    putTopic: db.prepare('INSERT OR REPLACE INTO topics (arn, name, attributes, template) VALUES (?, ?, ?, ?)'),
    deleteTopic: db.prepare('DELETE FROM topics WHERE arn = ?'),
    subscription: db.prepare(`SELECT ${SUBSCRIPTION_COLUMNS} WHERE s.arn = ?`),
    subscriptions: db.prepare(`SELECT ${SUBSCRIPTION_COLUMNS} ORDER BY s.seq`),
    subscriptionsOf: db.prepare(`SELECT ${SUBSCRIPTION_COLUMNS} WHERE s.topic_arn = ? ORDER BY s.seq`),
    addConfirmation: db.prepare('INSERT OR IGNORE INTO confirmations (subscription_arn, token) VALUES (?, ?)'),
    confirmation: db.prepare('SELECT * FROM confirmations WHERE subscription_arn = ?'),
    confirmationByToken: db.prepare('SELECT * FROM confirmations WHERE token = ?'),
    pending: db.prepare('SELECT * FROM confirmations WHERE confirmed_at IS NULL ORDER BY rowid'),
    setMailed: db.prepare('UPDATE confirmations SET mailed = ? WHERE subscription_arn = ?'),
    confirm: db.prepare('UPDATE confirmations SET confirmed_at = coalesce(confirmed_at, ?) WHERE subscription_arn = ?'),
    deleteConfirmation: db.prepare('DELETE FROM confirmations WHERE subscription_arn = ?'),
    deleteConfirmationsOf: db.prepare(
      'DELETE FROM confirmations WHERE subscription_arn IN (SELECT arn FROM subscriptions WHERE topic_arn = ?)',
    ),
    insertSubscription: db.prepare(
      'INSERT INTO subscriptions (arn, topic_arn, protocol, endpoint, attributes, template) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO UPDATE SET topic_arn = excluded.topic_arn, protocol = excluded.protocol, endpoint = excluded.endpoint, attributes = excluded.attributes, template = excluded.template',
    ),
    setSubscriptionAttributes: db.prepare('UPDATE subscriptions SET attributes = ? WHERE arn = ?'),
    deleteSubscription: db.prepare('DELETE FROM subscriptions WHERE arn = ?'),
    deleteSubscriptionsOf: db.prepare('DELETE FROM subscriptions WHERE topic_arn = ?'),
    insertDelivery: db.prepare(
      'INSERT INTO deliveries (subscription_arn, order_key, notification, first_at, next_at) VALUES (?, ?, ?, ?, ?)',
    ),
    dedup: db.prepare('SELECT message_id, sequence_number FROM dedup WHERE topic_arn = ? AND dedup_key = ? AND expires_at > ?'),
    putDedup: db.prepare(
      'INSERT OR REPLACE INTO dedup (topic_arn, dedup_key, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    expireDedup: db.prepare('DELETE FROM dedup WHERE expires_at <= ?'),
    deleteDedupOf: db.prepare('DELETE FROM dedup WHERE topic_arn = ?'),
    nextSequence: db.prepare(
      'INSERT INTO sequences (topic_arn, next) VALUES (?, 1) ON CONFLICT (topic_arn) DO UPDATE SET next = next + 1 RETURNING next',
    ),
  };
}

type Statements = ReturnType<typeof prepare>;
