import type { TableShape } from './table-schema.js';
import { type Item, itemSize } from './values.js';

type Json = Record<string, unknown>;

/** Write capacity units of a write: one per KB of the larger of the item before and after it (at least one). */
export function writeUnits(before: Item | undefined, after: Item | undefined): number {
  const size = Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0);
  return Math.max(1, Math.ceil(size / 1024));
}

/** Read capacity units of reading `bytes`: one per 4 KB, half for an eventually consistent read. */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

/** ConsumedCapacity as DynamoDB answers it for ReturnConsumedCapacity TOTAL or INDEXES; undefined for NONE. */
export function consumedCapacity(input: Json, table: TableShape, units: number, kind: 'read' | 'write'): Json | undefined {
  const mode = input.ReturnConsumedCapacity;
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  const unitsKey = kind === 'read' ? 'ReadCapacityUnits' : 'WriteCapacityUnits';
  return {
    TableName: table.name,
    CapacityUnits: units,
    [unitsKey]: units,
    ...(mode === 'INDEXES' ? { Table: { CapacityUnits: units, [unitsKey]: units } } : {}),
  };
}

/** ItemCollectionMetrics for ReturnItemCollectionMetrics SIZE on a table with local secondary indexes. */
export function itemCollectionMetrics(input: Json, table: TableShape, item: Item): Json | undefined {
  if (input.ReturnItemCollectionMetrics !== 'SIZE' || !table.indexes.some((index) => index.kind === 'local')) return undefined;
  return { ItemCollectionKey: { [table.hash.name]: item[table.hash.name] }, SizeEstimateRangeGB: [0, 1] };
}
