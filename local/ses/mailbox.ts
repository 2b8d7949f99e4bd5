import { SqlWhere } from '../store/sql-where.js';
import { composeMessage, newMessageId } from './mime.js';
import type { SesStore } from './ses-store.js';

/** What became of a message the local SES accepted. */
export type MailStatus = 'delivered' | 'rendering-failure';

/** A message in the local mailbox, without its content. */
export interface MailRecord {
  /** SES's message id (what the send answered). */
  readonly id: string;
  /** Its place in the mailbox: later messages have higher numbers. */
  readonly seq: number;
  readonly sentAt: number;
  readonly source: string;
  /** Every recipient it went to (To, Cc and Bcc, or a raw message's destinations). */
  readonly destinations: readonly string[];
  readonly subject?: string;
  /** The operation that sent it (`SendEmail`, `SendTemplatedEmail`, ...), or `VerifyEmailIdentity` for SES's own verification mail. */
  readonly operation: string;
  readonly configurationSet?: string;
  readonly status: MailStatus;
  /** Why it was not delivered (a rendering failure's message). */
  readonly failure?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The size of its MIME message, in bytes. */
  readonly size: number;
}

export interface NewMail extends Omit<MailRecord, 'seq' | 'size'> {
  readonly raw: Buffer;
}

/** A plain message another service sends a person (SNS's email subscriptions), composed here as SES composes its own. */
export interface ServiceMail {
  /** The From header (`"AWS Notifications" <no-reply@sns.amazonaws.com>`). */
  readonly from: string;
  /** The address the mailbox lists it from. */
  readonly source: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** What sent it, as the mailbox lists it (`sns:SubscriptionConfirmation`). */
  readonly operation: string;
  readonly sentAt: number;
}

/**
 * The local mailbox: every message SES accepted, as the MIME message it sent (what a person
 * would have received), in the `messages` table of SES's database. A message is written in
 * the transaction that accepts it, before the send is answered.
 */
export class Mailbox {
  constructor(private readonly store: SesStore) {}

  /** Writes a message; call it inside the transaction that accepts it. */
  add(mail: NewMail): void {
    this.store.db
      .prepare(
        `INSERT INTO messages (id, sent_at, source, destinations, subject, operation, configuration_set, status, failure, tags, raw)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        mail.id,
        mail.sentAt,
        mail.source,
        JSON.stringify(mail.destinations),
        mail.subject ?? null,
        mail.operation,
        mail.configurationSet ?? null,
        mail.status,
        mail.failure ?? null,
        JSON.stringify(mail.tags),
        mail.raw,
      );
  }

  /** Composes a service's message and writes it; answers its message id. */
  async deliver(mail: ServiceMail): Promise<string> {
    const id = newMessageId(mail.sentAt);
    const raw = await composeMessage(
      {
        from: mail.from,
        to: [mail.to],
        cc: [],
        replyTo: [],
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
      },
      id,
      new Date(mail.sentAt),
    );
    this.add({
      id,
      sentAt: mail.sentAt,
      source: mail.source,
      destinations: [mail.to],
      subject: mail.subject,
      operation: mail.operation,
      status: 'delivered',
      tags: {},
      raw,
    });
    return id;
  }

  /** Messages newest first, those before `before` (a `seq`), to or from `address` when given. */
  list(query: { limit: number; before?: number; address?: string }): { messages: MailRecord[]; last?: number } {
    const where = new SqlWhere()
      .given(query.before, 'seq < ?')
      // Recipients are kept as a JSON array: match the address as one of its strings, case-insensitively.
      .given(
        query.address,
        "(lower(source) LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM json_each(destinations) WHERE lower(value) LIKE ? ESCAPE '\\'))",
        (address) => {
          const pattern = `%${address.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
          return [pattern, pattern];
        },
      );
    const rows = this.store.db
      .prepare(`SELECT ${COLUMNS} FROM messages ${where.clause} ORDER BY seq DESC LIMIT ?`)
      .all(...where.values, query.limit + 1) as Record<string, unknown>[];
    const messages = rows.slice(0, query.limit).map(recordOf);
    const more = rows.length > query.limit;
    return { messages, ...(more && messages.length > 0 ? { last: messages[messages.length - 1]?.seq } : {}) };
  }

  /** A message and its MIME content, by its message id; undefined when there is none. */
  get(id: string): { record: MailRecord; raw: Buffer } | undefined {
    const row = this.store.db.prepare(`SELECT ${COLUMNS}, raw FROM messages WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    if (row === undefined) return undefined;
    return { record: recordOf(row), raw: Buffer.from(row.raw as Uint8Array) };
  }

  count(): number {
    return Number((this.store.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n);
  }
}

const COLUMNS = 'seq, id, sent_at, source, destinations, subject, operation, configuration_set, status, failure, tags, length(raw) AS size';

function recordOf(row: Record<string, unknown>): MailRecord {
  return {
    id: String(row.id),
    seq: Number(row.seq),
    sentAt: Number(row.sent_at),
    source: String(row.source),
    destinations: JSON.parse(String(row.destinations)) as string[],
    ...(row.subject === null ? {} : { subject: String(row.subject) }),
    operation: String(row.operation),
    ...(row.configuration_set === null ? {} : { configurationSet: String(row.configuration_set) }),
    status: row.status as MailStatus,
    ...(row.failure === null ? {} : { failure: String(row.failure) }),
    tags: JSON.parse(String(row.tags)) as Record<string, string>,
    size: Number(row.size),
  };
}
