// The legacy conditional parameters (the DynamoDB developer guide's "Legacy conditional
// parameters" pages), sent as the AWS SDKs send them: the v3 client's own shapes, v3's
// lib-dynamodb DocumentClient and the v2 DocumentClient (which marshal the values inside
// Expected, AttributeUpdates, KeyConditions and the filters). Messages as DynamoDB words them.
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { QueryCommand as DocQuery, UpdateCommand as DocUpdate, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDB as DynamoDBv2 } from 'aws-sdk';
import { describe, expect, it } from 'vitest';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';

const dynamodb = useDynamoDb(
  async ({ client }) => {
    for (const [sk, status, total] of [
      [1, 'open', '10'],
      [2, 'open', '25'],
      [3, 'closed', '40'],
      [4, 'open', '55'],
    ] as const) {
      await client.send(
        new PutItemCommand({
          TableName: 'legacy',
          Item: { pk: { S: 'order' }, sk: { N: String(sk) }, status: { S: status }, total: { N: total }, tags: { SS: ['a', `t${sk}`] } },
        }),
      );
    }
  },
  { tables: [tableInput('legacy', { key: { pk: 'S', sk: 'N' }, globalIndexes: { byStatus: { key: { status: 'S' } } } })] },
);

const thrown = async (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the request succeeded');
    },
    (error: unknown) => error as Error & Record<string, unknown>,
  );

const key = (sk: number) => ({ pk: { S: 'order' }, sk: { N: String(sk) } });
const get = async (sk: number) => (await dynamodb.client.send(new GetItemCommand({ TableName: 'legacy', Key: key(sk) }))).Item;

