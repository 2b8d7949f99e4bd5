import type { DynamoDbForTasks } from '../dynamodb/step-functions.js';
import type { DataSourceDefinition } from './definitions.js';
import { AppSyncResolverError } from './errors.js';
import { fromDynamoDbItem } from './vtl-util.js';

type Request = Record<string, unknown>;
type Item = Record<string, unknown>;
const isObject = (value: unknown): value is Request => typeof value === 'object' && value !== null && !Array.isArray(value);
const objectOr = (value: unknown): Request => (isObject(value) ? value : {});

/** An expression with its names and values, as AppSync's requests write `condition`, `update`, `query` and `filter`. */
interface Expression {
  readonly expression?: string;
  readonly expressionNames?: Record<string, string>;
  readonly expressionValues?: Record<string, unknown>;
}

/** One request's expressions gathered into DynamoDB's parameters: their names and values merged. */
function expressions(parts: Readonly<Record<string, unknown>>): Request {
  const out: Request = {};
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [parameter, part] of Object.entries(parts)) {
    if (!isObject(part)) continue;
    const e = part as Expression;
    if (typeof e.expression === 'string' && e.expression !== '') out[parameter] = e.expression;
    Object.assign(names, objectOr(e.expressionNames));
    Object.assign(values, objectOr(e.expressionValues));
  }
  if (Object.keys(names).length > 0) out.ExpressionAttributeNames = names;
  if (Object.keys(values).length > 0) out.ExpressionAttributeValues = values;
  return out;
}

const tokenOf = (key: unknown) => (isObject(key) ? Buffer.from(JSON.stringify(key)).toString('base64') : null);
const keyOf = (token: unknown) =>
  typeof token === 'string' && token !== '' ? JSON.parse(Buffer.from(token, 'base64').toString('utf8')) : undefined;
const items = (list: unknown) => (Array.isArray(list) ? list.map((item) => fromDynamoDbItem(item as Item)) : []);

/**
 * Runs a DynamoDB resolver's request (its mapping template's JSON) against the local table, and
 * answers `$ctx.result` as AppSync shapes it: an item, `{items, nextToken, scannedCount}`, or a
 * batch's `data` and unprocessed keys
 * (https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-resolver-mapping-template-reference-dynamodb.html).
 * DynamoDB's errors come as errorType `DynamoDB:<code>`.
 */
