import {
  BatchExecuteStatementCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeTableCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';
import { ITEMS } from './recorded-cases-items.js';
import { STREAMS } from './recorded-cases-streams.js';
import { createTable, describeStream, fixtureTable, type Replay, type ReplayContext, streamRecords, TAGS } from './recorded-replay.js';

/**
 * The recorded tests of LocalStack's tests/aws/services/dynamodb/test_dynamodb.py replayed
 * here, each making the test's calls (as test_dynamodb.py makes them) and answering what its
 * snapshot recorded, by key.
 */

const PARTIQL: Record<string, Replay> = {
  async test_dynamodb_execute_transaction(c) {
    const table = c.name('table').replaceAll('-', '_');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { Username: 'S' } }));
    const ExecutedTransaction = await c.call(
      c.dynamodb.send(
        new ExecuteTransactionCommand({
          TransactStatements: [
            { Statement: `INSERT INTO ${table} VALUE {'Username': 'user01'}` },
            { Statement: `INSERT INTO ${table} VALUE {'Username': 'user02'}` },
          ],
        }),
      ),
    );
    const scan = await c.call(c.dynamodb.send(new ScanCommand({ TableName: table })));
    (scan.Items as { Username: { S: string } }[]).sort((a, b) => a.Username.S.localeCompare(b.Username.S));
    return { ExecutedTransaction, TableScan: scan };
  },

  async test_dynamodb_batch_execute_statement(c) {
    const table = c.name('test_table').replaceAll('-', '_');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { Username: 'S' } }));
    await c.dynamodb.send(new PutItemCommand({ TableName: table, Item: { Username: { S: 'user02' } } }));
    const ExecutedStatement = await c.call(
      c.dynamodb.send(
        new BatchExecuteStatementCommand({
          Statements: [
            { Statement: `INSERT INTO ${table} VALUE {'Username': 'user01'}` },
            { Statement: `UPDATE ${table} SET Age=20 WHERE Username='user02'` },
          ],
        }),
      ),
    );
    const item = async (user: string) =>
      (await c.call(c.dynamodb.send(new GetItemCommand({ TableName: table, Key: { Username: { S: user } } })))).Item;
    return { ExecutedStatement, ItemUser2: await item('user02'), ItemUser1: await item('user01') };
  },

  async test_dynamodb_partiql_missing(c) {
    const table = c.name('table_with_stream').replaceAll('-', '_');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { Username: 'S' } }));
    await c.dynamodb.send(
      new ExecuteStatementCommand({ Statement: `INSERT INTO ${table} VALUE {'Username': 'Alice123', 'FirstName':'Alice'}` }),
    );
    const notMissing = await c.call(
      c.dynamodb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM ${table} WHERE FirstName IS NOT MISSING` })),
    );
    const missing = await c.dynamodb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM ${table} WHERE FirstName IS MISSING` }));
    if (missing.Items?.length !== 0) throw new Error('FirstName IS MISSING selected an item');
    return { FirstNameNotMissing: notMissing.Items };
  },

  async test_dynamodb_execute_statement_empy_parameter(c) {
    const table = c.name('test_table').replaceAll('-', '_');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { Artist: 'S', SongTitle: 'S' } }));
    await c.dynamodb.send(
      new PutItemCommand({ TableName: table, Item: { Artist: { S: 'The Queen' }, SongTitle: { S: 'Bohemian Rhapsody' } } }),
    );
    return {
      'invalid-param-error': await c.call(
        c.dynamodb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM ${table}`, Parameters: [] })),
      ),
    };
  },

  async test_dynamodb_stream_stream_view_type(c) {
    const table = c.name('table_with_stream').replaceAll('-', '_');
    const created = await createTable(
      c,
      fixtureTable(table, { key: { Username: 'S' } }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
    );
    const streamArn = String((created.TableDescription as { LatestStreamArn: string }).LatestStreamArn);
    await c.dynamodb.send(new PutItemCommand({ TableName: table, Item: { Username: { S: 'Fred' } } }));
    await c.dynamodb.send(new PutItemCommand({ TableName: table, Item: { Username: { S: 'Fred' } } }));
    await c.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { Username: { S: 'Fred' } },
        UpdateExpression: 'set S=:r',
        ExpressionAttributeValues: { ':r': { S: 'Fred_Modified' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    await c.dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { Username: { S: 'Fred' } } }));
    const described = await c.stream('DescribeStream', { StreamArn: streamArn });
    await c.dynamodb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO ${table} VALUE {'Username': 'Alice'}` }));
    await c.dynamodb.send(new ExecuteStatementCommand({ Statement: `UPDATE ${table} SET partiql=1 WHERE Username='Alice'` }));
    await c.dynamodb.send(new ExecuteStatementCommand({ Statement: `DELETE FROM ${table} WHERE Username='Alice'` }));
    const start = (await describeStream(c, streamArn)).StreamDescription.Shards[0]?.SequenceNumberRange.StartingSequenceNumber;
    const { iterator, records } = await streamRecords(c, streamArn, 'AT_SEQUENCE_NUMBER', start);
    return { 'create-table': created, 'describe-stream': described, 'get-shard-iterator': iterator, 'get-records': records };
  },
};

