import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { md5OfMessageAttributes, type StoredAttributeValue } from './md5.js';

/**
 * The SQS tables. Every accepted message, its visibility deadline, receive count and current
 * receipt live here, so a restart (even after SIGKILL) resumes exactly where the last commit
 * left off: in-flight messages come back when their `visible_at` passes.
 *
 * `seq` is the delivery order (AUTOINCREMENT so a FIFO sequence number is never reused after
 * the newest message is deleted). `(queue_id, visible_at)` serves standard receives oldest
 * first; the partial `(queue_id, group_id, seq)` index serves FIFO group walks without
 * costing standard queues anything.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS sqs_queue (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  fifo INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sqs_message (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue_id INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  md5_body TEXT NOT NULL,
  attributes TEXT,
  md5_attributes TEXT,
  system_attributes TEXT,
  sender_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_received_at INTEGER,
  received_at INTEGER,
  receipt TEXT,
  group_id TEXT,
  dedup_id TEXT,
  dlq_source_arn TEXT
);
CREATE INDEX IF NOT EXISTS sqs_message_visible ON sqs_message (queue_id, visible_at);
CREATE INDEX IF NOT EXISTS sqs_message_group ON sqs_message (queue_id, group_id, seq) WHERE group_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS sqs_dedup (
  queue_id INTEGER NOT NULL,
  dedup_key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (queue_id, dedup_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sqs_move_task (
  id TEXT PRIMARY KEY,
  source_arn TEXT NOT NULL,
  destination_arn TEXT,
  max_per_second INTEGER,
  status TEXT NOT NULL,
  moved INTEGER NOT NULL,
  to_move INTEGER NOT NULL,
  cursor INTEGER NOT NULL,
  failure_reason TEXT,
  started_at INTEGER NOT NULL
);
`;

export interface QueueRow {
  id: number;
  name: string;
  fifo: number;
  attributes: string;
  created_at: number;
  modified_at: number;
}

export interface MessageRow {
  seq: number;
  queue_id: number;
  message_id: string;
  body: string;
  md5_body: string;
  attributes: string | null;
  md5_attributes: string | null;
  system_attributes: string | null;
  sender_id: string;
  sent_at: number;
  visible_at: number;
  receive_count: number;
  first_received_at: number | null;
  received_at: number | null;
  receipt: string | null;
  group_id: string | null;
  dedup_id: string | null;
  dlq_source_arn: string | null;
}

export interface MoveTaskRow {
  id: string;
  source_arn: string;
  destination_arn: string | null;
  max_per_second: number | null;
  status: string;
  moved: number;
  to_move: number;
  cursor: number;
  failure_reason: string | null;
  started_at: number;
}

/** A prepared statement with its row type, so call sites stay free of casts. */
export class Query<Row> {
  constructor(private readonly statement: StatementSync) {}
  get(...params: SQLInputValue[]): Row | undefined {
    return this.statement.get(...params) as Row | undefined;
  }
  all(...params: SQLInputValue[]): Row[] {
    return this.statement.all(...params) as unknown as Row[];
  }
  run(...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const { changes, lastInsertRowid } = this.statement.run(...params);
    return { changes: Number(changes), lastInsertRowid: Number(lastInsertRowid) };
  }
}

const MESSAGE_COLUMNS = `seq, queue_id, message_id, body, md5_body, attributes, md5_attributes, system_attributes, sender_id,
  sent_at, visible_at, receive_count, first_received_at, received_at, receipt, group_id, dedup_id, dlq_source_arn`;

/** Prepares one statement with its row type. */
type Prepare = <Row>(sql: string) => Query<Row>;

export function openSqsStore(db: DatabaseSync) {
  db.exec(SCHEMA);
  restoreDeadLetterCopies(db);
  const q: Prepare = <Row>(sql: string) => new Query<Row>(db.prepare(sql));
  return {
    ...queueStatements(q),
    ...messageStatements(q),
    ...receiveStatements(q),
    ...messageStateStatements(q),
    ...dedupStatements(q),
    ...moveTaskStatements(q),
  };
}

/**
 * Older runtimes gave a message SQS moved to a dead-letter queue a
 * `Switchyard.OriginalMessageId` attribute with its own id, which changed its
 * MD5OfMessageAttributes from what AWS delivers. A data folder of theirs gets those copies
 * back as they were: the attribute is dropped where it names the message itself (a
 * consumer's copy names another message, and keeps it). Cheap when there is nothing to do:
 * only moved messages with the attribute are read.
 */
