import * as path from 'node:path';
import { CreateTableCommand, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbHost } from '../../../local/dynamodb/dynamodb-host.js';
import { DynamoDbEngine } from '../../../local/dynamodb/engine/engine.js';
import { sdkDynamoDb } from '../../../local/dynamodb/step-functions.js';
import { Endpoint } from '../../../local/endpoint/server.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { IDEMPOTENCY_HEADER, idempotencyHeader } from '../../../local/store/idempotent-requests.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { dynamoDbClient, region, tempDataDir } from '../helpers.js';

/**
 * A Step Functions task of a STANDARD execution resumed after a crash sends its request
 * again with the same key (local/store/idempotent-requests.ts): the engine must do each
 * keyed write once and answer the repeat with the first answer.
 */

const now = Date.UTC(2026, 0, 1);

function engineOn(file: string): DynamoDbEngine {
  return new DynamoDbEngine(openDatabase(file), {
    region: 'us-east-1',
    accountId: '000000000000',
    now: () => now,
    streams: { enable: () => ({ arn: 'arn', label: 'label', viewType: 'NEW_IMAGE' }), disable: () => {}, of: () => undefined },
  });
}

const TABLE = tableInput('ledger', { key: { pk: 'S' } });

const ADD_ONE = JSON.stringify({
  TableName: 'ledger',
  Key: { pk: { S: 'fees' } },
  UpdateExpression: 'ADD paid :one',
  ExpressionAttributeValues: { ':one': { N: '1' } },
  ReturnValues: 'ALL_NEW',
});

function paid(engine: DynamoDbEngine): string | undefined {
  const { Item } = engine.handle('GetItem', JSON.stringify({ TableName: 'ledger', Key: { pk: { S: 'fees' } } })) as {
    Item?: { paid?: { N: string } };
  };
  return Item?.paid?.N;
}

describe('DynamoDbEngine with idempotency keys', () => {
  it('applies a repeated keyed UpdateItem once and answers the repeat with the first answer', () => {
    const engine = engineOn(':memory:');
    engine.handle('CreateTable', JSON.stringify(TABLE));
    const first = engine.handle('UpdateItem', ADD_ONE, false, 'task-1');
    const repeat = engine.handle('UpdateItem', ADD_ONE, false, 'task-1');
    expect(first).toEqual({ Attributes: { pk: { S: 'fees' }, paid: { N: '1' } } });
    expect(repeat).toEqual(first);
    expect(paid(engine)).toBe('1');
    // Another key is another request; no key is no promise.
    engine.handle('UpdateItem', ADD_ONE, false, 'task-2');
    engine.handle('UpdateItem', ADD_ONE);
    engine.handle('UpdateItem', ADD_ONE);
    expect(paid(engine)).toBe('4');
  });

  it('applies a repeated keyed PartiQL UPDATE and ExecuteTransaction once', () => {
    const engine = engineOn(':memory:');
    engine.handle('CreateTable', JSON.stringify(TABLE));
    engine.handle('PutItem', JSON.stringify({ TableName: 'ledger', Item: { pk: { S: 'fees' }, paid: { N: '0' } } }));
    const update = JSON.stringify({
      Statement: 'UPDATE "ledger" SET paid = paid + ? WHERE pk = ?',
      Parameters: [{ N: '1' }, { S: 'fees' }],
    });
    engine.handle('ExecuteStatement', update, false, 'task-1');
    engine.handle('ExecuteStatement', update, false, 'task-1');
    expect(paid(engine)).toBe('1');
    const transaction = JSON.stringify({ TransactStatements: [{ Statement: 'UPDATE "ledger" SET paid = paid + 10 WHERE pk = \'fees\'' }] });
    engine.handle('ExecuteTransaction', transaction, false, 'task-2');
    engine.handle('ExecuteTransaction', transaction, false, 'task-2');
    expect(paid(engine)).toBe('11');
  });

  it('keeps the keys of the writes it made through a restart (they are in the same database, written in the same transaction)', () => {
    const file = path.join(tempDataDir(), 'tables.sqlite');
    const before = engineOn(file);
    before.handle('CreateTable', JSON.stringify(TABLE));
    const first = before.handle('UpdateItem', ADD_ONE, false, 'task-1');
    const after = engineOn(file);
    expect(after.handle('UpdateItem', ADD_ONE, false, 'task-1')).toEqual(first);
    expect(paid(after)).toBe('1');
  });

  it('does every kind of write once per key: PutItem, DeleteItem, BatchWriteItem, TransactWriteItems', () => {
    const engine = engineOn(':memory:');
    engine.handle('CreateTable', JSON.stringify(TABLE));
    const twice = (operation: string, input: object, key: string) => {
      const body = JSON.stringify(input);
      expect(engine.handle(operation, body, false, key)).toEqual(engine.handle(operation, body, false, key));
    };
    twice('PutItem', { TableName: 'ledger', Item: { pk: { S: 'p' } }, ConditionExpression: 'attribute_not_exists(pk)' }, 'k1');
    twice('DeleteItem', { TableName: 'ledger', Key: { pk: { S: 'p' } }, ConditionExpression: 'attribute_exists(pk)' }, 'k2');
    twice(
      'TransactWriteItems',
      { TransactItems: [{ Put: { TableName: 'ledger', Item: { pk: { S: 't' } }, ConditionExpression: 'attribute_not_exists(pk)' } }] },
      'k3',
    );
    twice('BatchWriteItem', { RequestItems: { ledger: [{ PutRequest: { Item: { pk: { S: 'b' } } } }] } }, 'k4');
    twice('UpdateItem', JSON.parse(ADD_ONE), 'k5');
    expect(paid(engine)).toBe('1');
  });

  it('fails if a keyed write fails, and keeps no answer for its key: the write was not made', () => {
    const engine = engineOn(':memory:');
    engine.handle('CreateTable', JSON.stringify(TABLE));
    const guarded = JSON.stringify({ ...JSON.parse(ADD_ONE), ConditionExpression: 'attribute_exists(pk)' });
    expect(() => engine.handle('UpdateItem', guarded, false, 'task-1')).toThrow(
      expect.objectContaining({ code: 'ConditionalCheckFailedException' }),
    );
    engine.handle('PutItem', JSON.stringify({ TableName: 'ledger', Item: { pk: { S: 'fees' } } }));
    engine.handle('UpdateItem', guarded, false, 'task-1');
    expect(paid(engine)).toBe('1');
  });
});

