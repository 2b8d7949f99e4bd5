import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbHost } from '../../../local/dynamodb/dynamodb-host.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';
import { dynamoDbClient, rejectionOf, tempDataDir } from '../helpers.js';

let host: DynamoDbHost;
let client: DynamoDBClient;
const TableName = 'conditions';
const Key = { pk: { S: 'a' } };
const item = { pk: { S: 'a' }, holders: { M: { h1: { N: '5' } } } };

beforeAll(async () => {
  host = await DynamoDbHost.start({ folder: tempDataDir() });
  client = dynamoDbClient(host.url);
  await createActiveTable(client, tableInput(TableName, { key: { pk: 'S' } }));
  await client.send(new PutItemCommand({ TableName, Item: item }));
});
afterAll(async () => {
  client.destroy();
  await host.stop();
});

/** The ConditionalCheckFailedException a write fails with. */
const refusal = (write: Promise<unknown>) => rejectionOf(write, ConditionalCheckFailedException);

describe("the runtime's DynamoDB: ReturnValuesOnConditionCheckFailure", () => {
  it('answers a failed UpdateItem, PutItem and DeleteItem with the item the condition failed on when asked for ALL_OLD', async () => {
    const asked = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
    const update = new UpdateItemCommand({
      TableName,
      Key,
      UpdateExpression: 'SET holders.#h = :n',
      ExpressionAttributeNames: { '#h': 'h2' },
      ExpressionAttributeValues: { ':n': { N: '1' } },
      // The map holds one entry: size() counts a map's entries.
      ConditionExpression: 'size(holders) > :n',
      ...asked,
    });
    expect((await refusal(client.send(update))).Item).toEqual(item);
    const put = new PutItemCommand({ TableName, Item: Key, ConditionExpression: 'attribute_not_exists(pk)', ...asked });
    expect((await refusal(client.send(put))).Item).toEqual(item);
    const del = new DeleteItemCommand({ TableName, Key, ConditionExpression: 'attribute_not_exists(holders)', ...asked });
    expect((await refusal(client.send(del))).Item).toEqual(item);
  });

  it('answers without the item when not asked, when asked for NONE, and when there is no item', async () => {
    const put = (more: object, key = 'a') =>
      new PutItemCommand({ TableName, Item: { pk: { S: key } }, ConditionExpression: 'attribute_exists(holders.h9)', ...more });
    expect((await refusal(client.send(put({})))).Item).toBeUndefined();
    expect((await refusal(client.send(put({ ReturnValuesOnConditionCheckFailure: 'NONE' })))).Item).toBeUndefined();
    expect((await refusal(client.send(put({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }, 'missing')))).Item).toBeUndefined();
  });

  it('fails if ReturnValuesOnConditionCheckFailure is not ALL_OLD or NONE, as DynamoDB does', async () => {
    const put = new PutItemCommand({ TableName, Item: Key, ReturnValuesOnConditionCheckFailure: 'ALL_NEW' as never });
    await expect(client.send(put)).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
