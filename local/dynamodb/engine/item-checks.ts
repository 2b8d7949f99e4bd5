import { validation } from './errors.js';
import { ExpressionAttributes } from './expressions/index.js';
import type { TableShape } from './table-schema.js';
import { type AttributeValue, checkItem, type Item, itemSize, MAX_ITEM_SIZE } from './values.js';

/** A request's Key checked against its table's key schema, as DynamoDB checks it. */
export function checkKey(table: TableShape, raw: unknown): Item {
  const key = checkItem(raw);
  const names = table.range ? [table.hash, table.range] : [table.hash];
  if (Object.keys(key).length !== names.length) throw validation('The provided key element does not match the schema');
  for (const [i, { name, type }] of names.entries()) {
    const value = key[name];
    if (value === undefined || !(type in value)) throw validation('The provided key element does not match the schema');
    checkKeyValue(name, type, value, i === 0);
  }
  return key;
}

function checkKeyValue(name: string, type: string, value: AttributeValue, isHash: boolean): void {
  const content = (value as Record<string, string>)[type] as string;
  if (type !== 'N' && content === '') {
    throw validation(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${type === 'S' ? 'string' : 'binary'} value. Key: ${name}`,
    );
  }
  if (type === 'N') return;
  const bytes = type === 'S' ? Buffer.byteLength(content, 'utf8') : Buffer.byteLength(content, 'base64');
  if (isHash && bytes > 2048) {
    throw validation('One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes');
  }
  if (!isHash && bytes > 1024) {
    throw validation(
      'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
    );
  }
}

/** An item to write checked against its table: its key attributes, its index keys' types, its size. */
export function checkItemForTable(table: TableShape, item: Item): number {
  const names = table.range ? [table.hash, table.range] : [table.hash];
  for (const [i, { name, type }] of names.entries()) {
    const value = item[name];
    if (value === undefined) throw validation(`One or more parameter values were invalid: Missing the key ${name} in the item`);
    if (!(type in value)) {
      throw validation(
        `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${type} actual: ${Object.keys(value)[0]}`,
      );
    }
    checkKeyValue(name, type, value, i === 0);
  }
  for (const index of table.indexes) {
    for (const key of index.range ? [index.hash, index.range] : [index.hash]) {
      const value = item[key.name];
      if (value === undefined) continue;
      if (!(key.type in value)) {
        throw validation(
          `One or more parameter values were invalid: Type mismatch for Index Key ${key.name} Expected: ${key.type} Actual: ${Object.keys(value)[0]} IndexName: ${index.name}`,
        );
      }
      if (key.type !== 'N' && (value as Record<string, string>)[key.type] === '') {
        throw validation(
          `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${index.name}, IndexKey: ${key.name}`,
        );
      }
    }
  }
  const size = itemSize(item);
  if (size > MAX_ITEM_SIZE) throw validation('Item size has exceeded the maximum allowed size');
  return size;
}

/**
 * A request's expression attributes, after DynamoDB's checks of which expressions it has:
 * names and values are only taken with an expression that can use them.
 */
export function expressionAttributes(input: Record<string, unknown>, expressions: readonly string[]): ExpressionAttributes {
  const present = expressions.filter((name) => input[name] !== undefined && input[name] !== null);
  if (input.ExpressionAttributeNames != null && present.length === 0) {
    throw validation('ExpressionAttributeNames can only be specified when using expressions');
  }
  const valued = expressions.filter((name) => name !== 'ProjectionExpression');
  if (input.ExpressionAttributeValues != null && valued.every((name) => input[name] == null)) {
    throw validation(
      `ExpressionAttributeValues can only be specified when using expressions: ${valued.join(' and ')} ${valued.length > 1 ? 'are' : 'is'} null`,
    );
  }
  return new ExpressionAttributes(input.ExpressionAttributeNames, input.ExpressionAttributeValues);
}
