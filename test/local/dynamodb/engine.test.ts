import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  IdempotentParameterMismatchException,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbEngine } from '../../../local/dynamodb/engine/engine.js';
import type { ItemChange } from '../../../local/dynamodb/engine/item-operations.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';

let client: DynamoDBClient;
const changes: ItemChange[][] = [];

const _dynamodb = useDynamoDb(
  async (started) => {
    client = started.client;
  },
  {
    now: () => Date.UTC(2026, 0, 1),
    onChanges: (batch) => changes.push([...batch]),
    maxAttempts: 1,
    tables: [
      tableInput('orders', {
        key: { pk: 'S', sk: 'N' },
        globalIndexes: { byStatus: { key: { status: 'S' }, projection: { ProjectionType: 'KEYS_ONLY' } } },
      }),
    ],
  },
);

const thrown = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & Record<string, unknown>,
  );

describe('DynamoDbEngine', () => {
  it('keeps numbers exactly and answers them in canonical form', async () => {
    await client.send(
      new PutItemCommand({
        TableName: 'orders',
        Item: { pk: { S: 'n' }, sk: { N: '01.50' }, big: { N: '12345678901234567890123456789012345678' } },
      }),
    );
    const { Item } = await client.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'n' }, sk: { N: '1.5' } } }));
    expect(Item).toEqual({ pk: { S: 'n' }, sk: { N: '1.5' }, big: { N: '12345678901234567890123456789012345678' } });
  });

  it('orders numeric sort keys by value, negatives and fractions included', async () => {
    for (const n of ['10', '-2.5', '0', '-2.2', '-10', '2', '-2.25', '0.001']) {
      await client.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'order' }, sk: { N: n } } }));
    }
    const { Items } = await client.send(
      new QueryCommand({ TableName: 'orders', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'order' } } }),
    );
    expect(Items?.map((item) => item.sk?.N)).toEqual(['-10', '-2.5', '-2.25', '-2.2', '0', '0.001', '2', '10']);
    const between = await client.send(
      new QueryCommand({
        TableName: 'orders',
        KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':p': { S: 'order' }, ':a': { N: '-2.5' }, ':b': { N: '0.5' } },
        ScanIndexForward: false,
      }),
    );
    expect(between.Items?.map((item) => item.sk?.N)).toEqual(['0.001', '0', '-2.2', '-2.25', '-2.5']);
  });

  it('pages a query with Limit and ExclusiveStartKey without losing or repeating an item', async () => {
    const seen: string[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: 'orders',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'order' } },
          Limit: 3,
          ExclusiveStartKey: start,
        }),
      );
      seen.push(...(page.Items ?? []).map((item) => String(item.sk?.N)));
      start = page.LastEvaluatedKey as never;
    } while (start);
    expect(seen).toEqual(['-10', '-2.5', '-2.25', '-2.2', '0', '0.001', '2', '10']);
  });

  it('fails a conditional put that does not hold, with the item when ReturnValuesOnConditionCheckFailure asks for it', async () => {
    const put = (extra = {}) =>
      client.send(
        new PutItemCommand({
          TableName: 'orders',
          Item: { pk: { S: 'claim' }, sk: { N: '1' }, owner: { S: 'a' } },
          ConditionExpression: 'attribute_not_exists(pk)',
          ...extra,
        }),
      );
    await put();
    const error = await thrown(put({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error?.message).toBe('The conditional request failed');
    expect((error as unknown as ConditionalCheckFailedException).Item).toEqual({ pk: { S: 'claim' }, sk: { N: '1' }, owner: { S: 'a' } });
  });

  it('applies SET, ADD, REMOVE, list_append and if_not_exists, each reading the item as it was', async () => {
    await client.send(
      new PutItemCommand({
        TableName: 'orders',
        Item: { pk: { S: 'u' }, sk: { N: '1' }, count: { N: '1' }, tags: { L: [{ S: 'a' }] }, gone: { S: 'x' } },
      }),
    );
    const { Attributes } = await client.send(
      new UpdateItemCommand({
        TableName: 'orders',
        Key: { pk: { S: 'u' }, sk: { N: '1' } },
        UpdateExpression:
          'SET tags = list_append(tags, :more), opened = if_not_exists(opened, #c), amount = #c + :ten REMOVE gone ADD visits :one',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':more': { L: [{ S: 'b' }] }, ':ten': { N: '10' }, ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(Attributes).toEqual({
      pk: { S: 'u' },
      sk: { N: '1' },
      count: { N: '1' },
      tags: { L: [{ S: 'a' }, { S: 'b' }] },
      opened: { N: '1' },
      amount: { N: '11' },
      visits: { N: '1' },
    });
  });

  it('fails expressions as DynamoDB words them: syntax with the token and the text near it, reserved words, unused values', async () => {
    const update = (expression: string, values: Record<string, never> = { ':v': { N: '1' } as never }) =>
      thrown(
        client.send(
          new UpdateItemCommand({
            TableName: 'orders',
            Key: { pk: { S: 'u' }, sk: { N: '1' } },
            UpdateExpression: expression,
            ExpressionAttributeValues: values,
          }),
        ),
      );
    expect((await update('ADD hits : v'))?.message).toBe('Invalid UpdateExpression: Syntax error; token: ":", near: "hits : v"');
    expect((await update('SET status = :v'))?.message).toBe(
      'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status',
    );
    expect((await update('SET a = :v', { ':v': { N: '1' }, ':w': { N: '2' } } as never))?.message).toBe(
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}',
    );
    expect((await update('SET a = :v, a.b = :v'))?.message).toBe(
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]',
    );
  });

  it("fails a table name DynamoDB does not allow with the pattern's ValidationException, and takes a table's ARN", async () => {
    const error = await thrown(client.send(new GetItemCommand({ TableName: 'orders!', Key: { pk: { S: 'n' }, sk: { N: '1' } } })));
    expect([error?.name, error?.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value 'orders!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ]);
    const byArn = await client.send(
      new GetItemCommand({ TableName: 'arn:aws:dynamodb:us-east-1:000000000000:table/orders', Key: { pk: { S: 'n' }, sk: { N: '1.5' } } }),
    );
    expect(byArn.Item?.pk).toEqual({ S: 'n' });
  });

  it('answers a query of a global secondary index with its projection', async () => {
    await client.send(
      new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'g' }, sk: { N: '1' }, status: { S: 'OPEN' }, note: { S: 'x' } } }),
    );
    const { Items } = await client.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'byStatus',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'OPEN' } },
      }),
    );
    expect(Items).toEqual([{ pk: { S: 'g' }, sk: { N: '1' }, status: { S: 'OPEN' } }]);
  });

  it('answers a query of a local secondary index with what it projects, and with the whole item when Select asks for all of it', async () => {
    await client.send(
      new CreateTableCommand(
        tableInput('byDate', {
          key: { pk: 'S', sk: 'S' },
          localIndexes: { day: { key: { pk: 'S', day: 'S' }, projection: { ProjectionType: 'KEYS_ONLY' } } },
        }),
      ),
    );
    const item = { pk: { S: 'p' }, sk: { S: 's' }, day: { S: '2026-01-01' }, note: { S: 'not projected' } };
    await client.send(new PutItemCommand({ TableName: 'byDate', Item: item }));
    const query = (extra: Record<string, unknown>) =>
      client.send(
        new QueryCommand({
          TableName: 'byDate',
          IndexName: 'day',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'p' } },
          ...extra,
        }),
      );
    expect((await query({})).Items).toEqual([{ pk: { S: 'p' }, sk: { S: 's' }, day: { S: '2026-01-01' } }]);
    expect((await query({ Select: 'ALL_ATTRIBUTES' })).Items).toEqual([item]);
    expect((await query({ ProjectionExpression: 'note' })).Items).toEqual([{ note: { S: 'not projected' } }]);
    const error = await thrown(query({ Select: 'COUNT', ProjectionExpression: 'note' }));
    expect(error?.message).toBe('1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count');
  });

  it('applies a transaction all or nothing, listing cancellation reasons in the request order', async () => {
    const key = (sk: string) => ({ pk: { S: 't' }, sk: { N: sk } });
    /** One transaction: order 1 put as new, and order 2's stock updated with `update`. */
    const newOrderAndStock = (update: Omit<Update, 'TableName' | 'Key'>) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'orders', Item: { ...key('1'), state: { S: 'new' } } } },
            { Update: { TableName: 'orders', Key: key('2'), ...update } },
          ],
        }),
      );
    await client.send(new PutItemCommand({ TableName: 'orders', Item: { ...key('2'), stock: { N: '0' } } }));
    changes.length = 0;
    const error = await thrown(
      newOrderAndStock({
        UpdateExpression: 'SET stock = stock - :one',
        ConditionExpression: 'stock >= :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error?.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
    );
    expect((error as unknown as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { ...key('2'), stock: { N: '0' } } },
    ]);
    expect((await client.send(new GetItemCommand({ TableName: 'orders', Key: key('1') }))).Item).toBeUndefined();
    expect(changes).toEqual([]);
    await newOrderAndStock({ UpdateExpression: 'SET stock = :five', ExpressionAttributeValues: { ':five': { N: '5' } } });
    expect(changes).toHaveLength(1);
    expect(changes[0]?.map((change) => change.keys)).toEqual([key('1'), key('2')]);
    const { Responses } = await client.send(
      new TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: 'orders', Key: key('2') } }, { Get: { TableName: 'orders', Key: key('9') } }],
      }),
    );
    expect(Responses).toEqual([{ Item: { ...key('2'), stock: { N: '5' } } }, {}]);
  });

  it('fails a transaction with two actions on one item, and one over 100 actions, writing nothing', async () => {
    const key = { pk: { S: 'dup' }, sk: { N: '1' } };
    const twice = await thrown(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: 'orders', Item: key } }, { Delete: { TableName: 'orders', Key: key } }],
        }),
      ),
    );
    expect(twice?.name).toBe('ValidationException');
    expect(twice?.message).toBe('Transaction request cannot include multiple operations on one item');
    const many = await thrown(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({
            Put: { TableName: 'orders', Item: { pk: { S: 'many' }, sk: { N: String(i) } } },
          })),
        }),
      ),
    );
    expect(many?.name).toBe('ValidationException');
    const { Count } = await client.send(
      new QueryCommand({
        TableName: 'orders',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'many' } },
        Select: 'COUNT',
      }),
    );
    expect(Count).toBe(0);
  });

  it('applies a transaction once per ClientRequestToken and refuses the token with another request', async () => {
    const transact = (value: string) =>
      client.send(
        new TransactWriteItemsCommand({
          ClientRequestToken: 'token-1',
          TransactItems: [
            {
              Update: {
                TableName: 'orders',
                Key: { pk: { S: 'idem' }, sk: { N: '1' } },
                UpdateExpression: 'ADD n :v',
                ExpressionAttributeValues: { ':v': { N: value } },
              },
            },
          ],
        }),
      );
    await transact('1');
    await transact('1');
    const { Item } = await client.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'idem' }, sk: { N: '1' } } }));
    expect(Item?.n).toEqual({ N: '1' });
    expect(await thrown(transact('2'))).toBeInstanceOf(IdempotentParameterMismatchException);
  });

  it('answers a transaction repeated with its token with the read units of reading its items, as the API reference says', async () => {
    const transact = () =>
      client.send(
        new TransactWriteItemsCommand({
          ClientRequestToken: 'token-capacity',
          ReturnConsumedCapacity: 'TOTAL',
          TransactItems: [
            { Put: { TableName: 'orders', Item: { pk: { S: 'capacity' }, sk: { N: '1' } } } },
            { Put: { TableName: 'orders', Item: { pk: { S: 'capacity' }, sk: { N: '2' } } } },
          ],
        }),
      );
    const first = await transact();
    const again = await transact();
    expect(first.ConsumedCapacity).toEqual([{ TableName: 'orders', CapacityUnits: 4, WriteCapacityUnits: 4 }]);
    expect(again.ConsumedCapacity).toEqual([{ TableName: 'orders', CapacityUnits: 4, ReadCapacityUnits: 4 }]);
  });

  it('scans with a filter, counting what it read and what it kept', async () => {
    const { Count, ScannedCount } = await client.send(
      new ScanCommand({ TableName: 'orders', FilterExpression: 'attribute_exists(stock)' }),
    );
    expect(Count).toBe(1);
    expect(ScannedCount).toBeGreaterThan(1);
  });
});