describe('DynamoDbHost with idempotency keys', () => {
  it("honours a key sent with the host's token, and ignores one a client sends without it", async () => {
    const host = await DynamoDbHost.start({ folder: tempDataDir() });
    const client = dynamoDbClient(host.url, { maxAttempts: 1 });
    try {
      await client.send(new CreateTableCommand(TABLE));
      const addOne = (header: string) => {
        const command = new UpdateItemCommand(JSON.parse(ADD_ONE));
        command.middlewareStack.add(
          (next) => (args) => {
            (args.request as { headers: Record<string, string> }).headers[IDEMPOTENCY_HEADER] = header;
            return next(args);
          },
          { step: 'build' },
        );
        return client.send(command);
      };
      const first = await addOne(idempotencyHeader(host.idempotencyToken, 'task-1'));
      const repeat = await addOne(idempotencyHeader(host.idempotencyToken, 'task-1'));
      expect(repeat.Attributes).toEqual(first.Attributes);
      // A client of the endpoint does not know the token: its key is no key.
      await addOne('task-2');
      await addOne('task-2');
      await addOne(idempotencyHeader('guessed', 'task-3'));
      await addOne(idempotencyHeader('guessed', 'task-3'));
      const { Item } = await client.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'fees' } } }));
      expect(Item?.paid?.N).toBe('5');
    } finally {
      client.destroy();
      await host.stop();
    }
  });

  it("gets a Step Functions task's key through the endpoint, as the runtime sends it (sdkDynamoDb with the host's token)", async () => {
    const host = await DynamoDbHost.start({ folder: tempDataDir() });
    const endpoint = new Endpoint({ port: 0 });
    const url = await endpoint.start();
    endpoint.mount({ jsonServices: [], passthrough: new Map([['DynamoDB_20120810', host.handler]]) });
    const tasks = sdkDynamoDb({ endpoint: url, region, idempotencyToken: host.idempotencyToken });
    try {
      await tasks.send('CreateTable', { ...TABLE });
      const first = await tasks.send('UpdateItem', JSON.parse(ADD_ONE), { idempotencyKey: 'task-1' });
      expect(await tasks.send('UpdateItem', JSON.parse(ADD_ONE), { idempotencyKey: 'task-1' })).toEqual(first);
      const { Item } = await tasks.send('GetItem', { TableName: 'ledger', Key: { pk: { S: 'fees' } } });
      expect(Item).toEqual({ pk: { S: 'fees' }, paid: { N: '1' } });
    } finally {
      tasks.destroy();
      await endpoint.stop();
      await host.stop();
    }
  });
});
