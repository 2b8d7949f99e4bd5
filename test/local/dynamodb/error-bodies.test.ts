import {
  type DynamoDBClient,
  IdempotentParameterMismatchException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';

let url: string;
let client: DynamoDBClient;

useDynamoDb(
  async (dynamodb) => {
    ({ endpoint: url, client } = dynamodb);
  },
  { now: () => Date.UTC(2026, 0, 1), maxAttempts: 1, tables: [tableInput('stock', { key: { pk: 'S' } })] },
);

async function thrown(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the request to fail');
}

/** The JSON body DynamoDB answers a request with. */
async function rawAnswer(operation: string, input: object): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
    body: JSON.stringify(input),
  });
  return (await response.json()) as Record<string, unknown>;
}

const FAILING_TRANSACTION = {
  TransactItems: [{ ConditionCheck: { TableName: 'stock', Key: { pk: { S: 'none' } }, ConditionExpression: 'attribute_exists(pk)' } }],
};

/**
 * The member an error's text travels in is the one its shape in DynamoDB's model declares
 * (local/endpoint/aws-models/dynamodb.json `errorMessages`): `Message` for TransactionCanceledException,
 * IdempotentParameterMismatchException and TransactionInProgressException, `message` for the
 * others. Clients that read modeled members (botocore puts them in `e.response`) see the
 * difference; the JS SDK v3 reads either into `err.message` and deletes `Message`.
 */
describe("DynamoDB's error bodies", () => {
  it('names an operation the local engine does not serve (CreateBackup), not an empty message', async () => {
    const body = await rawAnswer('CreateBackup', { TableName: 'stock', BackupName: 'nightly' });
    expect(body).toEqual({
      __type: 'com.amazon.coral.service#UnknownOperationException',
      message: 'CreateBackup is not supported by the local DynamoDB service',
    });
  });

  it('names the text of a TransactionCanceledException `Message`, as its shape does', async () => {
    const body = await rawAnswer('TransactWriteItems', FAILING_TRANSACTION);
    expect(body).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      Message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed]',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }],
    });
    const error = await thrown(client.send(new TransactWriteItemsCommand(FAILING_TRANSACTION)));
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.message).toBe(body.Message);
  });

  it('names the text of an IdempotentParameterMismatchException `Message`, as its shape does', async () => {
    const input = (n: string) => ({
      ClientRequestToken: 'token-1',
      TransactItems: [{ Put: { TableName: 'stock', Item: { pk: { S: 'p' }, n: { N: n } } } }],
    });
    await client.send(new TransactWriteItemsCommand(input('1')));
    const body = await rawAnswer('TransactWriteItems', input('2'));
    expect(body).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException',
      Message: expect.any(String),
    });
    const error = await thrown(client.send(new TransactWriteItemsCommand(input('2'))));
    expect(error).toBeInstanceOf(IdempotentParameterMismatchException);
    expect(error.message).toBe(body.Message);
  });

  it('names the text `message` for the errors whose shape says `message`', async () => {
    const body = await rawAnswer('PutItem', {
      TableName: 'stock',
      Item: { pk: { S: 'p' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(body).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    expect(await rawAnswer('DescribeTable', { TableName: 'nothere' })).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: expect.any(String),
    });
  });
});
