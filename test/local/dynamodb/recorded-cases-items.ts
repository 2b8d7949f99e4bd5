import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';
import { credentials, region } from '../helpers.js';
import { fixtureTable, type Replay, type ReplayContext, shape, TAGS } from './recorded-replay.js';

/**
 * The recorded tests of item writes and reads in LocalStack's test_dynamodb.py (puts with
 * ReturnValues, empty and binary values, batches, a local index) and of a table's encryption
 * at rest, made as the tests make them.
 */

/** LocalStack's `resources.create_dynamodb_table`: a table keyed on a string `id`. */
const idTable = (c: ReplayContext, prefix: string) => {
  const table = c.name(prefix);
  return createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S' } })).then(() => table);
};

const put = (c: ReplayContext, input: PutItemCommandInput) => c.call(c.dynamodb.send(new PutItemCommand(input)));

export const ITEMS: Record<string, Replay> = {
  async test_valid_local_secondary_index(c) {
    const table = c.name('test-table');
    await createActiveTable(
      c.dynamodb,
      fixtureTable(table, { key: { PK: 'S', SK: 'S' }, localIndexes: { LSI1: { key: { PK: 'S', LSI1SK: 'N' } } } }, { Tags: TAGS }),
    );
    await c.dynamodb.send(
      new PutItemCommand({ TableName: table, Item: { SK: { S: 'hello' }, LSI1SK: { N: '123' }, PK: { S: 'test one' } } }),
    );
    const Items = await c.call(
      c.dynamodb.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'LSI1',
          KeyConditionExpression: 'PK = :v1',
          ExpressionAttributeValues: { ':v1': { S: 'test one' } },
          Select: 'ALL_ATTRIBUTES',
        }),
      ),
    );
    return { Items };
  },

  async test_return_values_in_put_item(c) {
    const table = await idTable(c, 'ddb-test-table');
    const first = { id: { S: 'id1' }, data: { S: 'foobar' } };
    return {
      PutFirstItem: await put(c, { TableName: table, Item: first, ReturnValues: 'ALL_OLD' }),
      PutFirstItemOLD: await put(c, { TableName: table, Item: first, ReturnValues: 'ALL_OLD' }),
      PutFirstItemB: await put(c, { TableName: table, Item: { id: { S: 'id1' }, data: { S: 'barfoo' } }, ReturnValues: 'ALL_OLD' }),
      PutSecondItem: await put(c, { TableName: table, Item: first }),
      PutSecondItemReturnNone: await put(c, { TableName: table, Item: first }),
    };
  },

  async test_empty_and_binary_values(c) {
    const table = await idTable(c, 'table');
    return {
      PutFirstItem: await put(c, { TableName: table, Item: { id: { S: 'id1' }, data: { S: '' } } }),
      PutSecondItem: await put(c, { TableName: table, Item: { id: { S: 'id2' }, data: { B: Uint8Array.of(0x90) } } }),
    };
  },

  async test_batch_write_binary(c) {
    const table = c.name('table_batch_binary').replaceAll('-', '_');
    await createActiveTable(c.dynamodb, tableInput(table, { key: { PK: 'S', SK: 'S' } }));
    await c.dynamodb.send(
      new PutItemCommand({ TableName: table, Item: { PK: { S: 'hello' }, SK: { S: 'user' }, data: { B: Buffer.from('test') } } }),
    );
    const Response = await c.call(
      c.dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: [
              { PutRequest: { Item: { PK: { S: 'hello-1' }, SK: { S: 'user-1' }, data: { B: Buffer.from('test-1') } } } },
              // Bytes that are not UTF-8.
              { PutRequest: { Item: { PK: { S: 'hello-2' }, SK: { S: 'user-2' }, data: { B: Buffer.from('test \xc0 \xed', 'latin1') } } } },
            ],
          },
        }),
      ),
    );
    return { Response };
  },

  async test_batch_write_items(c) {
    const table = c.name('test-ddb-table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S' } }, { Tags: TAGS }));
    await c.dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'Fred' } } }));
    const BatchWriteResponse = await c.call(
      c.dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: [{ DeleteRequest: { Key: { id: { S: 'Fred' } } } }, { PutRequest: { Item: { id: { S: 'Bob' } } } }] },
        }),
      ),
    );
    return { BatchWriteResponse };
  },

  async test_dynamodb_get_batch_items(c) {
    const table = c.name('test_table').replaceAll('-', '_');
    await createActiveTable(
      c.dynamodb,
      tableInput(table, { key: { PK: 'S' } }, { ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }),
    );
    const answer = await c.call(
      c.dynamodb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [{ PK: { S: 'test-key' } }] } } })),
    );
    // The recording's transformer replaced the table's name, a key here, with `<test-table>`.
    const { [table]: items, ...others } = answer.Responses as Record<string, unknown>;
    return { Response: { ...answer, Responses: { ...others, '<test-table>': items } } };
  },

  async test_batch_write_not_matching_schema(c) {
    const table = c.name('ddb-table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S', sortKey: 'S' } }));
    const text = await c.errorText(
      'BatchWriteItem',
      c.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { nonKey: { S: 'hello' } } } }] } })),
    );
    return { ValidationException: text };
  },

  test_dynamodb_create_table_with_partial_sse_specification: (c) =>
    encryptedTable(c, { TableName: '', SSESpecification: { Enabled: false } }, [
      'SSEDescription',
      'KMSDescription',
      'update-table-disable-sse-spec',
    ]),
  test_dynamodb_update_table_without_sse_specification_change: (c) =>
    encryptedTable(c, { TableName: '', BillingMode: 'PAY_PER_REQUEST' }, [
      'create_table_sse_description',
      'describe_kms_key',
      'update_table_sse_description',
    ]),
};

/**
 * A table created with SSE enabled (the AWS managed key), the key described by KMS, and an
 * UpdateTable's answer's SSEDescription; `names` are the three answers' keys in the recording.
 */
async function encryptedTable(c: ReplayContext, update: { TableName: string; [member: string]: unknown }, names: string[]) {
  const table = c.name('test_table').replaceAll('-', '_');
  const created = await createActiveTable(
    c.dynamodb,
    fixtureTable(table, { key: { id: 'S' } }, { SSESpecification: { Enabled: true }, Tags: TAGS }),
  );
  const kms = new KMSClient({ endpoint: c.endpoint, region, credentials, maxAttempts: 1 });
  try {
    const key = await c.call(kms.send(new DescribeKeyCommand({ KeyId: created.TableDescription?.SSEDescription?.KMSMasterKeyArn })));
    const updated = await c.dynamodb.send(new UpdateTableCommand({ ...update, TableName: table } as never));
    const [sse, described, after] = names as [string, string, string];
    return {
      [sse]: shape(created.TableDescription?.SSEDescription),
      [described]: key,
      [after]: shape(updated.TableDescription?.SSEDescription),
    };
  } finally {
    kms.destroy();
  }
}
