import { toDynamoDb } from '../vtl-util.js';
import { codeError } from './code-errors.js';
import { type DynamoDbExpression, filterExpression, nameOf } from './filter-expressions.js';

type Input = Record<string, unknown>;

const isObject = (value: unknown): value is Input => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `util.dynamodb.toMapValues`: each value of a map in DynamoDB's typed JSON. */
export const toMapValues = (map: unknown): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(isObject(map) ? map : {})
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, toDynamoDb(value)]),
  );

function inputOf(helper: string, payload: unknown): Input {
  if (!isObject(payload))
    throw codeError(`${helper}(payload) of @aws-appsync/utils/dynamodb takes an object, not ${JSON.stringify(payload)}`);
  return payload;
}

function keyOf(helper: string, payload: Input): Record<string, unknown> {
  if (!isObject(payload.key) || Object.keys(payload.key).length === 0) {
    throw codeError(
      `${helper}({ key }) of @aws-appsync/utils/dynamodb needs key, the item's key attributes (e.g. { key: { id: ctx.args.id } })`,
    );
  }
  return toMapValues(payload.key);
}

/** The fields a request carries only when the input gives them. */
function present(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null));
}

/** A projection as the requests write it: `#a, #b.#c` with its names. */
function projectionOf(projection: unknown): Omit<DynamoDbExpression, 'expressionValues'> | undefined {
  if (!Array.isArray(projection) || projection.length === 0) return undefined;
  const names: Record<string, string> = {};
  const expression = projection.map((field) => nameOf(String(field), { names })).join(', ');
  return { expression, expressionNames: names };
}

/**
 * The DynamoDB module's functions
 * (https://docs.aws.amazon.com/appsync/latest/devguide/built-in-modules-js.html): each builds
 * the request object a DynamoDB data source takes (`{operation: 'GetItem', key}`, keys and
 * items through `util.dynamodb.toMapValues`, conditions and filters through the filter
 * objects of `util.transform`), as `get({ key: { id: ctx.args.id } })` does in AWS's example.
 */
export const dynamodbModule = {
  get(payload: unknown) {
    const input = inputOf('get', payload);
    return present({
      operation: 'GetItem',
      key: keyOf('get', input),
      consistentRead: input.consistentRead,
      projection: projectionOf(input.projection),
    });
  },
  put(payload: unknown) {
    const input = inputOf('put', payload);
    return present({
      operation: 'PutItem',
      key: keyOf('put', input),
      attributeValues: toMapValues(input.item),
      ...writeOptions('put', input),
    });
  },
  remove(payload: unknown) {
    const input = inputOf('remove', payload);
    return present({
      operation: 'DeleteItem',
      key: keyOf('remove', input),
      ...writeOptions('remove', input),
    });
  },
  update(payload: unknown) {
    const input = inputOf('update', payload);
    return present({
      operation: 'UpdateItem',
      key: keyOf('update', input),
      update: updateExpression(input.update),
      ...writeOptions('update', input),
    });
  },
  query(payload: unknown) {
    const input = inputOf('query', payload);
    if (!isObject(input.query)) {
      throw codeError(
        'query({ query }) of @aws-appsync/utils/dynamodb needs query, the key condition (e.g. { query: { id: { eq: ctx.args.id } } })',
      );
    }
    return { operation: 'Query', query: filterExpression(input.query, "query's key condition"), ...readOptions('query', input) };
  },
  scan(payload: unknown) {
    const input = inputOf('scan', payload ?? {});
    return present({ operation: 'Scan', ...readOptions('scan', input), segment: input.segment, totalSegments: input.totalSegments });
  },
  batchGet(payload: unknown) {
    const tables = tablesOf('batchGet', payload);
    return {
      operation: 'BatchGetItem',
      tables: Object.fromEntries(
        Object.entries(tables).map(([table, spec]) => {
          const s = isObject(spec) ? spec : {};
          const keys = Array.isArray(s.keys) ? s.keys.map(toMapValues) : [];
          return [table, present({ keys, consistentRead: s.consistentRead, projection: projectionOf(s.projection) })];
        }),
      ),
    };
  },
  batchPut(payload: unknown) {
    return { operation: 'BatchPutItem', tables: listsOf('batchPut', payload) };
  },
  batchDelete(payload: unknown) {
    return { operation: 'BatchDeleteItem', tables: listsOf('batchDelete', payload) };
  },
  operations: {
    add: (value: unknown) => ({ _type: 'add', value }),
    remove: () => ({ _type: 'remove' }),
    replace: (value: unknown) => ({ _type: 'replace', value }),
    increment: (by = 1) => ({ _type: 'increment', by }),
    decrement: (by = 1) => ({ _type: 'decrement', by }),
    append: (items: unknown) => ({ _type: 'append', items }),
    prepend: (items: unknown) => ({ _type: 'prepend', items }),
    updateListItem: (value: unknown, index: number) => ({ _type: 'updateListItem', value, index }),
  },
  toMapValues,
};