function restoreDeadLetterCopies(db: DatabaseSync): void {
  const rows = db
    .prepare(
      `SELECT seq, message_id, attributes FROM sqs_message
        WHERE dlq_source_arn IS NOT NULL AND attributes LIKE '%"Switchyard.OriginalMessageId"%'`,
    )
    .all() as { seq: number; message_id: string; attributes: string }[];
  const update = db.prepare('UPDATE sqs_message SET attributes = ?, md5_attributes = ? WHERE seq = ?');
  for (const row of rows) {
    const { [RUNTIME_ORIGINAL_ID]: added, ...rest } = JSON.parse(row.attributes) as Record<string, StoredAttributeValue>;
    if (added?.StringValue !== row.message_id) continue;
    const empty = Object.keys(rest).length === 0;
    update.run(empty ? null : JSON.stringify(rest), empty ? null : md5OfMessageAttributes(rest), row.seq);
  }
}

const RUNTIME_ORIGINAL_ID = 'Switchyard.OriginalMessageId';

/** Queues, and a deleted queue's messages and deduplication entries. */
function queueStatements(q: Prepare) {
  return {
    allQueues: q<QueueRow>('SELECT * FROM sqs_queue ORDER BY name'),
    insertQueue: q<never>('INSERT INTO sqs_queue (name, fifo, attributes, created_at, modified_at) VALUES (?, ?, ?, ?, ?)'),
    updateQueue: q<never>('UPDATE sqs_queue SET attributes = ?, modified_at = ? WHERE id = ?'),
    deleteQueue: q<never>('DELETE FROM sqs_queue WHERE id = ?'),
    deleteQueueMessages: q<never>('DELETE FROM sqs_message WHERE queue_id = ?'),
    deleteQueueDedup: q<never>('DELETE FROM sqs_dedup WHERE queue_id = ?'),
  };
}

/** One message by its sequence: sent, read, deleted. */
function messageStatements(q: Prepare) {
  return {
    insertMessage: q<never>(
      `INSERT INTO sqs_message (queue_id, message_id, body, md5_body, attributes, md5_attributes, system_attributes,
        sender_id, sent_at, visible_at, group_id, dedup_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    message: q<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM sqs_message WHERE seq = ?`),
    deleteMessage: q<never>('DELETE FROM sqs_message WHERE seq = ? AND queue_id = ?'),
    /** A consumer's delete on a standard queue: what the fair queue counts as its tenant's processing time. */
    deleteMessageReturning: q<Pick<MessageRow, 'group_id' | 'received_at'>>(
      'DELETE FROM sqs_message WHERE seq = ? AND queue_id = ? RETURNING group_id, received_at',
    ),
  };
}

