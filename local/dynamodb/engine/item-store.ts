import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { IndexShape, KeyShape, TableShape } from './table-schema.js';
import { type AttributeValue, type Item, keyBytes } from './values.js';

const EMPTY = new Uint8Array(0);

/** Where a read starts after (exclusive) or stops: a position in an index's or table's key order. */
export interface KeyBounds {
  /** Sort key bytes the range must be at least / at most; `lowOpen`/`highOpen` make the bound strict. */
  readonly low?: Uint8Array;
  readonly lowOpen?: boolean;
  readonly high?: Uint8Array;
  readonly highOpen?: boolean;
  /** Bytes every sort key must start with (begins_with). */
  readonly prefix?: Uint8Array;
}

/** A row read in key order: the item, and its position (for LastEvaluatedKey). */
export interface ReadRow {
  readonly item: Item;
  readonly hash: Uint8Array;
  readonly range: Uint8Array;
  /** For an index: the table's key of the item, which orders items with the same index key. */
  readonly itemHash?: Uint8Array;
  readonly itemRange?: Uint8Array;
}

/**
 * The items of every table in SQLite: one row per item, keyed by its table's row id and its
 * key's bytes (ordered as DynamoDB orders keys), and one row per item in each secondary index
 * whose key attributes it has. Every method runs inside the caller's transaction.
 */
export class ItemStore {
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #putIndex: StatementSync;
  readonly #deleteIndex: StatementSync;
  readonly #count: StatementSync;
  /** Prepared read statements by their SQL (a read's SQL depends only on which bounds it has). */
  readonly #reads = new Map<string, StatementSync>();