const TRANSACTIONS: Record<string, Replay> = {
  async test_transaction_write_items(c) {
    const items = (table: string) => [
      { ConditionCheck: { TableName: table, ConditionExpression: 'attribute_not_exists(id)', Key: { id: { S: 'test1' } } } },
      { Put: { TableName: table, Item: { id: { S: 'test2' } } } },
      {
        Update: {
          TableName: table,
          Key: { id: { S: 'test3' } },
          UpdateExpression: 'SET attr1 = :v1, attr2 = :v2',
          ExpressionAttributeValues: { ':v1': { S: 'value1' }, ':v2': { S: 'value2' } },
        },
      },
      { Delete: { TableName: table, Key: { id: { S: 'test4' } } } },
    ];
    const table = c.name('test-ddb-table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S' } }, { Tags: TAGS }));
    const Response = await c.call(c.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items(table) })));
    const byArn = await createActiveTable(c.dynamodb, fixtureTable(c.name('test-ddb-table'), { key: { id: 'S' } }, { Tags: TAGS }));
    const arn = String(byArn.TableDescription?.TableArn);
    return {
      Response,
      Response_using_table_arn: await c.call(c.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items(arn) }))),
    };
  },

  async test_transaction_write_canceled(c) {
    const table = c.name('table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { Username: 'S' } }));
    await c.dynamodb.send(new PutItemCommand({ TableName: table, Item: { Username: { S: 'Fred' } } }));
    const text = await c.errorText(
      'TransactWriteItems',
      c.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: { TableName: table, ConditionExpression: 'attribute_not_exists(Username)', Key: { Username: { S: 'Fred' } } },
            },
            { Delete: { TableName: table, Key: { Username: { S: 'Bert' } } } },
          ],
        }),
      ),
    );
    return { Error: text };
  },

  async test_transaction_write_binary_data(c) {
    const table = c.name('test-ddb-table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S' } }, { Tags: TAGS }));
    const WriteResponse = await c.call(
      c.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: table, Item: { id: { S: 'someUser' }, binaryData: { B: Buffer.from('foobar') } } } }],
        }),
      ),
    );
    const { Item } = await c.call(c.dynamodb.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'someUser' } } })));
    return { WriteResponse, GetItem: Item };
  },

  async test_transact_get_items(c) {
    const first = c.name('test-ddb-table');
    await createActiveTable(c.dynamodb, fixtureTable(first, { key: { id: 'S' } }));
    await c.dynamodb.send(new PutItemCommand({ TableName: first, Item: { id: { S: 'John' } } }));
    const get = (table: string, id: string) =>
      c.call(c.dynamodb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { Key: { id: { S: id } }, TableName: table } }] })));
    const TransactGetItems = await get(first, 'John');
    const second = c.name('test-ddb-table');
    const created = await createActiveTable(c.dynamodb, fixtureTable(second, { key: { id: 'S' } }));
    await c.dynamodb.send(new PutItemCommand({ TableName: second, Item: { id: { S: 'Sarah' } } }));
    return { TransactGetItems, 'TransactGetItems-with-TableArn': await get(String(created.TableDescription?.TableArn), 'Sarah') };
  },

  async test_batch_write_not_existing_table(c) {
    return {
      'exc-not-found-transact-write-items': await c.call(
        c.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'non-existing-table', Item: {} } }] })),
      ),
    };
  },

  async test_dynamodb_idempotent_writing(c) {
    const table = c.name('ddb-table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S', name: 'S' } }));
    const write = (Item: Record<string, { S: string }>) =>
      c.call(
        c.dynamodb.send(
          new TransactWriteItemsCommand({ ClientRequestToken: 'dedupe_token', TransactItems: [{ Put: { TableName: table, Item } }] }),
        ),
      );
    return {
      Response1: await write({ id: { S: 'id1' }, name: { S: 'name1' } }),
      Response2: await write({ name: { S: 'name1' }, id: { S: 'id1' } }),
    };
  },

  async test_transact_write_items_streaming(c) {
    const table = c.name('test-ddb-table');
    const created = await createTable(
      c,
      fixtureTable(table, { key: { id: 'S' } }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }),
    );
    const streamArn = String((created.TableDescription as { LatestStreamArn: string }).LatestStreamArn);
    const described = await c.stream('DescribeStream', { StreamArn: streamArn });
    const update = (id: string, expression: string, values: Record<string, { S: string }>) => ({
      Update: { TableName: table, Key: { id: { S: id } }, UpdateExpression: expression, ExpressionAttributeValues: values },
    });
    const transact = (TransactItems: object[]) =>
      c.call(c.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: TransactItems as never })));
    const answers = {
      'create-table': created,
      'describe-stream': described,
      'put-item-1': await c.call(c.dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'Fred' } } }))),
      'transact-write-response-overwrite': await transact([
        { Put: { TableName: table, Item: { id: { S: 'Fred' } } } },
        { Put: { TableName: table, Item: { id: { S: 'NewKey' } } } },
      ]),
      'transact-write-response-update': await transact([
        update('NewKey', 'SET attr1 = :v1, attr2 = :v2', { ':v1': { S: 'value1' }, ':v2': { S: 'value2' } }),
      ]),
      'transact-write-update-insert': await transact([update('NonExistentKey', 'SET attr1 = :v1', { ':v1': { S: 'value1' } })]),
      'transact-write-response-delete': await transact([
        { Delete: { TableName: table, Key: { id: { S: 'NewKey' } } } },
        { Put: { TableName: table, Item: { id: { S: 'Fred' }, name: { S: 'Fred' } } } },
        update('NonExistentKey', 'SET attr1 = :v1', { ':v1': { S: 'value1' } }),
      ]),
    };
    return { ...answers, 'get-records': (await streamRecords(c, streamArn)).records };
  },

  async test_transact_write_items_streaming_for_different_tables(c) {
    const withStream = c.name('test-ddb-table');
    const withoutStream = c.name('test-ddb-table');
    const created = await createTable(
      c,
      fixtureTable(
        withStream,
        { key: { id: 'S' } },
        { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } },
      ),
    );
    const createdNoStream = await createTable(c, fixtureTable(withoutStream, { key: { id: 'S' } }));
    const streamArn = String((created.TableDescription as { LatestStreamArn: string }).LatestStreamArn);
    const described = await c.stream('DescribeStream', { StreamArn: streamArn });
    const written = await c.call(
      c.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: withoutStream, Item: { id: { S: 'Fred' } } } },
            { Put: { TableName: withStream, Item: { id: { S: 'Fred' } } } },
          ],
        }),
      ),
    );
    return {
      'create-table-stream': created,
      'create-table-no-stream': createdNoStream,
      'describe-stream': described,
      'transact-write-two-tables': written,
      'get-records': (await streamRecords(c, streamArn)).records,
    };
  },

  async test_return_values_on_conditions_check_failure(c) {
    const table = c.name('table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S' } }));
    await c.dynamodb.send(
      new PutItemCommand({ TableName: table, Item: { id: { S: '456' }, price: { N: '650' }, product: { S: 'sporting goods' } } }),
    );
    const items = await c.call(
      c.dynamodb.send(
        new DeleteItemCommand({
          TableName: table,
          Key: { id: { S: '456' } },
          ConditionExpression: 'price between :lo and :hi',
          ExpressionAttributeValues: { ':lo': { N: '500' }, ':hi': { N: '600' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return { items };
  },
};

const TABLES: Record<string, Replay> = {
  async test_table_crud(c) {
    const table = c.name('test-ddb-table');
    const created = await createTable(c, fixtureTable(table, { key: { id: 'S' } }));
    const described = await c.call(c.dynamodb.send(new DescribeTableCommand({ TableName: table })));
    const deleted = await c.call(c.dynamodb.send(new DeleteTableCommand({ TableName: table })));
    const missing = await c.call(c.dynamodb.send(new DeleteTableCommand({ TableName: 'non-existent' })));
    return { 'create-table': created, 'describe-table': described, 'delete-table': deleted, 'delete-non-existent-table': missing };
  },

  async test_table_warm_throughput(c) {
    const table = c.name('test-ddb-table');
    const created = await createTable(
      c,
      fixtureTable(table, { key: { id: 'S' } }, { WarmThroughput: { ReadUnitsPerSecond: 1000, WriteUnitsPerSecond: 1200 } }),
    );
    return { 'create-table': created, 'describe-table': await c.call(c.dynamodb.send(new DescribeTableCommand({ TableName: table }))) };
  },

  async test_create_duplicate_table(c) {
    const input = fixtureTable(c.name('test_table'), { key: { id: 'S' } }, { Tags: TAGS });
    await c.dynamodb.send(new CreateTableCommand(input));
    return { Error: await c.errorText('CreateTable', c.dynamodb.send(new CreateTableCommand(input))) };
  },

  async test_dynamodb_pay_per_request(c) {
    const input = fixtureTable(c.name('ddb-table'), { key: { id: 'S' } }, { BillingMode: 'PAY_PER_REQUEST' as const });
    return { Error: await c.errorText('CreateTable', c.dynamodb.send(new CreateTableCommand(input))) };
  },

  async test_continuous_backup_update(c) {
    const table = c.name('table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S' } }));
    const updated = await c.call(
      c.dynamodb.send(
        new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ),
    );
    const described = await c.call(c.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table })));
    return { 'update-continuous-backup': updated, 'describe-continuous-backup': described };
  },

  async test_dynamodb_describe_contributor_insights(c) {
    const table = c.name('test-ddb-table');
    await createActiveTable(c.dynamodb, fixtureTable(table, { key: { id: 'S' } }));
    return {
      'describe-contributor-insights-disabled': await c.call(c.dynamodb.send(new DescribeContributorInsightsCommand({ TableName: table }))),
    };
  },

  'test_gsi_with_billing_mode[PAY_PER_REQUEST]': (c) => gsiWithBillingMode(c, 'PAY_PER_REQUEST'),
  'test_gsi_with_billing_mode[PROVISIONED]': (c) => gsiWithBillingMode(c, 'PROVISIONED'),
};

async function gsiWithBillingMode(c: ReplayContext, mode: 'PAY_PER_REQUEST' | 'PROVISIONED') {
  const table = c.name('test-table');
  const provisioned = mode === 'PROVISIONED';
  const created = await createTable(c, {
    TableName: table,
    KeySchema: [{ AttributeName: 'TID', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'TID', AttributeType: 'S' },
      { AttributeName: 'TRID', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'TransactionRecordID',
        KeySchema: [{ AttributeName: 'TRID', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
        ...(provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } } : {}),
      },
    ],
    BillingMode: mode,
    ...(provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {}),
  });
  return {
    'create-table-with-gsi': created,
    'describe-table': await c.call(c.dynamodb.send(new DescribeTableCommand({ TableName: table }))),
  };
}

/** Every replayed recorded test, by its name in test_dynamodb.snapshot.json. */
export const CASES: Record<string, Replay> = { ...PARTIQL, ...TRANSACTIONS, ...TABLES, ...ITEMS, ...STREAMS };