describe('DynamoDbEngine.handleAll', () => {
  it('commits a group of requests together, leaving nothing of one that fails and keeping the others', () => {
    const engine = new DynamoDbEngine(openDatabase(':memory:'), {
      region: 'us-east-1',
      accountId: '000000000000',
      now: () => Date.UTC(2026, 0, 1),
      streams: { enable: () => ({ arn: 'arn', label: 'label', viewType: 'NEW_IMAGE' }), disable: () => {}, of: () => undefined },
    });
    const create = tableInput('group', { key: { pk: 'S' } });
    const put = (pk: string, extra: object = {}) => ({
      operation: 'PutItem',
      body: JSON.stringify({ TableName: 'group', Item: { pk: { S: pk } }, ...extra }),
    });
    const results = engine.handleAll([
      { operation: 'CreateTable', body: JSON.stringify(create) },
      put('a'),
      // A transaction whose second action fails as it is applied: its first action must not stay.
      {
        operation: 'TransactWriteItems',
        body: JSON.stringify({
          TransactItems: [
            { Put: { TableName: 'group', Item: { pk: { S: 'b' } } } },
            {
              Update: {
                TableName: 'group',
                Key: { pk: { S: 'a' } },
                UpdateExpression: 'SET n = nothere + :one',
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
          ],
        }),
      },
      put('a', { ConditionExpression: 'attribute_not_exists(pk)' }),
      put('c'),
    ]);
    expect(results.map((result) => ('error' in result ? (result.error as { code: string }).code : 'ok'))).toEqual([
      'ok',
      'ok',
      'TransactionCanceledException',
      'ConditionalCheckFailedException',
      'ok',
    ]);
    const scanned = engine.handle('Scan', JSON.stringify({ TableName: 'group' })) as { Items: { pk: { S: string } }[] };
    expect(scanned.Items.map((item) => item.pk.S).sort()).toEqual(['a', 'c']);
  });
});