  constructor(private readonly db: DatabaseSync) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS dynamodb_items (
        table_id INTEGER NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL,
        PRIMARY KEY (table_id, hash, range)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS dynamodb_index_items (
        table_id INTEGER NOT NULL, index_name TEXT NOT NULL, hash BLOB NOT NULL, range BLOB NOT NULL,
        item_hash BLOB NOT NULL, item_range BLOB NOT NULL,
        PRIMARY KEY (table_id, index_name, hash, range, item_hash, item_range)) WITHOUT ROWID;
    `);
    this.#get = db.prepare('SELECT item FROM dynamodb_items WHERE table_id = ? AND hash = ? AND range = ?');
    this.#put = db.prepare(
      'INSERT INTO dynamodb_items (table_id, hash, range, item, size) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET item = excluded.item, size = excluded.size',
    );
    this.#delete = db.prepare('DELETE FROM dynamodb_items WHERE table_id = ? AND hash = ? AND range = ?');
    this.#putIndex = db.prepare(
      'INSERT OR IGNORE INTO dynamodb_index_items (table_id, index_name, hash, range, item_hash, item_range) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#deleteIndex = db.prepare(
      'DELETE FROM dynamodb_index_items WHERE table_id = ? AND index_name = ? AND hash = ? AND range = ? AND item_hash = ? AND item_range = ?',
    );
    this.#count = db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS size FROM dynamodb_items WHERE table_id = ?');
  }

  /** An item by its key (undefined: none). */
  get(table: TableShape, key: Item): Item | undefined {
    const [hash, range] = keyPosition(key, table);
    const row = this.#get.get(table.id, hash, range) as { item: string } | undefined;
    return row && (JSON.parse(row.item) as Item);
  }

  /** Writes an item (the one it replaces, if any, given so that its index rows go). */
  put(table: TableShape, item: Item, size: number, before: Item | undefined): void {
    const [hash, range] = keyPosition(item, table);
    this.#put.run(table.id, hash, range, JSON.stringify(item), size);
    this.#reindex(table, hash, range, before, item);
  }

  delete(table: TableShape, key: Item, before: Item | undefined): void {
    const [hash, range] = keyPosition(key, table);
    this.#delete.run(table.id, hash, range);
    this.#reindex(table, hash, range, before, undefined);
  }

  #reindex(table: TableShape, hash: Uint8Array, range: Uint8Array, before: Item | undefined, after: Item | undefined): void {
    for (const index of table.indexes) {
      const old = before && indexPosition(before, index);
      const next = after && indexPosition(after, index);
      if (old && next && Buffer.compare(old[0], next[0]) === 0 && Buffer.compare(old[1], next[1]) === 0) continue;
      if (old) this.#deleteIndex.run(table.id, index.name, old[0], old[1], hash, range);
      if (next) this.#putIndex.run(table.id, index.name, next[0], next[1], hash, range);
    }
  }

  /** Item count and size of a table (DescribeTable's ItemCount and TableSizeBytes). */
  figures(table: TableShape): { count: number; size: number } {
    const row = this.#count.get(table.id) as { count: number; size: number };
    return { count: Number(row.count), size: Number(row.size) };
  }

  /** An index's item count and size. */
  indexFigures(table: TableShape, index: string): { count: number; size: number } {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS count, COALESCE(SUM(i.size), 0) AS size FROM dynamodb_index_items x
         JOIN dynamodb_items i ON i.table_id = x.table_id AND i.hash = x.item_hash AND i.range = x.item_range
         WHERE x.table_id = ? AND x.index_name = ?`,
      )
      .get(table.id, index) as { count: number; size: number };
    return { count: Number(row.count), size: Number(row.size) };
  }

  /** Deletes every item of a table and its index rows. */
  drop(tableId: number): void {
    this.db.prepare('DELETE FROM dynamodb_items WHERE table_id = ?').run(tableId);
    this.db.prepare('DELETE FROM dynamodb_index_items WHERE table_id = ?').run(tableId);
  }

  /** Builds a new index's rows from the table's items (UpdateTable creating a GSI). */
  backfill(table: TableShape, index: IndexShape): void {
    for (const row of this.db.prepare('SELECT hash, range, item FROM dynamodb_items WHERE table_id = ?').iterate(table.id) as Iterable<{
      hash: Uint8Array;
      range: Uint8Array;
      item: string;
    }>) {
      const position = indexPosition(JSON.parse(row.item) as Item, index);
      if (position) this.#putIndex.run(table.id, index.name, position[0], position[1], row.hash, row.range);
    }
  }

  dropIndex(tableId: number, index: string): void {
    this.db.prepare('DELETE FROM dynamodb_index_items WHERE table_id = ? AND index_name = ?').run(tableId, index);
  }

  /**
   * Items of one partition (hash key) in sort key order, within bounds, after a position
   * (exclusive), at most `limit` rows. From the table, or from an index (`index`).
   */
  *partition(
    table: TableShape,
    index: IndexShape | undefined,
    hash: Uint8Array,
    bounds: KeyBounds,
    forward: boolean,
    after: ReadRow | undefined,
  ): Generator<ReadRow> {
    const where: string[] = [];
    const params: (Uint8Array | number | string)[] = [];
    const column = index ? 'x.range' : 'i.range';
    if (bounds.low) {
      where.push(`${column} ${bounds.lowOpen ? '>' : '>='} ?`);
      params.push(bounds.low);
    }
    if (bounds.high) {
      where.push(`${column} ${bounds.highOpen ? '<' : '<='} ?`);
      params.push(bounds.high);
    }
    if (bounds.prefix && bounds.prefix.length > 0) {
      where.push(`${column} >= ? AND substr(${column}, 1, ?) = ?`);
      params.push(bounds.prefix, bounds.prefix.length, bounds.prefix);
    }
    yield* this.#read(table, index, { hash, where, params, forward, after });
  }

  /** Every item of a table or index, in key order (partition, then sort key), after a position. */
  *all(table: TableShape, index: IndexShape | undefined, after: ReadRow | undefined): Generator<ReadRow> {
    yield* this.#read(table, index, { where: [], params: [], forward: true, after });
  }

  #statement(sql: string): StatementSync {
    let statement = this.#reads.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#reads.set(sql, statement);
    }
    return statement;
  }

  *#read(
    table: TableShape,
    index: IndexShape | undefined,
    query: {
      hash?: Uint8Array;
      where: string[];
      params: (Uint8Array | number | string)[];
      forward: boolean;
      after: ReadRow | undefined;
    },
  ): Generator<ReadRow> {
    const direction = query.forward ? 'ASC' : 'DESC';
    const compare = query.forward ? '>' : '<';
    const where = [...query.where];
    const params = [...query.params];
    if (index) {
      if (query.hash) {
        where.unshift('x.hash = ?');
        params.unshift(query.hash);
      }
      if (query.after) {
        const { hash, range, itemHash = EMPTY, itemRange = EMPTY } = query.after;
        where.push(`(x.hash, x.range, x.item_hash, x.item_range) ${compare} (?, ?, ?, ?)`);
        params.push(hash, range, itemHash, itemRange);
      }
      const sql = `SELECT x.hash, x.range, x.item_hash, x.item_range, i.item FROM dynamodb_index_items x
        JOIN dynamodb_items i ON i.table_id = x.table_id AND i.hash = x.item_hash AND i.range = x.item_range
        WHERE x.table_id = ? AND x.index_name = ? ${where.map((w) => `AND ${w}`).join(' ')}
        ORDER BY x.hash ${direction}, x.range ${direction}, x.item_hash ${direction}, x.item_range ${direction}`;
      for (const row of this.#statement(sql).iterate(table.id, index.name, ...params) as Iterable<Record<string, Uint8Array | string>>) {
        yield {
          item: JSON.parse(row.item as string) as Item,
          hash: row.hash as Uint8Array,
          range: row.range as Uint8Array,
          itemHash: row.item_hash as Uint8Array,
          itemRange: row.item_range as Uint8Array,
        };
      }
      return;
    }
    if (query.hash) {
      where.unshift('i.hash = ?');
      params.unshift(query.hash);
    }
    if (query.after) {
      where.push(`(i.hash, i.range) ${compare} (?, ?)`);
      params.push(query.after.hash, query.after.range);
    }
    const sql = `SELECT i.hash, i.range, i.item FROM dynamodb_items i WHERE i.table_id = ? ${where.map((w) => `AND ${w}`).join(' ')}
      ORDER BY i.hash ${direction}, i.range ${direction}`;
    for (const row of this.#statement(sql).iterate(table.id, ...params) as Iterable<Record<string, Uint8Array | string>>) {
      yield { item: JSON.parse(row.item as string) as Item, hash: row.hash as Uint8Array, range: row.range as Uint8Array };
    }
  }
}

/** The bytes of an item's (or key's) hash and range key, as the table stores them. */
export function keyPosition(item: Item, shape: KeyShape): [Uint8Array, Uint8Array] {
  const hash = keyBytes(item[shape.hash.name] as AttributeValue);
  const range = shape.range ? keyBytes(item[shape.range.name] as AttributeValue) : EMPTY;
  return [hash, range];
}

/** An item's position in an index, or undefined when it lacks the index's key attributes (a sparse index leaves it out). */
function indexPosition(item: Item, index: IndexShape): [Uint8Array, Uint8Array] | undefined {
  const hash = item[index.hash.name];
  if (hash === undefined || !(index.hash.type in hash)) return undefined;
  const range = index.range ? item[index.range.name] : undefined;
  if (index.range && (range === undefined || !(index.range.type in range))) return undefined;
  return [keyBytes(hash), range ? keyBytes(range) : EMPTY];
}
