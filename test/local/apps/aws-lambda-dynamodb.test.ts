import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePayload, only, onlyFunctionName, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-lambda-dynamodb, integ.lamddb-no-arguments: a function (inline
// code) that is given a DynamoDB table's name in DDB_TABLE_NAME and read/write access to it.
let dynamodb: DynamoDBClient;
let lambda: LambdaClient;

runApp('aws-lambda-dynamodb', async (running) => {
  dynamodb = new DynamoDBClient(running.config);
  lambda = new LambdaClient(running.config);
});
afterAll(() => {
  dynamodb?.destroy();
});

async function tableName(): Promise<string> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  return only(TableNames);
}

describe('aws-lambda-dynamodb (integ.lamddb-no-arguments)', () => {
  it('creates the table with the key schema and billing mode of the template', async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: await tableName() }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(Table?.AttributeDefinitions).toEqual([{ AttributeName: 'id', AttributeType: 'S' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('tells the function the table name in DDB_TABLE_NAME', async () => {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: await onlyFunctionName(lambda) }));
    expect(Configuration?.Environment?.Variables).toMatchObject({
      DDB_TABLE_NAME: await tableName(),
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    });
  });

  it('answers an invocation from the inline CommonJS handler', async () => {
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: await onlyFunctionName(lambda), Payload: JSON.stringify({ id: 'x' }) }),
    );
    expect(result.FunctionError).toBeUndefined();
    expect(decodePayload(result.Payload)).toEqual({ statusCode: 200, body: '' });
  });
});
