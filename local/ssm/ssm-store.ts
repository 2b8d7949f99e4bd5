import type { DatabaseSync } from 'node:sqlite';
import { TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';

/**
 * The parameter store's tables. Every version of every parameter is a row (SSM keeps the
 * last 100), so history survives restarts; the current value is the highest version.
 * `ssm_template_value` remembers what the template last declared for each parameter, so a
 * start only writes a new version when the template's value changed (as a stack update
 * would), and a value put at run time is otherwise kept.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS ssm_parameter_version (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  data_type TEXT NOT NULL,
  tier TEXT NOT NULL,
  description TEXT,
  allowed_pattern TEXT,
  key_id TEXT,
  modified_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ssm_template_value (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

export interface ParameterRow {
  name: string;
  version: number;
  type: string;
  value: string;
  data_type: string;
  tier: string;
  description: string | null;
  allowed_pattern: string | null;
  key_id: string | null;
  modified_at: number;
}

/** SSM keeps this many versions of a parameter; putting one more drops the oldest. */
const MAX_VERSIONS = 100;

export class SsmStore {
  readonly #tags: TagStore;

  constructor(
    private readonly db: DatabaseSync,
    /** A parameter's ARN, by its name: what its tags are kept by. */
    private readonly arnOf: (name: string) => string,
  ) {
    db.exec(SCHEMA);
    // Before the TagStore, `ssm_parameter_tag` held a row per tag, by the parameter's name.
    this.#tags = new TagStore(db, { table: 'ssm_parameter_tag', arnColumn: 'name', arnOf });
  }

  /** The current version of a parameter, or a given version. */
  get(name: string, version?: number): ParameterRow | undefined {
    const row =
      version === undefined
        ? this.db.prepare('SELECT * FROM ssm_parameter_version WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
        : this.db.prepare('SELECT * FROM ssm_parameter_version WHERE name = ? AND version = ?').get(name, version);
    return row as ParameterRow | undefined;
  }

  /** The current version of every parameter whose name starts with `prefix`, by name, after `after` (exclusive). */
  current(prefix: string, after = ''): ParameterRow[] {
    return this.db
      .prepare(
        `SELECT v.* FROM ssm_parameter_version v
         WHERE v.name >= ? AND v.name > ? AND substr(v.name, 1, ?) = ?
           AND v.version = (SELECT MAX(version) FROM ssm_parameter_version WHERE name = v.name)
         ORDER BY v.name`,
      )
      .all(prefix, after, prefix.length, prefix) as unknown as ParameterRow[];
  }

  history(name: string): ParameterRow[] {
    return this.db.prepare('SELECT * FROM ssm_parameter_version WHERE name = ? ORDER BY version').all(name) as unknown as ParameterRow[];
  }

  /** Writes a new version (one transaction), dropping versions beyond the last 100; returns its number. */
  put(row: Omit<ParameterRow, 'version'>, tags?: readonly { Key: string; Value: string }[]): number {
    return inTransaction(this.db, () => {
      const latest = this.get(row.name)?.version ?? 0;
      const version = latest + 1;
      this.db
        .prepare(
          `INSERT INTO ssm_parameter_version (name, version, type, value, data_type, tier, description, allowed_pattern, key_id, modified_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.name,
          version,
          row.type,
          row.value,
          row.data_type,
          row.tier,
          row.description,
          row.allowed_pattern,
          row.key_id,
          row.modified_at,
        );
      this.db.prepare('DELETE FROM ssm_parameter_version WHERE name = ? AND version <= ?').run(row.name, version - MAX_VERSIONS);
      this.setTags(row.name, tags ?? []);
      return version;
    });
  }

  /** Deletes every version of a parameter; whether it existed. */
  delete(name: string): boolean {
    this.#tags.forget(this.arnOf(name));
    return Number(this.db.prepare('DELETE FROM ssm_parameter_version WHERE name = ?').run(name).changes) > 0;
  }

  /** A parameter's tags by key, as ListTagsForResource answers them. */
  tags(name: string): { Key: string; Value: string }[] {
    return this.#tags
      .list(this.arnOf(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([Key, Value]) => ({ Key, Value }));
  }

  setTags(name: string, tags: readonly { Key: string; Value: string }[]): void {
    this.#tags.tag(
      this.arnOf(name),
      tags.map((tag) => [tag.Key, tag.Value] as const),
    );
  }

  removeTags(name: string, keys: readonly string[]): void {
    this.#tags.untag(this.arnOf(name), keys);
  }

  templateValue(name: string): { type: string; value: string } | undefined {
    return this.db.prepare('SELECT type, value FROM ssm_template_value WHERE name = ?').get(name) as
      | { type: string; value: string }
      | undefined;
  }

  setTemplateValue(name: string, type: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO ssm_template_value (name, type, value) VALUES (?, ?, ?)').run(name, type, value);
  }
}
