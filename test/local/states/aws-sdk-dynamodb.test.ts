import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbHost } from '../../../local/dynamodb/dynamodb-host.js';
import { sdkDynamoDb } from '../../../local/dynamodb/step-functions.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';
import { dynamoDbClient } from '../helpers.js';
import { catchInto, caught, createMachine, createStates, finished, REGION, runCaughtTask, type TestStates } from './helpers.js';

let host: DynamoDbHost;
let dynamodb: ReturnType<typeof sdkDynamoDb>;
let t: TestStates;

beforeAll(async () => {
  host = await DynamoDbHost.start();
  const client = dynamoDbClient(host.url);
  await createActiveTable(client, tableInput('claims', { key: { pk: 'S', sk: 'S' } }));
  client.destroy();
  dynamodb = sdkDynamoDb({ endpoint: host.url, region: REGION });
});

afterAll(async () => {
  dynamodb?.destroy();
  await host?.stop();
});

afterEach(async () => t?.close());

describe('aws-sdk:dynamodb integrations', () => {
  it('catches DynamoDb.ConditionalCheckFailedException when a conditional putItem finds the item', async () => {
    t = await createStates({ dynamodb });
    const claim = {
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
      Parameters: {
        TableName: 'claims',
        Item: { pk: { 'S.$': '$.ticket' }, sk: { S: 'claim' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      ...catchInto('DynamoDb.ConditionalCheckFailedException'),
    };
    const first = await runCaughtTask(t.states, { ...claim, ResultPath: '$.put' }, { ticket: 'T-1' }, 'first');
    expect(first.result).toEqual({ ticket: 'T-1', put: {} });

    const second = await runCaughtTask(t.states, claim, { ticket: 'T-1' }, 'second');
    expect(second.status).toBe('SUCCEEDED');
    const error = caught(second.result);
    expect(error.Error).toBe('DynamoDb.ConditionalCheckFailedException');
    expect(error.Cause).toMatch(
      /^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: \S+\) \(SDK Attempt Count: 1\)$/,
    );
  });

  it('runs operations beyond the optimized four: batchWriteItem, query, describeTable; bytes as base64, timestamps as ISO-8601', async () => {
    t = await createStates({ dynamodb });
    const machine = await createMachine(t.states, 'beyond', {
      StartAt: 'Write',
      States: {
        Write: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:batchWriteItem',
          Parameters: {
            RequestItems: {
              claims: [
                { PutRequest: { Item: { pk: { S: 'T-2' }, sk: { S: 'a' }, blob: { B: 'AAEC' } } } },
                { PutRequest: { Item: { pk: { S: 'T-2' }, sk: { S: 'b' } } } },
              ],
            },
          },
          ResultPath: null,
          Next: 'Query',
        },
        Query: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:query',
          Parameters: {
            TableName: 'claims',
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: 'T-2' } },
          },
          ResultPath: '$.query',
          Next: 'Describe',
        },
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:describeTable',
          Parameters: { TableName: 'claims' },
          ResultSelector: { 'created.$': '$.Table.CreationDateTime', 'name.$': '$.Table.TableName' },
          ResultPath: '$.table',
          End: true,
        },
      },
    });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn: machine });
    const described = await finished(t.states, executionArn);
    expect(described, described.cause).toMatchObject({ status: 'SUCCEEDED' });
    const output = JSON.parse(String(described.output)) as {
      query: { Count: number; Items: unknown[] };
      table: { created: string; name: string };
    };
    expect(output.query.Count).toBe(2);
    expect(output.query.Items).toEqual([
      { pk: { S: 'T-2' }, sk: { S: 'a' }, blob: { B: 'AAEC' } },
      { pk: { S: 'T-2' }, sk: { S: 'b' } },
    ]);
    expect(output.table.name).toBe('claims');
    expect(output.table.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
  });

  it('runs transactWriteItems and transactGetItems, and catches DynamoDb.TransactionCanceledException when a condition cancels one', async () => {
    t = await createStates({ dynamodb });
    const transact = (condition: string) => ({
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems',
      Parameters: {
        TransactItems: [
          { Put: { TableName: 'claims', Item: { pk: { 'S.$': '$.ticket' }, sk: { S: 'claim' } }, ConditionExpression: condition } },
          { Put: { TableName: 'claims', Item: { pk: { 'S.$': '$.ticket' }, sk: { S: 'audit' } } } },
        ],
      },
      ResultPath: '$.written',
      ...catchInto('DynamoDb.TransactionCanceledException'),
    });
    const first = await runCaughtTask(t.states, transact('attribute_not_exists(pk)'), { ticket: 'T-3' }, 'transact-first');
    expect(first.result).toEqual({ ticket: 'T-3', written: {} });
    const second = await runCaughtTask(t.states, transact('attribute_not_exists(pk)'), { ticket: 'T-3' }, 'transact-second');
    const error = caught(second.result);
    expect(error.Error).toBe('DynamoDb.TransactionCanceledException');
    expect(error.Cause).toContain(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
    );
    const read = await runCaughtTask(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:transactGetItems',
        Parameters: {
          TransactItems: [
            { Get: { TableName: 'claims', Key: { pk: { S: 'T-3' }, sk: { S: 'audit' } } } },
            { Get: { TableName: 'claims', Key: { pk: { S: 'T-3' }, sk: { S: 'none' } } } },
          ],
        },
        ...catchInto('States.TaskFailed'),
      },
      {},
      'transact-read',
    );
    expect(read.result).toEqual({ Responses: [{ Item: { pk: { S: 'T-3' }, sk: { S: 'audit' } } }, {}] });
  });

  it('runs executeStatement, batchExecuteStatement and executeTransaction, catching DynamoDb.DuplicateItemException', async () => {
    t = await createStates({ dynamodb });
    const insert = {
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:executeStatement',
      Parameters: { Statement: `INSERT INTO claims VALUE {'pk': ?, 'sk': 'partiql'}`, 'Parameters.$': 'States.Array($.key)' },
      ResultPath: '$.inserted',
      ...catchInto('DynamoDb.DuplicateItemException'),
    };
    const first = await runCaughtTask(t.states, insert, { key: { S: 'T-4' } }, 'partiql-first');
    expect(first.result).toEqual({ key: { S: 'T-4' }, inserted: {} });
    const again = await runCaughtTask(t.states, insert, { key: { S: 'T-4' } }, 'partiql-again');
    expect(caught(again.result).Error).toBe('DynamoDb.DuplicateItemException');
    const transaction = await runCaughtTask(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:executeTransaction',
        Parameters: {
          TransactStatements: [
            { Statement: `UPDATE claims SET n = 1 WHERE pk = 'T-4' AND sk = 'partiql'` },
            { Statement: `INSERT INTO claims VALUE {'pk': 'T-4', 'sk': 'audit'}` },
          ],
        },
        ...catchInto('States.TaskFailed'),
      },
      {},
      'partiql-transaction',
    );
    expect(transaction.result).toEqual({ Responses: [] });
    const batch = await runCaughtTask(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:batchExecuteStatement',
        Parameters: {
          Statements: [
            { Statement: `SELECT n FROM claims WHERE pk = 'T-4' AND sk = 'partiql'` },
            { Statement: `SELECT * FROM claims WHERE pk = 'T-4' AND sk = 'audit'` },
          ],
        },
        ...catchInto('States.TaskFailed'),
      },
      {},
      'partiql-batch',
    );
    expect(batch.result).toEqual({
      Responses: [
        { TableName: 'claims', Item: { n: { N: '1' } } },
        { TableName: 'claims', Item: { pk: { S: 'T-4' }, sk: { S: 'audit' } } },
      ],
    });
  });

  it('names an error the DynamoDB API model does not declare DynamoDb.DynamoDbException', async () => {
    t = await createStates({ dynamodb });
    const { result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
      Parameters: { TableName: 'claims', Key: { nope: { S: 'x' } } },
      ...catchInto('States.TaskFailed'),
    });
    const error = caught(result);
    expect(error.Error).toBe('DynamoDb.DynamoDbException');
    expect(error.Cause).toContain('(Service: DynamoDb, Status Code: 400');
  });
});