/** The messages a receive may take: standard, fair and FIFO queues. */
function receiveStatements(q: Prepare) {
  return {
    /** Standard queues: the visible messages, longest visible first, straight off the index. */
    visibleMessages: q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM sqs_message WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?`,
    ),
    /** Fair queues: the visible messages of every tenant but the noisy ones (a JSON array), longest visible first. */
    visibleQuietMessages: q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM sqs_message WHERE queue_id = ? AND visible_at <= ?
        AND (group_id IS NULL OR group_id NOT IN (SELECT value FROM json_each(?))) ORDER BY visible_at, seq LIMIT ?`,
    ),
    /** Fair queues: one noisy tenant's visible messages, longest visible first. */
    visibleGroupMessages: q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM sqs_message WHERE queue_id = ? AND group_id = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?`,
    ),
    /** Fair queues: in-flight messages by tenant (messages without a group id together under null). */
    inFlightByGroup: q<{ group_id: string | null; n: number }>(
      'SELECT group_id, COUNT(*) AS n FROM sqs_message WHERE queue_id = ? AND visible_at > ? AND receive_count > 0 GROUP BY group_id',
    ),
    /** Fair queues: whether a tenant has a backlog (a message visible or delayed, not in flight). */
    groupBacklog: q<{ one: number }>(
      'SELECT 1 AS one FROM sqs_message WHERE queue_id = ? AND group_id = ? AND (visible_at <= ? OR receive_count = 0) LIMIT 1',
    ),
    anyGrouped: q<{ one: number }>('SELECT 1 AS one FROM sqs_message WHERE queue_id = ? AND group_id IS NOT NULL LIMIT 1'),
    /** Fair-queue metrics: each tenant's visible, in-flight and delayed messages and its oldest visible one's send time. */
    groupCounts: q<{
      group_id: string | null;
      visible: number | null;
      inflight: number | null;
      delayed: number | null;
      oldest: number | null;
    }>(
      `SELECT group_id, SUM(visible_at <= ?1) AS visible, SUM(visible_at > ?1 AND receive_count > 0) AS inflight,
        SUM(visible_at > ?1 AND receive_count = 0) AS delayed, MIN(CASE WHEN visible_at <= ?1 THEN sent_at END) AS oldest
        FROM sqs_message WHERE queue_id = ?2 GROUP BY group_id`,
    ),
    /** FIFO: groups with a message in flight, which nothing else of theirs may overtake. */
    /**
     * FIFO: each group with its oldest message, the groups in the order their oldest message
     * became receivable (then by sequence): a group whose head came back from a visibility
     * timeout queues up behind the groups that were waiting. (SQLite takes the bare
     * `visible_at` from the row MIN(seq) picked.)
     */
    groupHeads: q<{ group_id: string; head: number; visible_at: number }>(
      `SELECT group_id, MIN(seq) AS head, visible_at FROM sqs_message WHERE queue_id = ? AND group_id IS NOT NULL
        GROUP BY group_id ORDER BY visible_at, head`,
    ),
    groupMessages: q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM sqs_message WHERE queue_id = ? AND group_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
  };
}

/** A message's state after it is sent: received, its visibility changed, moved; the queue's counts and retention. */
function messageStateStatements(q: Prepare) {
  return {
    markReceived: q<never>(
      `UPDATE sqs_message SET visible_at = ?, receive_count = ?, first_received_at = ?, received_at = ?, receipt = ?
        WHERE seq = ?`,
    ),
    setVisibleAt: q<never>('UPDATE sqs_message SET visible_at = ? WHERE seq = ?'),
    /**
     * Redrive to a dead-letter queue: same message and id, new queue, visible at once; its
     * message attributes (with the runtime's repeat marker) and deduplication id as given.
     */
    moveToDeadLetter: q<never>(
      `UPDATE sqs_message SET queue_id = ?, visible_at = ?, sent_at = ?, receipt = NULL, dlq_source_arn = ?,
        dedup_id = ? WHERE seq = ?`,
    ),
    /** A move task's redrive back: the message starts over in its destination. */
    moveBack: q<never>(
      `UPDATE sqs_message SET queue_id = ?, visible_at = ?, receive_count = 0, first_received_at = NULL,
        received_at = NULL, receipt = NULL, dlq_source_arn = NULL WHERE seq = ?`,
    ),
    /** A message by its id in its queue (what `switchyard failures` shows of a record being retried). */
    messageById: q<{ receive_count: number; visible_at: number }>(
      'SELECT receive_count, visible_at FROM sqs_message WHERE queue_id = ? AND message_id = ? LIMIT 1',
    ),
    movableMessages: q<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM sqs_message WHERE queue_id = ? AND seq > ? AND visible_at <= ? ORDER BY seq LIMIT ?`,
    ),
    nextVisibleAt: q<{ at: number | null }>('SELECT MIN(visible_at) AS at FROM sqs_message WHERE queue_id = ? AND visible_at > ?'),
    counts: q<{ visible: number | null; inflight: number | null; delayed: number | null }>(
      `SELECT SUM(visible_at <= ?1) AS visible, SUM(visible_at > ?1 AND receive_count > 0) AS inflight,
        SUM(visible_at > ?1 AND receive_count = 0) AS delayed FROM sqs_message WHERE queue_id = ?2`,
    ),
    countVisible: q<{ n: number }>('SELECT COUNT(*) AS n FROM sqs_message WHERE queue_id = ? AND visible_at <= ?'),
    deleteExpired: q<never>('DELETE FROM sqs_message WHERE queue_id = ? AND sent_at <= ?'),
  };
}

/** FIFO deduplication: the ids seen in the deduplication interval. */
function dedupStatements(q: Prepare) {
  return {
    dedup: q<{ message_id: string; seq: number }>(
      'SELECT message_id, seq FROM sqs_dedup WHERE queue_id = ? AND dedup_key = ? AND expires_at > ?',
    ),
    upsertDedup: q<never>('INSERT OR REPLACE INTO sqs_dedup (queue_id, dedup_key, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?)'),
    deleteExpiredDedup: q<never>('DELETE FROM sqs_dedup WHERE queue_id = ? AND expires_at <= ?'),
  };
}

/** Message move tasks (StartMessageMoveTask) and their progress. */
function moveTaskStatements(q: Prepare) {
  return {
    insertMoveTask: q<never>(
      `INSERT INTO sqs_move_task (id, source_arn, destination_arn, max_per_second, status, moved, to_move, cursor, started_at)
        VALUES (?, ?, ?, ?, 'RUNNING', 0, ?, 0, ?)`,
    ),
    moveTask: q<MoveTaskRow>('SELECT * FROM sqs_move_task WHERE id = ?'),
    moveTasksFor: q<MoveTaskRow>('SELECT * FROM sqs_move_task WHERE source_arn = ? ORDER BY started_at DESC, rowid DESC LIMIT ?'),
    runningMoveTasks: q<MoveTaskRow>(`SELECT * FROM sqs_move_task WHERE status = 'RUNNING'`),
    updateMoveTask: q<never>('UPDATE sqs_move_task SET status = ?, moved = ?, cursor = ?, failure_reason = ? WHERE id = ?'),
  };
}

export type SqsStore = ReturnType<typeof openSqsStore>;
