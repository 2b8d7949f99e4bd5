import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { inTransaction } from './transaction.js';

/** A tag's key and value, whatever the casing a service's API writes them in (`Key`/`key`, `Value`/`value`). */
export type TagPair = readonly [key: string, value: string];

/**
 * Where a service kept its tags before the TagStore: read once into the store, then dropped, so
 * a data folder written by an earlier version keeps its tags. Either one JSON document per ARN
 * (`<table> (arn TEXT PRIMARY KEY, json TEXT NOT NULL)`, read by `pairs`), a row per tag
 * (`<table> (<arnColumn>, key, value)`), a member of the resources' own records (a
 * JsonTable's documents, read by `embedded`): those records stay, each rewritten without its tags,
 * or a column of the resources' own table (`tagsColumn`): the table stays, without that column.
 */
export type LegacyTagTable =
  | {
      readonly table: string;
      /**
       * The code's own name (never input) of the column that held each row's tags as JSON: a map of
       * key to value or a list of `{ Key, Value }` (SQL NULL: none). Dropped once they are moved.
       */
      readonly tagsColumn: string;
      /** The code's own column name (never input) of the resource's ARN, or of what `arnOf` makes one of. */
      readonly arnColumn: string;
      /** The ARN of the resource a row names, for a table that named it otherwise (SQS: by the queue's name). */
      readonly arnOf?: (value: string) => string;
    }
  | {
      readonly table: string;
      /** The code's own name (never input) of the table's key column (JsonTable's `key`). */
      readonly keyColumn: string;
      /**
       * The tags a record holds, the ARN of the resource they are of, and the record without
       * them; undefined for a record that holds none (every record, once they were moved).
       */
      readonly embedded: (document: unknown) => { arn: string; pairs: readonly TagPair[]; without: unknown } | undefined;
    }
  | {
      /** The code's own table name (never input). */
      readonly table: string;
      /** The pairs a row's document holds. */
      readonly pairs: (document: unknown) => readonly TagPair[];
    }
  | {
      readonly table: string;
      /** The code's own column name (never input) of the resource's ARN, or of what `arnOf` makes one of. */
      readonly arnColumn: string;
      /** The ARN of the resource a row names, for a table that named it otherwise (SSM: by the parameter's name). */
      readonly arnOf?: (value: string) => string;
    };

type ListedTag = { readonly Key: string; readonly Value: string };

/** Tags as a service's records held them: a map of key to value or a list of `{ Key, Value }`. */
function pairsOf(tags: Readonly<Record<string, string>> | readonly ListedTag[]): TagPair[] {
  return Array.isArray(tags) ? tags.map((tag: ListedTag): TagPair => [tag.Key, tag.Value]) : Object.entries(tags);
}

/**
 * Where an earlier version kept each resource's tags in a member of its own record (a JsonTable
 * `table` keyed by `keyColumn`): `member` held a map of key to value or a list of `{ Key, Value }`,
 * and `arnOf` names the resource a record is (its ARN, or the id a service keys its tags by).
 */
export function embeddedTags(
  table: string,
  keyColumn: string,
  member: string,
  arnOf: (record: Readonly<Record<string, unknown>>) => string,
): LegacyTagTable {
  return {
    table,
    keyColumn,
    embedded: (document) => {
      const { [member]: tags, ...without } = document as Record<string, unknown>;
      if (tags === undefined) return undefined;
      return { arn: arnOf(without), pairs: pairsOf(tags as Record<string, string> | readonly ListedTag[]), without };
    },
  };
}

/**
 * Resources' tags, kept in SQLite by ARN: the one mechanism behind each service's TagResource,
 * UntagResource and ListTags operations and the tags of its Create operations. Keys keep the
 * order they were first given in; a key given again takes its new value. What a service's API
 * takes and answers (its shapes, limits, error codes and which ARNs name a taggable resource)
 * stays the service's: this keeps the tags.
 */
export class TagStore {
  readonly #db: DatabaseSync;
  readonly #statements: Record<'list' | 'put' | 'remove' | 'forget' | 'forgetUnder' | 'arnsUnder', StatementSync>;

