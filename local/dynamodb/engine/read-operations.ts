import { crc32 } from 'node:zlib';
import { AwsError } from '../../endpoint/aws-error.js';
import { consumedCapacity, readUnits } from './capacity.js';
import { validation } from './errors.js';
import {
  conditionExpression,
  type ExpressionAttributes,
  matches,
  type Path,
  type Predicate,
  project,
  projectionExpression,
  type Resolved,
} from './expressions/index.js';
import { expressionAttributes } from './item-checks.js';
import type { ItemContext } from './item-operations.js';
import { type KeyBounds, keyPosition, type ReadRow } from './item-store.js';
import { attributesToGet, checkKeyConditions, checkParameters, filterCondition, keyConditionsPredicate, pathHeads } from './legacy.js';
import { type IndexShape, type KeyShape, keyNames, keyOf, projectForIndex, type TableShape } from './table-schema.js';
import { type AttributeValue, checkItem, type Item, itemSize, keyBytes, typeOf } from './values.js';

type Json = Record<string, unknown>;

/** A Query or Scan stops after 1 MB of items read (before its filter), answering LastEvaluatedKey. */
const PAGE_BYTES = 1024 * 1024;

export function query(context: ItemContext, input: Json): Json {
  checkParameters('Query', input);
  if (input.KeyConditionExpression == null && input.KeyConditions == null) {
    throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  }
  const keyConditions = input.KeyConditionExpression == null ? checkKeyConditions(input.KeyConditions) : undefined;
  const table = context.catalog.get(String(input.TableName));
  const index = indexOf(table, input);
  const shape: KeyShape = index ?? table;
  const attributes = expressionAttributes(input, ['KeyConditionExpression', 'FilterExpression', 'ProjectionExpression']);
  const keyCondition = keyConditions
    ? keyConditionsPredicate(keyConditions, shape)
    : conditionExpression('KeyConditionExpression', String(input.KeyConditionExpression), attributes);
  const filter = readFilter(input, 'QueryFilter', attributes);
  if (filter) checkFilterKeys(filter, shape, input.QueryFilter != null ? 'QueryFilter' : 'Filter Expression');
  const { hash, bounds } = keyConditionBounds(keyCondition, shape);
  const after = startPosition(input, table, index);
  const rows = context.items.partition(table, index, hash, bounds, input.ScanIndexForward !== false, after);
  return page('Query', input, table, index, rows, filter, attributes);
}

export function scan(context: ItemContext, input: Json): Json {
  checkParameters('Scan', input);
  const table = context.catalog.get(String(input.TableName));
  const index = indexOf(table, input);
  const segments = checkSegments(input);
  const attributes = expressionAttributes(input, ['FilterExpression', 'ProjectionExpression']);
  const filter = readFilter(input, 'ScanFilter', attributes);
  const after = startPosition(input, table, index);
  let rows = context.items.all(table, index, after);
  if (segments) rows = inSegment(rows, segments.segment, segments.total);
  return page('Scan', input, table, index, rows, filter, attributes);
}

/** A read's filter: its FilterExpression, or the legacy QueryFilter or ScanFilter joined by ConditionalOperator. */
function readFilter(input: Json, legacy: 'QueryFilter' | 'ScanFilter', attributes: ExpressionAttributes): Predicate | undefined {
  if (input.FilterExpression != null) return conditionExpression('FilterExpression', String(input.FilterExpression), attributes);
  return filterCondition(input[legacy], input.ConditionalOperator);
}

/** A query's filter may not name the key attributes of what it queries: the key condition is where they go. */
function checkFilterKeys(filter: Predicate, shape: KeyShape, named: string): void {
  const heads = pathHeads(filter);
  for (const key of keyNames(shape)) {
    if (heads.has(key)) throw validation(`${named} can only contain non-primary key attributes: Primary key attribute: ${key}`);
  }
}

function* inSegment(rows: Iterable<ReadRow>, segment: number, total: number): Generator<ReadRow> {
  for (const row of rows) if (crc32(row.hash) % total === segment) yield row;
}

