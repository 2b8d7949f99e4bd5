import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * A SQLite table of JSON documents by a text key (an ARN, a name or a UUID): how a service keeps what
 * its API creates (EventBridge's buses, rules, archives, replays, tags and bus settings,
 * Scheduler's schedules and groups) across restarts, each as one row it reads back whole.
 */
export class JsonTable<T> {
  readonly #statements: Record<'entries' | 'get' | 'put' | 'delete', StatementSync>;

  /** `table` and `key` are the code's own names (never input): the table is `<table> (<key> TEXT PRIMARY KEY, json TEXT NOT NULL)`. */
  constructor(db: DatabaseSync, table: string, key: 'arn' | 'name' | 'id' | 'uuid') {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (${key} TEXT PRIMARY KEY, json TEXT NOT NULL)`);
    this.#statements = {
      entries: db.prepare(`SELECT ${key} AS key, json FROM ${table} ORDER BY ${key}`),
      get: db.prepare(`SELECT json FROM ${table} WHERE ${key} = ?`),
      put: db.prepare(`INSERT OR REPLACE INTO ${table} (${key}, json) VALUES (?, ?)`),
      delete: db.prepare(`DELETE FROM ${table} WHERE ${key} = ?`),
    };
  }

  /** Every document with its key, by key. */
  entries(): [string, T][] {
    return (this.#statements.entries.all() as { key: string; json: string }[]).map((row) => [row.key, JSON.parse(row.json) as T]);
  }

  /** Every document, by key. */
  all(): T[] {
    return this.entries().map(([, value]) => value);
  }

  get(key: string): T | undefined {
    const row = this.#statements.get.get(key) as { json: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.json) as T);
  }

  /** Writes the document under its key, replacing the one it had. */
  put(key: string, value: T): void {
    this.#statements.put.run(key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.#statements.delete.run(key);
  }
}