describe('DynamoDbEngine legacy parameters', () => {
  it('applies a write whose Expected holds (Value, Exists false, comparison operators), joined by AND or OR', async () => {
    await dynamodb.client.send(
      new PutItemCommand({
        TableName: 'legacy',
        Item: { pk: { S: 'w' }, sk: { N: '1' }, n: { N: '5' }, s: { S: 'hello' } },
        Expected: { pk: { Exists: false } },
      }),
    );
    await dynamodb.client.send(
      new UpdateItemCommand({
        TableName: 'legacy',
        Key: { pk: { S: 'w' }, sk: { N: '1' } },
        AttributeUpdates: { step: { Action: 'PUT', Value: { N: '1' } } },
        Expected: {
          n: { Value: { N: '5' } },
          s: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'hel' }] },
          missing: { ComparisonOperator: 'NULL' },
          other: { ComparisonOperator: 'NE', AttributeValueList: [{ N: '1' }] },
        },
      }),
    );
    await dynamodb.client.send(
      new UpdateItemCommand({
        TableName: 'legacy',
        Key: { pk: { S: 'w' }, sk: { N: '1' } },
        AttributeUpdates: { step: { Action: 'PUT', Value: { N: '2' } } },
        Expected: {
          n: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '100' }] },
          s: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ S: 'ell' }] },
        },
        ConditionalOperator: 'OR',
      }),
    );
    const { Item } = await dynamodb.client.send(new GetItemCommand({ TableName: 'legacy', Key: { pk: { S: 'w' }, sk: { N: '1' } } }));
    expect(Item?.step).toEqual({ N: '2' });
  });

  it('fails a write whose Expected does not hold with ConditionalCheckFailedException, NOT_CONTAINS failing on a missing attribute', async () => {
    const refusals = [
      { n: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '6' }, { N: '9' }] } },
      { n: { Value: { S: '5' } } },
      { absent: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ S: 'x' }] } },
      { n: { Exists: false } },
      { n: { Value: { N: '5' } }, s: { ComparisonOperator: 'IN', AttributeValueList: [{ S: 'a' }, { S: 'b' }] } },
    ];
    for (const Expected of refusals) {
      const error = await thrown(
        dynamodb.client.send(
          new PutItemCommand({
            TableName: 'legacy',
            Item: { pk: { S: 'w' }, sk: { N: '1' } },
            Expected: Expected as never,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      expect(error, JSON.stringify(Expected)).toBeInstanceOf(ConditionalCheckFailedException);
      expect(error.message).toBe('The conditional request failed');
      expect((error.Item as Record<string, unknown>).n).toEqual({ N: '5' });
    }
  });

  it('updates with AttributeUpdates: PUT, ADD to a number, a set and a list, DELETE of an attribute and of set members', async () => {
    await dynamodb.client.send(
      new PutItemCommand({
        TableName: 'legacy',
        Item: { ...key(20), count: { N: '1' }, colours: { SS: ['red', 'blue'] }, log: { L: [{ S: 'a' }] }, gone: { S: 'x' } },
      }),
    );
    const { Attributes } = await dynamodb.client.send(
      new UpdateItemCommand({
        TableName: 'legacy',
        Key: key(20),
        AttributeUpdates: {
          count: { Action: 'ADD', Value: { N: '2.5' } },
          fresh: { Action: 'ADD', Value: { N: '3' } },
          colours: { Action: 'DELETE', Value: { SS: ['red', 'green'] } },
          sizes: { Action: 'ADD', Value: { NS: ['1', '2'] } },
          log: { Action: 'ADD', Value: { L: [{ S: 'b' }] } },
          gone: { Action: 'DELETE' },
          name: { Value: { S: 'put by default' } },
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(Attributes).toEqual({
      count: { N: '3.5' },
      fresh: { N: '3' },
      colours: { SS: ['blue'] },
      sizes: { NS: ['1', '2'] },
      log: { L: [{ S: 'a' }, { S: 'b' }] },
      name: { S: 'put by default' },
    });
    expect((await get(20))?.gone).toBeUndefined();
  });

  it('fails AttributeUpdates DynamoDB refuses, writing nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { sk: { Action: 'PUT', Value: { N: '9' } } },
        'One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key',
      ],
      [
        { a: { Action: 'PUT' } },
        'One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified',
      ],
      [
        { a: { Action: 'DELETE', Value: { S: 'x' } } },
        'One or more parameter values were invalid: DELETE action with value is not supported for the type S',
      ],
      [
        { a: { Action: 'ADD', Value: { S: 'x' } } },
        'One or more parameter values were invalid: ADD action is not supported for the type S',
      ],
      [{ count: { Action: 'ADD', Value: { SS: ['x'] } } }, 'Type mismatch for attribute to update'],
      [
        { status: { Action: 'PUT', Value: { N: '1' } } },
        'One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: byStatus',
      ],
    ];
    for (const [AttributeUpdates, message] of cases) {
      const error = await thrown(
        dynamodb.client.send(new UpdateItemCommand({ TableName: 'legacy', Key: key(20), AttributeUpdates: AttributeUpdates as never })),
      );
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(message);
    }
    expect((await get(20))?.count).toEqual({ N: '3.5' });
  });

  it('queries with KeyConditions, QueryFilter and AttributesToGet, on the table and on an index', async () => {
    const { Items, Count, ScannedCount } = await dynamodb.client.send(
      new QueryCommand({
        TableName: 'legacy',
        KeyConditions: {
          pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'order' }] },
          sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '2' }, { N: '4' }] },
        },
        QueryFilter: {
          status: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'open' }] },
          total: { ComparisonOperator: 'GE', AttributeValueList: [{ N: '50' }] },
        },
        ConditionalOperator: 'AND',
        AttributesToGet: ['sk', 'total'],
        ScanIndexForward: false,
      }),
    );
    expect({ Items, Count, ScannedCount }).toEqual({ Items: [{ sk: { N: '4' }, total: { N: '55' } }], Count: 1, ScannedCount: 3 });
    const byStatus = await dynamodb.client.send(
      new QueryCommand({
        TableName: 'legacy',
        IndexName: 'byStatus',
        KeyConditions: { status: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'closed' }] } },
        FilterExpression: '#t > :t',
        ExpressionAttributeNames: { '#t': 'total' },
        ExpressionAttributeValues: { ':t': { N: '1' } },
        ProjectionExpression: 'sk',
      }),
    );
    expect(byStatus.Items).toEqual([{ sk: { N: '3' } }]);
  });

  it('fails KeyConditions DynamoDB refuses, with its words', async () => {
    const eq = (value: Record<string, string>) => ({ ComparisonOperator: 'EQ', AttributeValueList: [value] });
    const cases: [Record<string, unknown>, string][] = [
      [{ pk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ S: 'o' }] } }, 'Query key condition not supported'],
      [
        { pk: eq({ S: 'order' }), sk: { ComparisonOperator: 'NE', AttributeValueList: [{ N: '1' }] } },
        'Attempted conditional constraint is not an indexable operation',
      ],
      [{ pk: eq({ N: '1' }) }, 'One or more parameter values were invalid: Condition parameter type does not match schema type'],
      [{ pk: eq({ S: 'order' }), total: eq({ N: '1' }) }, 'Query condition missed key schema element: sk'],
      [{ sk: eq({ N: '1' }) }, 'Query condition missed key schema element: pk'],
      [{ pk: eq({ S: 'order' }), sk: eq({ N: '1' }), total: eq({ N: '1' }) }, 'Conditions can be of length 1 or 2 only'],
      [
        { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a' }, { S: 'b' }] } },
        'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator',
      ],
      [
        { pk: eq({ S: 'order' }), sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '5' }, { N: '2' }] } },
        'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound',
      ],
    ];
    for (const [KeyConditions, message] of cases) {
      const error = await thrown(dynamodb.client.send(new QueryCommand({ TableName: 'legacy', KeyConditions: KeyConditions as never })));
      expect(error.name, message).toBe('ValidationException');
      expect(error.message).toBe(message);
    }
  });

  it('scans with ScanFilter joined by OR', async () => {
    const { Items } = await dynamodb.client.send(
      new ScanCommand({
        TableName: 'legacy',
        ScanFilter: {
          status: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'closed' }] },
          tags: { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ S: 't4' }] },
        },
        ConditionalOperator: 'OR',
        AttributesToGet: ['sk'],
      }),
    );
    expect(Items?.map((item) => item.sk?.N).sort()).toEqual(['3', '4']);
  });

  it('reads AttributesToGet in GetItem and BatchGetItem', async () => {
    const { Item } = await dynamodb.client.send(
      new GetItemCommand({ TableName: 'legacy', Key: key(1), AttributesToGet: ['status', 'nothing'] }),
    );
    expect(Item).toEqual({ status: { S: 'open' } });
    const { Responses } = await dynamodb.client.send(
      new BatchGetItemCommand({ RequestItems: { legacy: { Keys: [key(2)], AttributesToGet: ['total'] } } }),
    );
    expect(Responses?.legacy).toEqual([{ total: { N: '25' } }]);
  });

  it('fails a request mixing legacy and expression parameters, naming each in DynamoDB order', async () => {
    const cases: [Promise<unknown>, string][] = [
      [
        dynamodb.client.send(
          new UpdateItemCommand({
            TableName: 'legacy',
            Key: key(1),
            AttributeUpdates: { a: { Action: 'PUT', Value: { S: 'v' } } },
            Expected: { a: { Exists: false } },
            UpdateExpression: 'SET a = :v',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':v': { S: 'x' } },
          }),
        ),
        'Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: {UpdateExpression, ConditionExpression}',
      ],
      [
        dynamodb.client.send(
          new QueryCommand({
            TableName: 'legacy',
            KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'order' }] } },
            AttributesToGet: ['sk'],
            KeyConditionExpression: 'pk = :p',
            FilterExpression: 'begins_with(status, :p)',
            ExpressionAttributeValues: { ':p': { S: 'order' } },
          }),
        ),
        'Non-expression parameters: {AttributesToGet, KeyConditions} Expression parameters: {FilterExpression, KeyConditionExpression}',
      ],
      [
        dynamodb.client.send(new ScanCommand({ TableName: 'legacy', ConditionalOperator: 'AND', ProjectionExpression: 'sk' })),
        'Non-expression parameters: {ConditionalOperator} Expression parameters: {ProjectionExpression}',
      ],
      [
        dynamodb.client.send(new GetItemCommand({ TableName: 'legacy', Key: key(1), AttributesToGet: ['sk'], ProjectionExpression: 'sk' })),
        'Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
      ],
    ];
    for (const [request, named] of cases) {
      const error = await thrown(request);
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(`Can not use both expression and non-expression parameters in the same request: ${named}`);
    }
  });

  it('fails legacy conditions with the wrong operands, and ConditionalOperator without two conditions', async () => {
    const cases: [Promise<unknown>, string][] = [
      [
        dynamodb.client.send(
          new ScanCommand({ TableName: 'legacy', ScanFilter: { a: { ComparisonOperator: 'LT', AttributeValueList: [{ SS: ['x'] }] } } }),
        ),
        'One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type',
      ],
      [
        dynamodb.client.send(
          new ScanCommand({ TableName: 'legacy', ScanFilter: { a: { ComparisonOperator: 'NULL', AttributeValueList: [{ S: 'x' }] } } }),
        ),
        'One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator',
      ],
      [
        dynamodb.client.send(
          new ScanCommand({
            TableName: 'legacy',
            ScanFilter: { a: { ComparisonOperator: 'IN', AttributeValueList: [{ S: 'x' }, { N: '1' }] } },
          }),
        ),
        'One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type',
      ],
      [
        dynamodb.client.send(new PutItemCommand({ TableName: 'legacy', Item: key(1), Expected: { a: { Exists: true } } })),
        'One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a',
      ],
      [
        dynamodb.client.send(
          new PutItemCommand({ TableName: 'legacy', Item: key(1), Expected: { a: { Exists: false, Value: { S: 'x' } } } }),
        ),
        'One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a',
      ],
      [
        dynamodb.client.send(new PutItemCommand({ TableName: 'legacy', Item: key(1), Expected: { a: { ComparisonOperator: 'LT' } } })),
        'One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a',
      ],
      [
        dynamodb.client.send(
          new PutItemCommand({ TableName: 'legacy', Item: key(1), Expected: { a: { Exists: true, ComparisonOperator: 'NULL' } } }),
        ),
        'One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a',
      ],
      [
        dynamodb.client.send(new PutItemCommand({ TableName: 'legacy', Item: key(1), ConditionalOperator: 'OR' })),
        'ConditionalOperator cannot be used without Filter or Expected',
      ],
      [
        dynamodb.client.send(
          new PutItemCommand({ TableName: 'legacy', Item: key(1), ConditionalOperator: 'OR', Expected: { a: { Exists: false } } }),
        ),
        'ConditionalOperator can only be used when Filter or Expected has two or more elements',
      ],
      [
        dynamodb.client.send(
          new QueryCommand({
            TableName: 'legacy',
            KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'order' }] } },
            QueryFilter: { sk: { ComparisonOperator: 'GT', AttributeValueList: [{ N: '1' }] } },
          }),
        ),
        'QueryFilter can only contain non-primary key attributes: Primary key attribute: sk',
      ],
      [
        dynamodb.client.send(new GetItemCommand({ TableName: 'legacy', Key: key(1), AttributesToGet: ['a', 'a'] })),
        'One or more parameter values were invalid: Duplicate value in attribute name: a',
      ],
      [
        dynamodb.client.send(new ScanCommand({ TableName: 'legacy', AttributesToGet: ['a'], Select: 'COUNT' })),
        'Cannot specify the AttributesToGet when choosing to get only the Count',
      ],
    ];
    for (const [request, message] of cases) {
      const error = await thrown(request);
      expect(error.name, message).toBe('ValidationException');
      expect(error.message).toBe(message);
    }
  });

  it("serves lib-dynamodb's DocumentClient, which marshals the values inside legacy parameters", async () => {
    const documents = DynamoDBDocumentClient.from(dynamodb.client);
    await documents.send(
      new DocUpdate({
        TableName: 'legacy',
        Key: { pk: 'doc', sk: 1 },
        AttributeUpdates: { visits: { Action: 'ADD', Value: 2 }, labels: { Action: 'PUT', Value: new Set(['x']) } },
        Expected: { visits: { Exists: false } },
      }),
    );
    const { Items } = await documents.send(
      new DocQuery({
        TableName: 'legacy',
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: ['doc'] } },
        QueryFilter: { visits: { ComparisonOperator: 'EQ', AttributeValueList: [2] } },
      }),
    );
    expect(Items).toEqual([{ pk: 'doc', sk: 1, visits: 2, labels: new Set(['x']) }]);
  });

  it("serves the SDK v2 DocumentClient's legacy calls", async () => {
    const documents = new DynamoDBv2.DocumentClient({
      endpoint: dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await documents.put({ TableName: 'legacy', Item: { pk: 'v2', sk: 1, n: 1 }, Expected: { pk: { Exists: false } } }).promise();
    await documents
      .update({
        TableName: 'legacy',
        Key: { pk: 'v2', sk: 1 },
        AttributeUpdates: { n: { Action: 'ADD', Value: 41 } },
        Expected: { n: { ComparisonOperator: 'EQ', AttributeValueList: [1] } },
      })
      .promise();
    const error = await thrown(
      documents.put({ TableName: 'legacy', Item: { pk: 'v2', sk: 1 }, Expected: { pk: { Exists: false } } }).promise(),
    );
    expect(error.code).toBe('ConditionalCheckFailedException');
    const { Items } = await documents
      .scan({ TableName: 'legacy', ScanFilter: { pk: { ComparisonOperator: 'EQ', AttributeValueList: ['v2'] } }, AttributesToGet: ['n'] })
      .promise();
    expect(Items).toEqual([{ n: 42 }]);
  });
});
