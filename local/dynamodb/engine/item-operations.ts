import { consumedCapacity, itemCollectionMetrics, readUnits, writeUnits } from './capacity.js';
import { conditionFailed, DUPLICATE_ITEM, DynamoDbError, validation } from './errors.js';
import {
  applyUpdate,
  conditionExpression,
  type ExpressionAttributes,
  matches,
  type Path,
  type Predicate,
  project,
  projectionExpression,
  updateExpression,
} from './expressions/index.js';
import { checkItemForTable, checkKey, expressionAttributes } from './item-checks.js';
import type { ItemStore } from './item-store.js';
import { attributesToGet, attributeUpdates, checkParameters, expectedCondition } from './legacy.js';
import type { TableCatalog } from './table-catalog.js';
import { keyNames, type TableShape } from './table-schema.js';
import { checkItem, type Item, itemSize, valuesEqual } from './values.js';

type Json = Record<string, unknown>;

/** One write's effect on one item, for the table's stream (undefined images: no item). */
export interface ItemChange {
  readonly table: string;
  readonly keys: Item;
  readonly oldImage?: Item;
  readonly newImage?: Item;
}

/** What the item operations work on: the tables, their items, and where each change goes (inside the write's transaction). */
export interface ItemContext {
  readonly catalog: TableCatalog;
  readonly items: ItemStore;
  readonly changed: (change: ItemChange) => void;
}

/** A write made ready: its table, key, condition, and what it makes of the item. */
export interface PreparedWrite {
  readonly kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  readonly table: TableShape;
  readonly key: Item;
  readonly condition?: Predicate;
  /** The item after the write, from the item before it (undefined: deleted). ConditionCheck leaves it as it is. */
  readonly apply: (before: Item | undefined) => Item | undefined;
  readonly input: Json;
  /** A failed condition means the item exists (a PartiQL INSERT): DuplicateItemException, not ConditionalCheckFailedException. */
  readonly duplicate?: boolean;
}

/** The condition of a write, if it has one (ConditionExpression, or the legacy Expected), with its attributes checked. */
function writeCondition(input: Json, attributes: ExpressionAttributes): Predicate | undefined {
  return input.ConditionExpression != null
    ? conditionExpression('ConditionExpression', String(input.ConditionExpression), attributes)
    : expectedCondition(input);
}

export function preparePut(context: ItemContext, input: Json): PreparedWrite {
  checkParameters('PutItem', input);
  const table = context.catalog.get(String(input.TableName));
  checkReturnValues(input, ['NONE', 'ALL_OLD']);
  const item = checkItem(input.Item);
  checkItemForTable(table, item);
  const attributes = expressionAttributes(input, ['ConditionExpression']);
  const condition = writeCondition(input, attributes);
  attributes.checkAllUsed();
  return { kind: 'Put', table, key: pickKey(item, table), condition, apply: () => item, input };
}

export function prepareDelete(context: ItemContext, input: Json): PreparedWrite {
  checkParameters('DeleteItem', input);
  const table = context.catalog.get(String(input.TableName));
  checkReturnValues(input, ['NONE', 'ALL_OLD']);
  const key = checkKey(table, input.Key);
  const attributes = expressionAttributes(input, ['ConditionExpression']);
  const condition = writeCondition(input, attributes);
  attributes.checkAllUsed();
  return { kind: 'Delete', table, key, condition, apply: () => undefined, input };
}