  /** `legacy`: where the service kept its tags before (one place, or several for a service with several kinds of resource). */
  constructor(db: DatabaseSync, legacy?: LegacyTagTable | readonly LegacyTagTable[]) {
    this.#db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS resource_tags (
      arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (arn, key))`);
    this.#statements = {
      list: db.prepare('SELECT key, value FROM resource_tags WHERE arn = ? ORDER BY position'),
      // A new key goes after the resource's others; a key it has keeps its place and takes the new value.
      put: db.prepare(`INSERT INTO resource_tags (arn, key, value, position)
        VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), 0) + 1 FROM resource_tags WHERE arn = ?1))
        ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value`),
      remove: db.prepare('DELETE FROM resource_tags WHERE arn = ? AND key = ?'),
      forget: db.prepare('DELETE FROM resource_tags WHERE arn = ?'),
      // A prefix compared as text, not LIKE: an ARN may hold `_` or `%`.
      forgetUnder: db.prepare('DELETE FROM resource_tags WHERE substr(arn, 1, length(?1)) = ?1'),
      arnsUnder: db.prepare('SELECT DISTINCT arn FROM resource_tags WHERE substr(arn, 1, length(?1)) = ?1'),
    };
    for (const old of legacy === undefined ? [] : 'table' in legacy ? [legacy] : legacy) this.#adopt(old as LegacyTagTable);
  }

  /** The resource's tags, in the order their keys were first given; none for a resource never tagged. */
  list(arn: string): TagPair[] {
    return (this.#statements.list.all(arn) as { key: string; value: string }[]).map((row) => [row.key, row.value]);
  }

  /** The resource's tags as a map. */
  map(arn: string): Record<string, string> {
    return Object.fromEntries(this.list(arn));
  }

  /** Adds tags to a resource, a key given again taking its new value: all of them or, if one fails, none. */
  tag(arn: string, tags: Iterable<TagPair>): void {
    inTransaction(this.#db, () => {
      for (const [key, value] of tags) this.#statements.put.run(arn, key, value);
    });
  }

  /** Gives a resource these tags in place of those it had (a template's resource, at each start and synthesis). */
  replace(arn: string, tags: Iterable<TagPair>): void {
    inTransaction(this.#db, () => {
      this.forget(arn);
      this.tag(arn, tags);
    });
  }

  /** Removes the tags of these keys; a key the resource does not have is no error. */
  untag(arn: string, keys: Iterable<string>): void {
    inTransaction(this.#db, () => {
      for (const key of keys) this.#statements.remove.run(arn, key);
    });
  }

  /** Drops a deleted resource's tags: one created again under its ARN has none. */
  forget(arn: string): void {
    this.#statements.forget.run(arn);
  }

  /** The tagged resources whose ARN starts with `prefix`. */
  arnsUnder(prefix: string): string[] {
    return this.#statements.arnsUnder.all(prefix).map((row) => String(row.arn));
  }

  /** Drops the tags of every resource whose ARN starts with `prefix` (a deleted stream's consumers: `<stream ARN>/consumer/`). */
  forgetUnder(prefix: string): void {
    this.#statements.forgetUnder.run(prefix);
  }

  #adopt(legacy: LegacyTagTable): void {
    const exists = this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(legacy.table);
    if (exists === undefined) return;
    inTransaction(this.#db, () => {
      if ('embedded' in legacy) return this.#adoptEmbedded(legacy);
      if ('tagsColumn' in legacy) return this.#adoptColumn(legacy);
      if ('pairs' in legacy) {
        const rows = this.#db.prepare(`SELECT arn, json FROM ${legacy.table}`).all() as { arn: string; json: string }[];
        for (const row of rows) this.tag(row.arn, legacy.pairs(JSON.parse(row.json)));
      } else {
        const rows = this.#db
          .prepare(`SELECT ${legacy.arnColumn} AS arn, key, value FROM ${legacy.table} ORDER BY ${legacy.arnColumn}, key`)
          .all() as {
          arn: string;
          key: string;
          value: string;
        }[];
        for (const row of rows) this.tag(legacy.arnOf ? legacy.arnOf(row.arn) : row.arn, [[row.key, row.value]]);
      }
      this.#db.exec(`DROP TABLE ${legacy.table}`);
    });
  }

  /** Moves the tags a table's records hold into the store, rewriting each record that held some without them (the table stays). */
  #adoptEmbedded(legacy: Extract<LegacyTagTable, { embedded: unknown }>): void {
    const { table, keyColumn } = legacy;
    const rows = this.#db.prepare(`SELECT ${keyColumn} AS key, json FROM ${table}`).all() as { key: string; json: string }[];
    const rewrite = this.#db.prepare(`UPDATE ${table} SET json = ? WHERE ${keyColumn} = ?`);
    for (const row of rows) {
      const found = legacy.embedded(JSON.parse(row.json));
      if (found === undefined) continue;
      this.tag(found.arn, found.pairs);
      rewrite.run(JSON.stringify(found.without), row.key);
    }
  }

  /** Moves the tags a column of a table's rows held into the store, then drops the column (the table and its rows stay). */
  #adoptColumn(legacy: Extract<LegacyTagTable, { tagsColumn: string }>): void {
    const { table, tagsColumn, arnColumn, arnOf } = legacy;
    const columns = this.#db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
    if (!columns.some((column) => column.name === tagsColumn)) return;
    const rows = this.#db.prepare(`SELECT ${arnColumn} AS arn, ${tagsColumn} AS tags FROM ${table}`).all() as {
      arn: string;
      tags: string | null;
    }[];
    for (const row of rows) {
      if (row.tags === null) continue;
      this.tag(arnOf ? arnOf(row.arn) : row.arn, pairsOf(JSON.parse(row.tags)));
    }
    this.#db.exec(`ALTER TABLE ${table} DROP COLUMN ${tagsColumn}`);
  }
}