export async function dynamoDbRequest(dynamodb: DynamoDbForTasks, source: DataSourceDefinition, request: Request): Promise<unknown> {
  const TableName = source.tableName;
  if (TableName === undefined)
    throw new AppSyncResolverError(`data source ${source.name} names no DynamoDBConfig.TableName`, 'MappingTemplate');
  const send = async (operation: string, input: Request) => {
    try {
      return await dynamodb.send(operation, input);
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'InternalServerError';
      const message = code === 'ConditionalCheckFailedException' ? 'The conditional request failed' : (error as Error).message;
      throw new AppSyncResolverError(
        `${message} (Service: DynamoDb, Status Code: 400, Error Code: ${code})`,
        `DynamoDB:${code}`,
        null,
        null,
        { cause: error },
      );
    }
  };
  const key = objectOr(request.key);
  const consistent = request.consistentRead === true ? { ConsistentRead: true } : {};
  switch (request.operation) {
    case 'GetItem': {
      const answer = await send('GetItem', { TableName, Key: key, ...consistent });
      return isObject(answer.Item) ? fromDynamoDbItem(answer.Item) : null;
    }
    case 'PutItem': {
      const Item = { ...objectOr(request.attributeValues), ...key };
      await send('PutItem', { TableName, Item, ...expressions({ ConditionExpression: request.condition }) });
      return fromDynamoDbItem(Item);
    }
    case 'UpdateItem': {
      const answer = await send('UpdateItem', {
        TableName,
        Key: key,
        ReturnValues: 'ALL_NEW',
        ...expressions({ UpdateExpression: request.update, ConditionExpression: request.condition }),
      });
      return isObject(answer.Attributes) ? fromDynamoDbItem(answer.Attributes) : null;
    }
    case 'DeleteItem': {
      const answer = await send('DeleteItem', {
        TableName,
        Key: key,
        ReturnValues: 'ALL_OLD',
        ...expressions({ ConditionExpression: request.condition }),
      });
      return isObject(answer.Attributes) ? fromDynamoDbItem(answer.Attributes) : null;
    }
    case 'Query':
    case 'Scan': {
      const start = keyOf(request.nextToken);
      const answer = await send(request.operation, {
        TableName,
        ...(typeof request.index === 'string' ? { IndexName: request.index } : {}),
        ...(typeof request.limit === 'number' ? { Limit: request.limit } : {}),
        ...(request.scanIndexForward === false ? { ScanIndexForward: false } : {}),
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        ...(typeof request.segment === 'number' ? { Segment: request.segment, TotalSegments: request.totalSegments } : {}),
        ...consistent,
        ...expressions(
          request.operation === 'Query'
            ? { KeyConditionExpression: request.query, FilterExpression: request.filter }
            : { FilterExpression: request.filter },
        ),
      });
      return { items: items(answer.Items), nextToken: tokenOf(answer.LastEvaluatedKey), scannedCount: answer.ScannedCount ?? 0 };
    }
    case 'BatchGetItem':
      return batchGet(send, objectOr(request.tables));
    case 'BatchPutItem':
    case 'BatchDeleteItem':
      return batchWrite(send, request.operation, objectOr(request.tables));
    default:
      throw new AppSyncResolverError(
        `the DynamoDB request's operation ${JSON.stringify(request.operation)} is not one of GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem, BatchPutItem, BatchDeleteItem (TransactGetItems, TransactWriteItems and Sync do not run locally)`,
        'MappingTemplate',
      );
  }
}

type Send = (operation: string, input: Request) => Promise<Record<string, unknown>>;

/** BatchGetItem: `data` has each table's items in the order of its keys, null where none was found. */
async function batchGet(send: Send, tables: Request) {
  const RequestItems = Object.fromEntries(
    Object.entries(tables).map(([table, spec]) => [
      table,
      { Keys: objectOr(spec).keys ?? [], ...(objectOr(spec).consistentRead === true ? { ConsistentRead: true } : {}) },
    ]),
  );
  const answer = await send('BatchGetItem', { RequestItems });
  const found = objectOr(answer.Responses);
  const data = Object.fromEntries(
    Object.entries(RequestItems).map(([table, { Keys }]) => {
      const got = items(found[table]);
      const matches = (item: Item, k: Item) =>
        Object.keys(k).every((name) => JSON.stringify(item[name]) === JSON.stringify(fromDynamoDbItem({ [name]: k[name] })[name]));
      return [table, (Keys as Item[]).map((k) => got.find((item) => matches(item, k)) ?? null)];
    }),
  );
  return { data, unprocessedKeys: objectOr(answer.UnprocessedKeys) };
}

/** BatchPutItem and BatchDeleteItem: `data` has what was written (the items, or the keys deleted). */
async function batchWrite(send: Send, operation: 'BatchPutItem' | 'BatchDeleteItem', tables: Request) {
  const put = operation === 'BatchPutItem';
  const RequestItems = Object.fromEntries(
    Object.entries(tables).map(([table, list]) => [
      table,
      (Array.isArray(list) ? list : []).map((entry) => (put ? { PutRequest: { Item: entry } } : { DeleteRequest: { Key: entry } })),
    ]),
  );
  const answer = await send('BatchWriteItem', { RequestItems });
  const data = Object.fromEntries(Object.entries(tables).map(([table, list]) => [table, items(list)]));
  return { data, [put ? 'unprocessedItems' : 'unprocessedKeys']: objectOr(answer.UnprocessedItems) };
}
