import { consumedCapacity, readUnits, writeUnits } from './capacity.js';
import { validation } from './errors.js';
import { project } from './expressions/index.js';
import { checkKey } from './item-checks.js';
import { applyWrite, type ItemContext, type PreparedWrite, prepareDelete, preparePut, projectionOf } from './item-operations.js';
import { keyPosition } from './item-store.js';
import { checkParameters } from './legacy.js';
import type { TableShape } from './table-schema.js';
import { type Item, itemSize } from './values.js';

type Json = Record<string, unknown>;

function keyId(table: TableShape, key: Item): string {
  const [hash, range] = keyPosition(key, table);
  return `${table.id}:${Buffer.from(hash).toString('hex')}:${Buffer.from(range).toString('hex')}`;
}

/** BatchWriteItem: up to 25 puts and deletes, each item once; all checked before any is written. Nothing is left unprocessed. */
export function batchWriteItem(context: ItemContext, input: Json): Json {
  const requests = Object.entries(input.RequestItems as Record<string, Json[]>);
  const total = requests.reduce((sum, [, list]) => sum + list.length, 0);
  if (total > 25) {
    throw validation(
      `1 validation error detected: Value '{${requests.map(([name]) => name).join(', ')}}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`,
    );
  }
  const writes: PreparedWrite[] = [];
  const seen = new Set<string>();
  for (const [tableName, list] of requests) {
    for (const request of list) {
      const put = request.PutRequest as Json | undefined;
      const remove = request.DeleteRequest as Json | undefined;
      if ((put ? 1 : 0) + (remove ? 1 : 0) !== 1) {
        throw validation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
      }
      if (put) checkBatchPutKey(context, tableName, put.Item);
      const write = put
        ? preparePut(context, { TableName: tableName, Item: put.Item })
        : prepareDelete(context, { TableName: tableName, Key: (remove as Json).Key });
      const id = keyId(write.table, write.key);
      if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
      seen.add(id);
      writes.push(write);
    }
  }
  const units = new Map<string, { table: TableShape; units: number }>();
  for (const write of writes) {
    const result = applyWrite(context, write);
    const entry = units.get(write.table.name) ?? { table: write.table, units: 0 };
    entry.units += writeUnits(result.before, result.after);
    units.set(write.table.name, entry);
  }
  const capacity = [...units.values()].map(({ table, units }) => consumedCapacity(input, table, units, 'write')).filter(Boolean);
  return { UnprocessedItems: {}, ...(capacity.length > 0 ? { ConsumedCapacity: capacity } : {}) };
}

/**
 * A batch's put names its item's key less precisely than PutItem: a key attribute missing or of
 * another type is "The provided key element does not match the schema" (recorded on AWS).
 */
function checkBatchPutKey(context: ItemContext, tableName: string, item: unknown): void {
  const table = context.catalog.find(tableName);
  if (!table || typeof item !== 'object' || item === null) return;
  for (const { name, type } of table.range ? [table.hash, table.range] : [table.hash]) {
    const value = (item as Record<string, Record<string, unknown> | undefined>)[name];
    if (value === undefined || value === null || !(type in value)) throw validation('The provided key element does not match the schema');
  }
}

/** BatchGetItem: up to 100 keys, each once; every one answered (nothing unprocessed). */
export function batchGetItem(context: ItemContext, input: Json): Json {
  const requests = Object.entries(input.RequestItems as Record<string, Json>);
  const total = requests.reduce((sum, [, request]) => sum + ((request.Keys as unknown[] | undefined)?.length ?? 0), 0);
  if (total > 100) throw validation('Too many items requested for the BatchGetItem call');
  const responses: Record<string, Item[]> = {};
  const capacity: Json[] = [];
  for (const [tableName, request] of requests) {
    checkParameters('BatchGetItem', request);
    const table = context.catalog.get(tableName);
    const projection = projectionOf(request);
    const seen = new Set<string>();
    const items: Item[] = [];
    let bytes = 0;
    for (const raw of request.Keys as unknown[]) {
      const key = checkKey(table, raw);
      const id = keyId(table, key);
      if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
      seen.add(id);
      const item = context.items.get(table, key);
      if (!item) continue;
      bytes += itemSize(item);
      items.push(projection ? project(item, projection) : item);
    }
    responses[tableName] = items;
    const consumed = consumedCapacity(input, table, readUnits(bytes, request.ConsistentRead === true), 'read');
    if (consumed) capacity.push(consumed);
  }
  return { Responses: responses, UnprocessedKeys: {}, ...(capacity.length > 0 ? { ConsumedCapacity: capacity } : {}) };
}