function checkSegments(input: Json): { segment: number; total: number } | undefined {
  const { Segment: segment, TotalSegments: total } = input as { Segment?: number; TotalSegments?: number };
  if (segment === undefined && total === undefined) return undefined;
  if (segment === undefined || total === undefined) {
    throw validation(
      `The ${segment === undefined ? 'Segment' : 'TotalSegments'} parameter is required but was not present in the request when parameter ${segment === undefined ? 'TotalSegments' : 'Segment'} is present`,
    );
  }
  if (segment >= total)
    throw validation(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`,
    );
  return { segment, total };
}

export function indexOf(table: TableShape, input: Json): IndexShape | undefined {
  if (input.IndexName == null) return undefined;
  const index = table.indexes.find((candidate) => candidate.name === input.IndexName);
  if (!index) throw validation(`The table does not have the specified index: ${String(input.IndexName)}`);
  if (index.kind === 'global' && input.ConsistentRead === true)
    throw validation('Consistent reads are not supported on global secondary indexes');
  return index;
}

/**
 * Reads rows until Limit items are evaluated or 1 MB is read; keeps those the filter
 * passes, projected as asked; LastEvaluatedKey where it stopped short.
 */
function page(
  operation: 'Query' | 'Scan',
  input: Json,
  table: TableShape,
  index: IndexShape | undefined,
  rows: Iterable<ReadRow>,
  filter: Predicate | undefined,
  attributes: ExpressionAttributes,
): Json {
  const select = checkSelect(operation, input, index);
  const projection =
    input.ProjectionExpression != null
      ? projectionExpression(String(input.ProjectionExpression), attributes)
      : attributesToGet(input.AttributesToGet);
  attributes.checkAllUsed();
  // A local index's query fetches what the index does not hold from the table (a global index's cannot).
  const whole = index?.kind === 'local' && (select === 'ALL_ATTRIBUTES' || select === 'SPECIFIC_ATTRIBUTES');
  const limit = input.Limit === undefined ? Number.POSITIVE_INFINITY : Number(input.Limit);
  const read = readPage(rows, { table, index, whole, filter, projection, limit, count: select === 'COUNT' });
  const capacity = consumedCapacity(input, table, readUnits(read.bytes, input.ConsistentRead === true), 'read');
  return {
    ...(select !== 'COUNT' ? { Items: read.items } : {}),
    Count: read.count,
    ScannedCount: read.scanned,
    ...(read.last ? { LastEvaluatedKey: lastKey(read.last.item, table, index) } : {}),
    ...(capacity ? { ConsumedCapacity: capacity } : {}),
  };
}

/** One page of a read: the items kept (filtered and projected), what it evaluated, and the row to start after when more may follow. */
export interface PageRead {
  readonly items: Item[];
  readonly count: number;
  readonly scanned: number;
  readonly bytes: number;
  /** The last row evaluated, when the page stopped short of the end (at its limit or 1 MB). */
  readonly last?: ReadRow;
}

/**
 * Reads rows until `limit` are evaluated or 1 MB is read; keeps those the filter passes,
 * projected as asked (only counted for `count`). An index's rows are what it projects unless
 * `whole` (a local index reads the rest from the table).
 */
export function readPage(
  rows: Iterable<ReadRow>,
  options: {
    table: TableShape;
    index?: IndexShape;
    whole?: boolean;
    filter?: Predicate;
    projection?: readonly Path[];
    limit: number;
    count?: boolean;
  },
): PageRead {
  const { table, index, whole, filter, projection, limit } = options;
  const items: Item[] = [];
  let scanned = 0;
  let count = 0;
  let bytes = 0;
  let last: ReadRow | undefined;
  let more = false;
  for (const row of rows) {
    if (scanned >= limit || bytes >= PAGE_BYTES) {
      more = true;
      break;
    }
    scanned++;
    last = row;
    const item = index && !whole ? projectForIndex(row.item, table, index) : row.item;
    bytes += itemSize(item);
    if (filter && !matches(filter, item)) continue;
    count++;
    if (!options.count) items.push(projection ? project(item, projection) : item);
  }
  // A page that stopped at its Limit answers LastEvaluatedKey even when nothing follows, as DynamoDB does.
  if (!more && scanned === limit && last) more = true;
  return { items, count, scanned, bytes, ...(more && last ? { last } : {}) };
}

/** Select checked against the projection asked for and the index read, with DynamoDB's words (Query's prefixed as a model violation). */
function checkSelect(operation: 'Query' | 'Scan', input: Json, index: IndexShape | undefined): string {
  const projection =
    input.ProjectionExpression != null ? 'ProjectionExpression' : input.AttributesToGet != null ? 'AttributesToGet' : undefined;
  const select = String(input.Select ?? (projection ? 'SPECIFIC_ATTRIBUTES' : index ? 'ALL_PROJECTED_ATTRIBUTES' : 'ALL_ATTRIBUTES'));
  const prefix = operation === 'Query' ? '1 validation error detected: ' : '';
  if (select === 'SPECIFIC_ATTRIBUTES' && !projection) {
    throw validation(`${prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES`);
  }
  if (select !== 'SPECIFIC_ATTRIBUTES' && projection) {
    throw validation(`${prefix}Cannot specify the ${projection} when choosing to get ${select === 'COUNT' ? 'only the Count' : select}`);
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && !index) {
    throw validation(`${prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName`);
  }
  if (select === 'ALL_ATTRIBUTES' && index && index.projection.type !== 'ALL' && index.kind === 'global') {
    throw validation(
      `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`,
    );
  }
  return select;
}

/** The key of the last item read, as LastEvaluatedKey: the table's key, and the index's for an index. */
export function lastKey(item: Item, table: TableShape, index: IndexShape | undefined): Item {
  const key = keyOf(item, table);
  return index ? { ...key, ...keyOf(item, index) } : key;
}

/** Where ExclusiveStartKey says to start (after), checked against the table's (and index's) key. */
function startPosition(input: Json, table: TableShape, index: IndexShape | undefined): ReadRow | undefined {
  if (input.ExclusiveStartKey == null) return undefined;
  return positionAfter(checkItem(input.ExclusiveStartKey), table, index);
}

/** A read's position after a key (a LastEvaluatedKey), checked against the table's (and index's) key. */
export function positionAfter(key: Item, table: TableShape, index: IndexShape | undefined): ReadRow {
  const names = new Set([...keyNames(table), ...(index ? keyNames(index) : [])]);
  const shapes = index ? [table, index] : [table];
  const invalid = () => validation('The provided starting key is invalid: The provided key element does not match the schema');
  if (Object.keys(key).length !== names.size) throw invalid();
  for (const shape of shapes) {
    for (const part of shape.range ? [shape.hash, shape.range] : [shape.hash]) {
      const value = key[part.name];
      if (value === undefined || !(part.type in value)) throw invalid();
    }
  }
  const [hash, range] = keyPosition(key, table);
  if (!index) return { item: key, hash, range };
  const [indexHash, indexRange] = keyPosition(key, index);
  return { item: key, hash: indexHash, range: indexRange, itemHash: hash, itemRange: range };
}

/**
 * The partition and sort key bounds a key condition asks for: `hash = :v`, and optionally
 * one condition on the sort key (=, <, <=, >, >=, BETWEEN, begins_with), joined by AND.
 */
export function keyConditionBounds(condition: Predicate, shape: KeyShape): { hash: Uint8Array; bounds: KeyBounds } {
  const parts: Predicate[] = [];
  const flatten = (p: Predicate) => {
    if (p.kind === 'and') {
      flatten(p.left);
      flatten(p.right);
    } else parts.push(p);
  };
  flatten(condition);
  if (parts.length > 2) throw validation('Conditions can be of length 1 or 2 only');
  let hash: Uint8Array | undefined;
  let bounds: KeyBounds = {};
  const seen = new Set<string>();
  for (const part of parts) {
    const { name, operator, values } = keyPart(part);
    if (seen.has(name)) throw validation('KeyConditionExpressions must only contain one condition per key');
    seen.add(name);
    const keyAttribute = name === shape.hash.name ? shape.hash : name === shape.range?.name ? shape.range : undefined;
    if (!keyAttribute)
      throw validation(
        `Query condition missed key schema element: ${shape.range && seen.has(shape.hash.name) ? shape.range.name : shape.hash.name}`,
      );
    for (const value of values) {
      if (!(keyAttribute.type in value)) {
        throw validation('One or more parameter values were invalid: Condition parameter type does not match schema type');
      }
    }
    const bytes = values.map((value) => keyBytes(value));
    if (keyAttribute === shape.hash) {
      if (operator !== '=') throw validation('Query key condition not supported');
      hash = bytes[0];
      continue;
    }
    bounds = rangeBounds(operator, bytes, values);
  }
  if (hash === undefined) throw validation(`Query condition missed key schema element: ${shape.hash.name}`);
  return { hash, bounds };
}

function rangeBounds(operator: string, bytes: Uint8Array[], values: AttributeValue[]): KeyBounds {
  const [first, second] = bytes as [Uint8Array, Uint8Array];
  switch (operator) {
    case '=':
      return { low: first, high: first };
    case '<':
      return { high: first, highOpen: true };
    case '<=':
      return { high: first };
    case '>':
      return { low: first, lowOpen: true };
    case '>=':
      return { low: first };
    case 'between':
      if (Buffer.compare(first, second) > 0) {
        throw validation(
          `Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {${typeOf(values[0] as AttributeValue)}:${Object.values(values[0] as object)[0]}}, upper bound operand: AttributeValue: {${typeOf(values[1] as AttributeValue)}:${Object.values(values[1] as object)[0]}}`,
        );
      }
      return { low: first, high: second };
    default:
      if (values[0] && 'N' in values[0]) {
        throw validation(
          'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
        );
      }
      return { prefix: first };
  }
}

/** One condition of a key condition: the key attribute it names, its operator and its values. */
function keyPart(part: Predicate): { name: string; operator: string; values: AttributeValue[] } {
  const keyPath = (operand: Resolved) => {
    if (operand.kind !== 'path') return undefined;
    if (operand.path.length > 1) throw validation('KeyConditionExpressions cannot have conditions on nested attributes');
    return operand.path[0] as string;
  };
  const literal = (operand: Resolved): AttributeValue => {
    if (operand.kind === 'size') throw validation('KeyConditionExpressions cannot contain nested operations');
    if (operand.kind !== 'value')
      throw validation('Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
    return operand.value;
  };
  switch (part.kind) {
    case 'compare': {
      if (part.operator === '<>') throw validation('Invalid operator used in KeyConditionExpression: <>');
      const left = keyPath(part.left);
      const right = keyPath(part.right);
      if (left !== undefined && right !== undefined)
        throw validation('Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
      if (left === undefined && right === undefined)
        throw validation('Invalid condition in KeyConditionExpression: No key attribute specified');
      if (left !== undefined) return { name: left, operator: part.operator, values: [literal(part.right)] };
      const flipped: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };
      return { name: right as string, operator: flipped[part.operator] as string, values: [literal(part.left)] };
    }
    case 'between': {
      const name = keyPath(part.value);
      if (name === undefined)
        throw validation('Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand');
      return { name, operator: 'between', values: [literal(part.low), literal(part.high)] };
    }
    case 'begins_with': {
      const name = keyPath(part.left);
      if (name === undefined)
        throw validation(
          'Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand',
        );
      return { name, operator: 'begins_with', values: [literal(part.right)] };
    }
    case 'or':
    case 'not':
    case 'in':
      throw validation(`Invalid operator used in KeyConditionExpression: ${part.kind.toUpperCase()}`);
    case 'and':
      throw new AwsError('InternalServerError', 'a key condition was not flattened', 500);
    default:
      throw validation(`Invalid operator used in KeyConditionExpression: ${part.kind}`);
  }
}
