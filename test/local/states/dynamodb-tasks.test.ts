import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbHost } from '../../../local/dynamodb/dynamodb-host.js';
import { sdkDynamoDb } from '../../../local/dynamodb/step-functions.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { dynamoDbClient } from '../helpers.js';
import { createMachine, createStates, finished, REGION, type TestStates } from './helpers.js';

let host: DynamoDbHost;
let dynamodb: ReturnType<typeof sdkDynamoDb>;

beforeAll(async () => {
  host = await DynamoDbHost.start();
  const client = dynamoDbClient(host.url);
  await client.send(new CreateTableCommand(tableInput('tickets', { key: { id: 'S' } })));
  client.destroy();
  dynamodb = sdkDynamoDb({ endpoint: host.url, region: REGION });
});

afterAll(async () => {
  dynamodb?.destroy();
  await host?.stop();
});

let t: TestStates;
afterEach(async () => t?.close());

/** A Task state of the dynamodb:putItem integration with these parameters, and the state's other fields. */
const putItem = (Parameters: Record<string, unknown>, state: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::dynamodb:putItem',
  Parameters,
  ...state,
});

describe('sdkDynamoDb', () => {
  it('runs the dynamodb integrations against DynamoDB, binary values as base64 text', async () => {
    t = await createStates({ dynamodb });
    const stateMachineArn = await createMachine(t.states, 'tickets', {
      StartAt: 'Put',
      States: {
        Put: putItem(
          { TableName: 'tickets', Item: { id: { 'S.$': '$.id' }, blob: { B: 'AAEC' }, n: { N: '1' } } },
          { ResultPath: null, Next: 'Bump' },
        ),
        Bump: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:updateItem',
          Parameters: {
            TableName: 'tickets',
            Key: { id: { 'S.$': '$.id' } },
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
            ReturnValues: 'UPDATED_NEW',
          },
          ResultSelector: { 'n.$': '$.Attributes.n.N' },
          ResultPath: '$.updated',
          Next: 'Get',
        },
        Get: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: { TableName: 'tickets', Key: { id: { 'S.$': '$.id' } } },
          ResultSelector: { 'item.$': '$.Item', 'status.$': '$.SdkHttpMetadata.HttpStatusCode' },
          ResultPath: '$.got',
          Next: 'PutAgain',
        },
        PutAgain: putItem(
          { TableName: 'tickets', Item: { id: { 'S.$': '$.id' } }, ConditionExpression: 'attribute_not_exists(id)' },
          { Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.conflict', Next: 'Done' }], Next: 'Done' },
        ),
        Done: { Type: 'Succeed' },
      },
    });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn, input: '{"id":"T-1"}' });
    const described = await finished(t.states, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(String(described.output)) as Record<string, { [key: string]: unknown }>;
    expect(output.updated).toEqual({ n: '2' });
    expect(output.got).toEqual({ item: { id: { S: 'T-1' }, blob: { B: 'AAEC' }, n: { N: '2' } }, status: 200 });
    expect(output.conflict?.Error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(String(output.conflict?.Cause)).toMatch(
      /\(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException;/,
    );
  });

  it("fails with DynamoDB.AmazonDynamoDBException for a ValidationException, which DynamoDB's model does not declare, and the declared exception for a missing table", async () => {
    t = await createStates({ dynamodb });
    const stateMachineArn = await createMachine(t.states, 'invalid', {
      StartAt: 'Put',
      States: {
        Put: putItem({ 'TableName.$': '$.table', Item: { id: { S: 'x' } } }, { End: true }),
      },
    });
    const failure = async (table: string) => {
      const { executionArn } = await t.states.StartExecution({ stateMachineArn, input: JSON.stringify({ table }) });
      const described = await finished(t.states, executionArn);
      return [described.error, described.cause];
    };
    expect(await failure('/not a table')).toEqual([
      'DynamoDB.AmazonDynamoDBException',
      expect.stringMatching(
        /^1 validation error detected: Value '\/not a table' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[a-zA-Z0-9_\.-\]\+ \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException;/,
      ),
    ]);
    expect(await failure('missing')).toEqual([
      'DynamoDB.ResourceNotFoundException',
      expect.stringMatching(
        /^Requested resource not found \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException;/,
      ),
    ]);
  });
});
