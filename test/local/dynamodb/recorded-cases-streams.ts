import { BatchWriteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createTable, describeStream, fixtureTable, type Replay, type ReplayContext, streamRecords } from './recorded-replay.js';

/**
 * The recorded tests of LocalStack's test_dynamodb.py that read a table's stream after batch
 * writes and updates (a write that changes nothing makes no record), made as the tests make them.
 */

/** A table keyed on a string `id`, provisioned, with a NEW_AND_OLD_IMAGES stream: its CreateTable answer and stream. */
async function tableWithStream(c: ReplayContext) {
  const table = c.name('test-ddb-table');
  const created = await createTable(
    c,
    fixtureTable(table, { key: { id: 'S' } }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }),
  );
  const streamArn = String((created.TableDescription as { LatestStreamArn: string }).LatestStreamArn);
  return { table, created, streamArn, described: await c.stream('DescribeStream', { StreamArn: streamArn }) };
}

export const STREAMS: Record<string, Replay> = {
  async test_batch_write_items_streaming(c) {
    const { table, created, described, streamArn } = await tableWithStream(c);
    const batch = (requests: object[]) =>
      c.call(c.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests as never } })));
    return {
      'create-table': created,
      'describe-stream': described,
      'put-item-1': await c.call(c.dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'Fred' } } }))),
      'batch-write-response-overwrite-item-1': await batch([
        { PutRequest: { Item: { id: { S: 'Fred' } } } },
        { PutRequest: { Item: { id: { S: 'NewKey' } } } },
      ]),
      'batch-write-response-delete': await batch([
        { DeleteRequest: { Key: { id: { S: 'NewKey' } } } },
        { PutRequest: { Item: { id: { S: 'Fred' }, name: { S: 'Fred' } } } },
      ]),
      'get-records': (await streamRecords(c, streamArn)).records,
    };
  },

  async test_dynamodb_stream_records_with_update_item(c) {
    const { table, created, described, streamArn } = await tableWithStream(c);
    const update = (v1: string, v2: string) =>
      c.dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { id: { S: 'my-item-id' } },
          UpdateExpression: 'SET attr1 = :v1, attr2 = :v2',
          ExpressionAttributeValues: { ':v1': { S: v1 }, ':v2': { S: v2 } },
        }),
      );
    await update('value1', 'value2');
    // The same values again change nothing: no record.
    await update('value1', 'value2');
    await update('value2', 'value3');
    const { iterator, records } = await streamRecords(c, streamArn);
    return { 'create-table': created, 'describe-stream': described, 'get-shard-iterator': iterator, 'get-records': records };
  },

  async test_data_encoding_consistency(c) {
    const { table, streamArn } = await tableWithStream(c);
    const item = async () => (await c.call(c.dynamodb.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'id1' } } })))).Item;
    const newImage = async (index: number) => {
      const start = (await describeStream(c, streamArn)).StreamDescription.Shards[0]?.SequenceNumberRange.StartingSequenceNumber;
      const { records } = await streamRecords(c, streamArn, 'AT_SEQUENCE_NUMBER', start);
      return (records.Records as { dynamodb: { NewImage: unknown } }[])[index]?.dynamodb.NewImage;
    };
    await c.dynamodb.send(
      new PutItemCommand({ TableName: table, Item: { id: { S: 'id1' }, version: { N: '1' }, data: { B: Uint8Array.of(0x90) } } }),
    );
    const GetItem = await item();
    const GetRecords = await newImage(0);
    await c.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { id: { S: 'id1' } },
        UpdateExpression: 'SET version=:v',
        ExpressionAttributeValues: { ':v': { N: '2' } },
      }),
    );
    return { GetItem, GetRecords, GetItemAfterUpdate: await item(), GetRecordsAfterUpdate: await newImage(1) };
  },

  /** From LocalStack's test_dynamodb_streams.py. */
  async test_non_existent_stream(c) {
    const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${c.name('non-existent')}/stream/2024-11-18T14:36:44.149`;
    return { 'non-existent-stream': await c.stream('DescribeStream', { StreamArn: arn }) };
  },
};
