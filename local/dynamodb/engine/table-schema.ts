import type { AttributeValue, Item } from './values.js';

export type KeyType = 'S' | 'N' | 'B';

/** A key's attributes: the partition (hash) key and, if it has one, the sort (range) key. */
export interface KeyShape {
  readonly hash: { readonly name: string; readonly type: KeyType };
  readonly range?: { readonly name: string; readonly type: KeyType };
}

export interface IndexShape extends KeyShape {
  readonly name: string;
  readonly kind: 'global' | 'local';
  readonly projection: { readonly type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; readonly attributes: readonly string[] };
}

/** A table as the engine keeps it: its row id, its key and indexes, and the description DescribeTable answers. */
export interface TableShape extends KeyShape {
  readonly id: number;
  readonly name: string;
  readonly indexes: readonly IndexShape[];
  /** DescribeTable's `Table`, without the figures computed when asked (item count, size). */
  readonly description: Record<string, unknown>;
  /** Settings kept only to be answered (local/dynamodb/engine/table-settings.ts). */
  readonly settings?: TableSettings;
}

/** Point-in-time recovery and contributor insights (by index name, '' for the table) as set. */
export interface TableSettings {
  readonly pointInTimeRecovery?: { readonly enabledSeconds: number; readonly days: number };
  readonly contributorInsights?: Readonly<Record<string, { readonly updatedSeconds: number; readonly mode?: string }>>;
}

/** The key attributes of an item (or a key) for a key shape. */
export function keyOf(item: Item, shape: KeyShape): Item {
  const key: Item = { [shape.hash.name]: item[shape.hash.name] as AttributeValue };
  if (shape.range) key[shape.range.name] = item[shape.range.name] as AttributeValue;
  return key;
}

/** The names of a key shape's attributes. */
export function keyNames(shape: KeyShape): string[] {
  return shape.range ? [shape.hash.name, shape.range.name] : [shape.hash.name];
}

/** What an index projects of an item: all of it, its keys (the table's and the index's), or those and some attributes. */
export function projectForIndex(item: Item, table: TableShape, index: IndexShape): Item {
  if (index.projection.type === 'ALL') return item;
  const names = new Set([...keyNames(table), ...keyNames(index), ...index.projection.attributes]);
  const projected: Item = {};
  for (const name of names) if (item[name] !== undefined) projected[name] = item[name] as AttributeValue;
  return projected;
}
