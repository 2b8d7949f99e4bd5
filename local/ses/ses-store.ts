import type { DatabaseSync } from 'node:sqlite';
import { TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';
import type { EventDestinationDefinition } from './definitions.js';

export type IdentityType = 'EmailAddress' | 'Domain';
/** The v1 API's verification states; the v2 API writes them in capitals (`SUCCESS`). */
export type VerificationStatus = 'Pending' | 'Success' | 'Failed' | 'TemporaryFailure' | 'NotStarted';

export interface IdentityRow {
  readonly name: string;
  readonly type: IdentityType;
  readonly status: VerificationStatus;
  /** The proof a verification link carries, and a domain's TXT record value. */
  readonly token: string;
  readonly createdAt: number;
  /** `template`: declared by the app; `api`: created through the API. */
  readonly origin: 'template' | 'api';
  readonly configurationSet?: string;
}

export interface TemplateRow {
  readonly name: string;
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
  readonly createdAt: number;
}

/** A template as its list shows it. */
export type TemplateSummary = Pick<TemplateRow, 'name' | 'createdAt'>;

export interface ConfigurationSetRow {
  readonly name: string;
  readonly sendingEnabled: boolean;
  readonly createdAt: number;
}

/** The data folder's `ses.sqlite`: identities, templates, configuration sets, the mailbox, and the events owed to destinations. */
export class SesStore {
  readonly #tags: TagStore;

  constructor(readonly db: DatabaseSync) {
    // Before the TagStore, the `tags` table held a row per tag.
    this.#tags = new TagStore(db, { table: 'tags', arnColumn: 'arn' });
    db.exec(`
      CREATE TABLE IF NOT EXISTS identities (
        name TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, token TEXT NOT NULL,
        created_at INTEGER NOT NULL, origin TEXT NOT NULL, configuration_set TEXT
      );
      CREATE TABLE IF NOT EXISTS templates (
        name TEXT PRIMARY KEY, subject TEXT, html TEXT, text TEXT, created_at INTEGER NOT NULL, origin TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS templates_by_creation ON templates (created_at, name);
      CREATE TABLE IF NOT EXISTS configuration_sets (
        name TEXT PRIMARY KEY, sending_enabled INTEGER NOT NULL, created_at INTEGER NOT NULL, origin TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS event_destinations (
        configuration_set TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL, origin TEXT NOT NULL,
        PRIMARY KEY (configuration_set, name)
      );
      CREATE TABLE IF NOT EXISTS account (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS send_log (at INTEGER NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS send_log_at ON send_log (at);
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sent_at INTEGER NOT NULL, source TEXT NOT NULL,
        destinations TEXT NOT NULL, subject TEXT, operation TEXT NOT NULL, configuration_set TEXT,
        status TEXT NOT NULL, failure TEXT, tags TEXT NOT NULL, raw BLOB NOT NULL
      );
      CREATE TABLE IF NOT EXISTS event_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT, next_at INTEGER NOT NULL, first_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, target TEXT NOT NULL, body TEXT NOT NULL, label TEXT, resources TEXT
      );
    `);
  }

  transaction<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }

  // ---- identities ----

  identity(name: string): IdentityRow | undefined {
    const row = this.db.prepare('SELECT * FROM identities WHERE name = ?').get(name) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : identityOf(row);
  }

  identities(type?: IdentityType): IdentityRow[] {
    const rows = (
      type === undefined
        ? this.db.prepare('SELECT * FROM identities ORDER BY name').all()
        : this.db.prepare('SELECT * FROM identities WHERE type = ? ORDER BY name').all(type)
    ) as Record<string, unknown>[];
    return rows.map(identityOf);
  }

  /** Writes an identity; an existing one keeps its creation time unless `replace` is given. */
  putIdentity(identity: IdentityRow): void {
    this.db
      .prepare(
        `INSERT INTO identities (name, type, status, token, created_at, origin, configuration_set) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET type = excluded.type, status = excluded.status, token = excluded.token,
         created_at = excluded.created_at, origin = excluded.origin, configuration_set = excluded.configuration_set`,
      )
      .run(
        identity.name,
        identity.type,
        identity.status,
        identity.token,
        identity.createdAt,
        identity.origin,
        identity.configurationSet ?? null,
      );
  }

  setIdentityStatus(name: string, status: VerificationStatus): void {
    this.db.prepare('UPDATE identities SET status = ? WHERE name = ?').run(status, name);
  }

  deleteIdentity(name: string): boolean {
    return Number(this.db.prepare('DELETE FROM identities WHERE name = ?').run(name).changes) > 0;
  }

  // ---- templates ----

  template(name: string): TemplateRow | undefined {
    const row = this.db.prepare('SELECT * FROM templates WHERE name = ?').get(name) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : templateOf(row);
  }

  /**
   * Up to `count` templates' names and creation times, oldest first, from the `start`th: a
   * list reads the page it answers and no template's contents (a template may be 500 KB;
   * reading them all for a page of names blocked the runtime for as long as they took).
   */
  templateSummaries(start: number, count: number): TemplateSummary[] {
    const rows = this.db.prepare('SELECT name, created_at FROM templates ORDER BY created_at, name LIMIT ? OFFSET ?').all(count, start) as {
      name: string;
      created_at: number;
    }[];
    return rows.map((row) => ({ name: row.name, createdAt: Number(row.created_at) }));
  }

  putTemplate(template: TemplateRow, origin: 'template' | 'api'): void {
    this.db
      .prepare(
        `INSERT INTO templates (name, subject, html, text, created_at, origin) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET subject = excluded.subject, html = excluded.html, text = excluded.text`,
      )
      .run(template.name, template.subject ?? null, template.html ?? null, template.text ?? null, template.createdAt, origin);
  }

  deleteTemplate(name: string): boolean {
    return Number(this.db.prepare('DELETE FROM templates WHERE name = ?').run(name).changes) > 0;
  }

  // ---- configuration sets and their event destinations ----

  configurationSet(name: string): ConfigurationSetRow | undefined {
    const row = this.db.prepare('SELECT * FROM configuration_sets WHERE name = ?').get(name) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : configurationSetOf(row);
  }

  configurationSets(): ConfigurationSetRow[] {
    return (this.db.prepare('SELECT * FROM configuration_sets ORDER BY name').all() as Record<string, unknown>[]).map(configurationSetOf);
  }

  putConfigurationSet(set: ConfigurationSetRow, origin: 'template' | 'api'): void {
    this.db
      .prepare(
        `INSERT INTO configuration_sets (name, sending_enabled, created_at, origin) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET sending_enabled = excluded.sending_enabled`,
      )
      .run(set.name, set.sendingEnabled ? 1 : 0, set.createdAt, origin);
  }

  deleteConfigurationSet(name: string): boolean {
    return this.transaction(() => {
      this.db.prepare('DELETE FROM event_destinations WHERE configuration_set = ?').run(name);
      return Number(this.db.prepare('DELETE FROM configuration_sets WHERE name = ?').run(name).changes) > 0;
    });
  }

  eventDestinations(configurationSet: string): EventDestinationDefinition[] {
    const rows = this.db
      .prepare('SELECT definition FROM event_destinations WHERE configuration_set = ? ORDER BY rowid')
      .all(configurationSet) as { definition: string }[];
    return rows.map((row) => JSON.parse(row.definition) as EventDestinationDefinition);
  }

  /** Writes an event destination; whether it is new (SES tests a new SNS destination with a message). */
  putEventDestination(destination: EventDestinationDefinition, origin: 'template' | 'api'): boolean {
    const existed = this.db
      .prepare('SELECT 1 FROM event_destinations WHERE configuration_set = ? AND name = ?')
      .get(destination.configurationSet, destination.name);
    this.db
      .prepare(
        `INSERT INTO event_destinations (configuration_set, name, definition, origin) VALUES (?, ?, ?, ?)
         ON CONFLICT (configuration_set, name) DO UPDATE SET definition = excluded.definition`,
      )
      .run(destination.configurationSet, destination.name, JSON.stringify(destination), origin);
    return existed === undefined;
  }

  deleteEventDestination(configurationSet: string, name: string): boolean {
    return (
      Number(
        this.db.prepare('DELETE FROM event_destinations WHERE configuration_set = ? AND name = ?').run(configurationSet, name).changes,
      ) > 0
    );
  }

  /**
   * Removes what an earlier template declared and this one does not (as CloudFormation deletes
   * a resource removed from the template); what was created through the API stays. Answers
   * what it removed, a line each.
   */
  removeUndeclared(declared: {
    identities: readonly string[];
    templates: readonly string[];
    configurationSets: readonly string[];
    eventDestinations: readonly { configurationSet: string; name: string }[];
  }): string[] {
    return this.transaction(() => {
      const removed: string[] = [];
      const sweep = (table: string, key: string, keep: readonly string[], what: string) => {
        const rows = this.db.prepare(`SELECT ${key} AS name FROM ${table} WHERE origin = 'template'`).all() as { name: string }[];
        for (const { name } of rows.filter((row) => !keep.includes(row.name))) {
          this.db.prepare(`DELETE FROM ${table} WHERE ${key} = ?`).run(name);
          removed.push(`${what} ${name}`);
        }
      };
      const destinations = this.db
        .prepare("SELECT configuration_set AS set_name, name FROM event_destinations WHERE origin = 'template'")
        .all() as { set_name: string; name: string }[];
      for (const d of destinations) {
        if (declared.eventDestinations.some((kept) => kept.configurationSet === d.set_name && kept.name === d.name)) continue;
        this.deleteEventDestination(d.set_name, d.name);
        removed.push(`event destination ${d.set_name}/${d.name}`);
      }
      sweep('identities', 'name', declared.identities, 'identity');
      sweep('templates', 'name', declared.templates, 'template');
      for (const set of this.configurationSets().map((row) => row.name)) {
        const origin = (this.db.prepare('SELECT origin FROM configuration_sets WHERE name = ?').get(set) as { origin: string }).origin;
        if (origin === 'template' && !declared.configurationSets.includes(set)) {
          this.deleteConfigurationSet(set);
          removed.push(`configuration set ${set}`);
        }
      }
      return removed;
    });
  }

  // ---- tags ----

  /** A resource's tags by key, as SES v2 lists them. */
  tags(arn: string): { Key: string; Value: string }[] {
    return this.#tags
      .list(arn)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([Key, Value]) => ({ Key, Value }));
  }

  putTags(arn: string, tags: readonly { Key: string; Value?: string }[]): void {
    this.#tags.tag(
      arn,
      tags.map((tag) => [tag.Key, tag.Value ?? ''] as const),
    );
  }

  /** Removes the tags of these keys, or, with none, all of a deleted resource's. */
  deleteTags(arn: string, keys?: readonly string[]): void {
    if (keys === undefined) this.#tags.forget(arn);
    else this.#tags.untag(arn, keys);
  }

  // ---- the account ----

  setting(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM account WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO account (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  /** Counts a send's recipients (`send`), or a bounce, complaint or reject, for the quota and the statistics. */
  logSend(at: number, kind: 'send' | 'bounce' | 'complaint' | 'reject', count: number): void {
    this.db.prepare('INSERT INTO send_log (at, kind, count) VALUES (?, ?, ?)').run(at, kind, count);
  }

  /** Recipients sent to since `since`. */
  sentSince(since: number): number {
    return Number(
      (this.db.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM send_log WHERE kind = 'send' AND at > ?").get(since) as { n: number }).n,
    );
  }

  /** The send log since `since` in 15-minute buckets, as GetSendStatistics reports it. */
  statistics(since: number): { bucket: number; kind: string; count: number }[] {
    return this.db
      .prepare(
        'SELECT (at / 900000) * 900000 AS bucket, kind, SUM(count) AS count FROM send_log WHERE at > ? GROUP BY bucket, kind ORDER BY bucket',
      )
      .all(since) as { bucket: number; kind: string; count: number }[];
  }
}

function identityOf(row: Record<string, unknown>): IdentityRow {
  return {
    name: String(row.name),
    type: row.type as IdentityType,
    status: row.status as VerificationStatus,
    token: String(row.token),
    createdAt: Number(row.created_at),
    origin: row.origin as 'template' | 'api',
    ...(row.configuration_set === null ? {} : { configurationSet: String(row.configuration_set) }),
  };
}

function templateOf(row: Record<string, unknown>): TemplateRow {
  return {
    name: String(row.name),
    ...(row.subject === null ? {} : { subject: String(row.subject) }),
    ...(row.html === null ? {} : { html: String(row.html) }),
    ...(row.text === null ? {} : { text: String(row.text) }),
    createdAt: Number(row.created_at),
  };
}

function configurationSetOf(row: Record<string, unknown>): ConfigurationSetRow {
  return { name: String(row.name), sendingEnabled: Number(row.sending_enabled) === 1, createdAt: Number(row.created_at) };
}