export function prepareUpdate(context: ItemContext, input: Json): PreparedWrite {
  checkParameters('UpdateItem', input);
  const table = context.catalog.get(String(input.TableName));
  checkReturnValues(input, ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW']);
  const key = checkKey(table, input.Key);
  const attributes = expressionAttributes(input, ['UpdateExpression', 'ConditionExpression']);
  const update = itemUpdate(input, attributes);
  const condition = writeCondition(input, attributes);
  attributes.checkAllUsed();
  checkKeyNotUpdated(table, update.paths);
  const apply = (before: Item | undefined) => {
    const after = update.apply(before ?? { ...key });
    checkItemForTable(table, after);
    return after;
  };
  return { kind: 'Update', table, key, condition, apply, input };
}

/** What an UpdateItem does to its item: its UpdateExpression, or the legacy AttributeUpdates (none: the item as it is, or its key). */
function itemUpdate(input: Json, attributes: ExpressionAttributes): { paths: Path[]; apply: (item: Item) => Item } {
  if (input.UpdateExpression == null) {
    const { names, apply } = attributeUpdates(input.AttributeUpdates);
    return { paths: names.map((name) => [name]), apply };
  }
  const updates = updateExpression(String(input.UpdateExpression), attributes);
  return { paths: updates.map((u) => u.path), apply: (item) => applyUpdate(updates, item) };
}

export function prepareConditionCheck(context: ItemContext, input: Json): PreparedWrite {
  const table = context.catalog.get(String(input.TableName));
  const key = checkKey(table, input.Key);
  const attributes = expressionAttributes(input, ['ConditionExpression']);
  if (input.ConditionExpression == null) throw validation('The ConditionExpression must be specified for a ConditionCheck');
  const condition = writeCondition(input, attributes);
  attributes.checkAllUsed();
  return { kind: 'ConditionCheck', table, key, condition, apply: (before) => before, input };
}

export function checkKeyNotUpdated(table: TableShape, paths: readonly Path[]): void {
  const keys = new Set(keyNames(table));
  for (const path of paths) {
    const top = path[0] as string;
    if (!keys.has(top)) continue;
    if (path.length > 1) {
      throw validation(`Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: ${top}`);
    }
    throw validation(`One or more parameter values were invalid: Cannot update attribute ${top}. This attribute is part of the key`);
  }
}

function checkReturnValues(input: Json, allowed: readonly string[]): void {
  const value = input.ReturnValues;
  if (value !== undefined && value !== null && !allowed.includes(String(value))) throw validation('Return values set to invalid value');
}

export function pickKey(item: Item, table: TableShape): Item {
  return Object.fromEntries(keyNames(table).map((name) => [name, item[name]])) as Item;
}

/**
 * Applies a prepared write inside the caller's transaction: reads the item, checks the
 * condition (a failure leaves everything as it was), writes, and reports the change.
 */
export function applyWrite(context: ItemContext, write: PreparedWrite): { before?: Item; after?: Item } {
  const before = context.items.get(write.table, write.key);
  if (write.condition && !matches(write.condition, before)) {
    if (write.duplicate) throw new DynamoDbError('DuplicateItemException', DUPLICATE_ITEM);
    throw conditionFailed(write.input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? before : undefined);
  }
  if (write.kind === 'ConditionCheck') return { before, after: before };
  const after = write.apply(before);
  if (after) context.items.put(write.table, after, itemSize(after), before);
  else if (before) context.items.delete(write.table, write.key, before);
  if ((before || after) && !(before && after && itemsEqual(before, after))) {
    context.changed({ table: write.table.name, keys: write.key, oldImage: before, newImage: after });
  }
  return { before, after };
}

function itemsEqual(a: Item, b: Item): boolean {
  const names = Object.keys(a);
  return (
    names.length === Object.keys(b).length &&
    names.every((name) => b[name] !== undefined && valuesEqual(a[name] as never, b[name] as never))
  );
}

/** A write's answer: the attributes ReturnValues asks for, capacity and item collection metrics. */
export function writeOutput(write: PreparedWrite, result: { before?: Item; after?: Item }): Json {
  const { input, table } = write;
  const attributes = returnedAttributes(String(input.ReturnValues ?? 'NONE'), result.before, result.after);
  const capacity = consumedCapacity(input, table, writeUnits(result.before, result.after), 'write');
  const metrics = itemCollectionMetrics(input, table, result.after ?? result.before ?? write.key);
  return {
    ...(attributes ? { Attributes: attributes } : {}),
    ...(capacity ? { ConsumedCapacity: capacity } : {}),
    ...(metrics ? { ItemCollectionMetrics: metrics } : {}),
  };
}

export function returnedAttributes(mode: string, before: Item | undefined, after: Item | undefined): Item | undefined {
  switch (mode) {
    case 'ALL_OLD':
      return before;
    case 'ALL_NEW':
      return after;
    case 'UPDATED_OLD':
    case 'UPDATED_NEW': {
      const source = mode === 'UPDATED_OLD' ? before : after;
      const other = mode === 'UPDATED_OLD' ? after : before;
      if (!source) return undefined;
      const changed = Object.entries(source).filter(([name, value]) => !other?.[name] || !valuesEqual(value, other[name]));
      return changed.length > 0 ? Object.fromEntries(changed) : undefined;
    }
    default:
      return undefined;
  }
}

/** GetItem's answer. */
export function getItem(context: ItemContext, input: Json): Json {
  checkParameters('GetItem', input);
  const table = context.catalog.get(String(input.TableName));
  const key = checkKey(table, input.Key);
  const projection = projectionOf(input);
  const item = context.items.get(table, key);
  const capacity = consumedCapacity(input, table, readUnits(item ? itemSize(item) : 0, input.ConsistentRead === true), 'read');
  return {
    ...(item ? { Item: projection ? project(item, projection) : item } : {}),
    ...(capacity ? { ConsumedCapacity: capacity } : {}),
  };
}

/** The paths of a read's ProjectionExpression or AttributesToGet, if it has one. */
export function projectionOf(input: Json): Path[] | undefined {
  if (input.AttributesToGet != null) {
    expressionAttributes(input, ['ProjectionExpression']);
    return attributesToGet(input.AttributesToGet);
  }
  const attributes = expressionAttributes(input, ['ProjectionExpression']);
  const projection = input.ProjectionExpression != null ? projectionExpression(String(input.ProjectionExpression), attributes) : undefined;
  attributes.checkAllUsed();
  return projection;
}