/** What put, remove and update take alike: the condition, and the options of a data source with versioning or a custom partition key. */
function writeOptions(helper: string, input: Input): Record<string, unknown> {
  return present({
    condition:
      input.condition === undefined || input.condition === null ? undefined : filterExpression(input.condition, `${helper}'s condition`),
    customPartitionKey: input.customPartitionKey,
    populateIndexFields: input.populateIndexFields,
    _version: input._version,
  });
}

function readOptions(helper: string, input: Input): Record<string, unknown> {
  return present({
    index: input.index,
    limit: input.limit,
    nextToken: input.nextToken,
    scanIndexForward: input.scanIndexForward,
    consistentRead: input.consistentRead,
    select: input.select,
    filter: input.filter === undefined || input.filter === null ? undefined : filterExpression(input.filter, `${helper}'s filter`),
    projection: projectionOf(input.projection),
  });
}

function tablesOf(helper: string, payload: unknown): Input {
  const input = inputOf(helper, payload);
  if (!isObject(input.tables))
    throw codeError(`${helper}({ tables }) of @aws-appsync/utils/dynamodb needs tables, an object of table names`);
  return input.tables;
}

function listsOf(helper: string, payload: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(tablesOf(helper, payload)).map(([table, list]) => {
      if (!Array.isArray(list)) throw codeError(`${helper}: table ${table} takes a list, not ${JSON.stringify(list)}`);
      return [table, list.map(toMapValues)];
    }),
  );
}

interface Operation {
  readonly _type: string;
  readonly value?: unknown;
  readonly by?: unknown;
  readonly items?: unknown;
  readonly index?: unknown;
}

const isOperation = (value: unknown): value is Operation => isObject(value) && typeof value._type === 'string';

/**
 * `update`'s object as an UpdateExpression: a plain value, `replace` or `add` SETs the
 * attribute, `increment`/`decrement` add to it, `append`/`prepend` join lists,
 * `updateListItem` SETs one element, `remove` REMOVEs it. (AWS also merges a plain object
 * into a map attribute field by field; here it replaces the whole map.)
 */
function updateExpression(update: unknown): DynamoDbExpression {
  if (!isObject(update) || Object.keys(update).length === 0) {
    throw codeError(
      "update({ update }) of @aws-appsync/utils/dynamodb needs update, the attributes to change (e.g. { update: { title: 'New' } })",
    );
  }
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const set: string[] = [];
  const remove: string[] = [];
  for (const [field, change] of Object.entries(update)) {
    if (change === undefined) continue;
    const name = nameOf(field, { names });
    const value = (v: unknown) => {
      const placeholder = `:${field.replace(/[^A-Za-z0-9_]/g, '_')}`;
      values[placeholder] = toDynamoDb(v);
      return placeholder;
    };
    if (!isOperation(change)) set.push(`${name} = ${value(change)}`);
    else if (change._type === 'remove') remove.push(name);
    else if (change._type === 'increment') set.push(`${name} = if_not_exists(${name}, ${zero(values)}) + ${value(change.by)}`);
    else if (change._type === 'decrement') set.push(`${name} = if_not_exists(${name}, ${zero(values)}) - ${value(change.by)}`);
    else if (change._type === 'append') set.push(`${name} = list_append(if_not_exists(${name}, ${empty(values)}), ${value(change.items)})`);
    else if (change._type === 'prepend')
      set.push(`${name} = list_append(${value(change.items)}, if_not_exists(${name}, ${empty(values)}))`);
    else if (change._type === 'updateListItem') set.push(`${name}[${Number(change.index)}] = ${value(change.value)}`);
    else set.push(`${name} = ${value(change.value)}`);
  }
  const expression = [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '']
    .filter((part) => part !== '')
    .join(' ');
  return { expression, expressionNames: names, expressionValues: values };
}

function zero(values: Record<string, unknown>): string {
  values[':__zero'] = { N: '0' };
  return ':__zero';
}

function empty(values: Record<string, unknown>): string {
  values[':__empty'] = { L: [] };
  return ':__empty';
}
