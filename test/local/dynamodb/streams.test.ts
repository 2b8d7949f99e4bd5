import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { ManualClock } from '../../../local/time/clock.js';
import { streamsClient } from '../../helpers/dynamodb-streams.js';
import { tableInput, tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { AWS_CLI_SKIP_REASON, awsCli, awsCliMissing } from '../aws-cli.js';
import { dynamoDbClient, tempDataDir } from '../helpers.js';

function table(name: string, viewType?: string, ttl?: string) {
  return tableResource(
    name,
    { key: { pk: 'S' } },
    {
      ...(viewType ? { StreamSpecification: { StreamViewType: viewType } } : {}),
      ...(ttl ? { TimeToLiveSpecification: { AttributeName: ttl, Enabled: true } } : {}),
    },
  );
}

const assembly = () =>
  writeAssembly(tempAssemblyDir(), {
    Tables: {
      template: {
        Resources: {
          Both: table('both-table', 'NEW_AND_OLD_IMAGES'),
          Keys: table('keys-table', 'KEYS_ONLY'),
          New: table('new-table', 'NEW_IMAGE'),
          Old: table('old-table', 'OLD_IMAGE'),
          Plain: table('plain-table'),
          Transact: table('transact-table', 'NEW_AND_OLD_IMAGES'),
          Expiring: table('expiring-table', 'NEW_AND_OLD_IMAGES', 'expiresAt'),
          Encrypted: {
            ...table('encrypted-table'),
            Properties: { ...table('encrypted-table').Properties, SSESpecification: { SSEEnabled: true } },
          },
          // CloudFormation's default billing mode: PROVISIONED.
          Provisioned: { ...table('provisioned-table'), Properties: { ...table('provisioned-table').Properties, BillingMode: undefined } },
        },
        Outputs: { BothStream: { Value: { 'Fn::GetAtt': ['Both', 'StreamArn'] } } },
      },
    },
  });

/** A DynamoDB Streams record as GetRecords answers it in JSON. */
interface StreamRecordJson {
  eventID: string;
  eventName: string;
  eventSource: string;
  eventVersion: string;
  awsRegion: string;
  userIdentity?: unknown;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, Record<string, string>>;
    NewImage?: Record<string, Record<string, string>>;
    OldImage?: Record<string, Record<string, string>>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: string;
  };
}

describe('DynamoDB Streams (local)', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let runtime: LocalRuntime;
  let ddb: DynamoDBClient;
  let streams: ReturnType<typeof streamsClient>;
  let dataDir: string;
  let cdkOut: string;

  beforeAll(async () => {
    cdkOut = assembly();
    dataDir = tempDataDir();
    runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, clock, logEvents: false, log: () => {} });
    ddb = dynamoDbClient(runtime.url);
    streams = streamsClient(runtime.url);
  });
  afterAll(async () => {
    ddb.destroy();
    streams.destroy();
    await runtime.stop();
  });

  async function streamArn(tableName: string): Promise<string> {
    const described = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    return described.Table?.LatestStreamArn as string;
  }

  async function shardOf(arn: string): Promise<string> {
    const { StreamDescription } = await streams.send<{ StreamDescription: { Shards: { ShardId: string }[] } }>('DescribeStream', {
      StreamArn: arn,
    });
    return StreamDescription.Shards[0]?.ShardId as string;
  }

  async function records(tableName: string, type: 'TRIM_HORIZON' | 'LATEST' = 'TRIM_HORIZON'): Promise<StreamRecordJson[]> {
    const arn = await streamArn(tableName);
    const ShardId = await shardOf(arn);
    const { ShardIterator } = await streams.send<{ ShardIterator: string }>('GetShardIterator', {
      StreamArn: arn,
      ShardId,
      ShardIteratorType: type,
    });
    // DynamoDB Streams' form: the stream's ARN, `|1|`, an opaque position.
    expect(ShardIterator.startsWith(`${arn}|1|`)).toBe(true);
    return (await streams.send<{ Records: StreamRecordJson[] }>('GetRecords', { ShardIterator })).Records;
  }

  it('names at start-up each table whose provisioned capacity it does not enforce, and only those', () => {
    const capacity = runtime.warnings.filter((w) => w.includes('provisioned capacity is not enforced'));
    expect(capacity).toEqual([
      'provisioned-table (AWS::DynamoDB::Table): its provisioned capacity is not enforced: reads and writes are never throttled',
    ]);
  });

  it("describes a template table's encryption at rest (SSESpecification's SSEEnabled) with the AWS managed key, as AWS does", async () => {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'encrypted-table' }));
    expect(Table?.SSEDescription).toEqual({
      Status: 'ENABLED',
      SSEType: 'KMS',
      KMSMasterKeyArn: expect.stringMatching(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/),
    });
    const plain = await ddb.send(new DescribeTableCommand({ TableName: 'plain-table' }));
    expect(plain.Table?.SSEDescription).toBeUndefined();
  });

  it('describes a template table with its stream, under the ARN the template gave it', async () => {
    const described = await ddb.send(new DescribeTableCommand({ TableName: 'both-table' }));
    expect(described.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(described.Table?.LatestStreamArn).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/both-table/stream/1970-01-01T00:00:00.000',
    );
    const listed = await streams.send<{ Streams: { StreamArn: string }[] }>('ListStreams', { TableName: 'both-table' });
    expect(listed.Streams.map((s) => s.StreamArn)).toEqual([described.Table?.LatestStreamArn]);
    const plain = await ddb.send(new DescribeTableCommand({ TableName: 'plain-table' }));
    expect(plain.Table?.LatestStreamArn).toBeUndefined();
  });

  it("records a transaction's writes once each, in the request's order, and nothing of a cancelled one", async () => {
    const key = (pk: string) => ({ pk: { S: pk } });
    await ddb.send(new PutItemCommand({ TableName: 'transact-table', Item: { ...key('stock'), n: { N: '1' } } }));
    const transact = (condition: string) =>
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'transact-table', Item: { ...key('order'), state: { S: 'placed' } } } },
            {
              Update: {
                TableName: 'transact-table',
                Key: key('stock'),
                UpdateExpression: 'SET n = n - :one',
                ConditionExpression: condition,
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
          ],
        }),
      );
    await expect(transact('n > :one')).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    await transact('n >= :one');
    const got = await records('transact-table');
    expect(got.map((r) => [r.eventName, r.dynamodb.Keys.pk?.S, r.dynamodb.NewImage?.n?.N ?? r.dynamodb.NewImage?.state?.S])).toEqual([
      ['INSERT', 'stock', '1'],
      ['INSERT', 'order', 'placed'],
      ['MODIFY', 'stock', '0'],
    ]);
  });

  it('records an insert, an update and a delete of one item in order, with old and new images', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'both-table', Item: { pk: { S: 'a' }, n: { N: '1' } } }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'both-table',
        Key: { pk: { S: 'a' } },
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    await ddb.send(new DeleteItemCommand({ TableName: 'both-table', Key: { pk: { S: 'a' } } }));
    const got = await records('both-table');
    expect(got.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(got.map((r) => [r.dynamodb?.OldImage?.n?.N, r.dynamodb?.NewImage?.n?.N])).toEqual([
      [undefined, '1'],
      ['1', '2'],
      ['2', undefined],
    ]);
    const numbers = got.map((r) => r.dynamodb?.SequenceNumber as string);
    expect([...numbers].sort()).toEqual(numbers);
    expect(new Set(got.map((r) => r.eventID)).size).toBe(3);
    expect(got[0]).toMatchObject({ eventSource: 'aws:dynamodb', eventVersion: '1.1', awsRegion: 'us-east-1' });
    expect(got[0]?.dynamodb?.Keys).toEqual({ pk: { S: 'a' } });
    // As AWS counts it (localstack's recorded answer: 12 for the key and new image {id: Fred}): names and values, keys and images.
    expect(got[0]?.dynamodb.SizeBytes).toBe(/* pk a */ 3 + /* pk a, n 1 */ 3 + 3);
    expect(got[0]?.dynamodb.ApproximateCreationDateTime).toBe(clock.now() / 1000);
  });

  it('cuts each record to its stream view type', async () => {
    for (const name of ['keys-table', 'new-table', 'old-table']) {
      await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'k' }, v: { S: 'one' } } }));
      await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'k' }, v: { S: 'two' } } }));
    }
    const images = async (name: string) =>
      (await records(name)).map((r) => ({
        type: r.dynamodb.StreamViewType,
        old: r.dynamodb.OldImage?.v?.S,
        new: r.dynamodb.NewImage?.v?.S,
      }));
    expect(await images('keys-table')).toEqual([
      { type: 'KEYS_ONLY', old: undefined, new: undefined },
      { type: 'KEYS_ONLY', old: undefined, new: undefined },
    ]);
    expect(await images('new-table')).toEqual([
      { type: 'NEW_IMAGE', old: undefined, new: 'one' },
      { type: 'NEW_IMAGE', old: undefined, new: 'two' },
    ]);
    expect(await images('old-table')).toEqual([
      { type: 'OLD_IMAGE', old: undefined, new: undefined },
      { type: 'OLD_IMAGE', old: 'one', new: undefined },
    ]);
  });

  it('writes no record for a write whose condition fails, or that changes nothing', async () => {
    const arn = await streamArn('both-table');
    const before = runtime.dynamodb.streams.store.latestPosition(arn);
    await ddb.send(new PutItemCommand({ TableName: 'both-table', Item: { pk: { S: 'c' }, v: { S: 'x' } } }));
    await expect(
      ddb.send(
        new PutItemCommand({
          TableName: 'both-table',
          Item: { pk: { S: 'c' }, v: { S: 'y' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await ddb.send(new PutItemCommand({ TableName: 'both-table', Item: { pk: { S: 'c' }, v: { S: 'x' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'both-table', Key: { pk: { S: 'never-there' } } }));
    const fresh = runtime.dynamodb.streams.store.read(arn, before, 100).map((r) => r.record.eventName);
    expect(fresh).toEqual(['INSERT']);
  });

  it('records each item of a BatchWriteItem, and nothing for a table without a stream', async () => {
    const arn = await streamArn('both-table');
    const before = runtime.dynamodb.streams.store.latestPosition(arn);
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          'both-table': [{ PutRequest: { Item: { pk: { S: 'b1' } } } }, { PutRequest: { Item: { pk: { S: 'b2' } } } }],
          'plain-table': [{ PutRequest: { Item: { pk: { S: 'p' } } } }],
        },
      }),
    );
    const fresh = runtime.dynamodb.streams.store.read(arn, before, 100).map((r) => r.record.dynamodb.Keys);
    expect(fresh).toEqual([{ pk: { S: 'b1' } }, { pk: { S: 'b2' } }]);
  });

  it('keeps the records of concurrent writes to one item in the order they were applied', async () => {
    const arn = await streamArn('both-table');
    const before = runtime.dynamodb.streams.store.latestPosition(arn);
    await ddb.send(new PutItemCommand({ TableName: 'both-table', Item: { pk: { S: 'counter' }, n: { N: '0' } } }));
    await Promise.all(
      Array.from({ length: 20 }, () =>
        ddb.send(
          new UpdateItemCommand({
            TableName: 'both-table',
            Key: { pk: { S: 'counter' } },
            UpdateExpression: 'SET n = n + :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          }),
        ),
      ),
    );
    const fresh = runtime.dynamodb.streams.store.read(arn, before, 100).map((r) => r.record.dynamodb);
    expect(fresh).toHaveLength(21);
    for (const [index, record] of fresh.entries()) {
      if (index === 0) continue;
      expect(record.OldImage).toEqual(fresh[index - 1]?.NewImage);
      expect(Number((record.NewImage as { n: { N: string } }).n.N)).toBe(index);
    }
  });

  it('creates a stream for a table created through the API with a StreamSpecification', async () => {
    const created = await createActiveTable(
      ddb,
      tableInput('api-table', { key: { id: 'S' } }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
    );
    expect(created.TableDescription?.LatestStreamArn).toMatch(/table\/api-table\/stream\//);
    await ddb.send(new PutItemCommand({ TableName: 'api-table', Item: { id: { S: '1' } } }));
    expect((await records('api-table')).map((r) => r.dynamodb?.NewImage)).toEqual([{ id: { S: '1' } }]);
  });

  it('disables and enables a stream with UpdateTable, a new stream with a new label each time', async () => {
    const before = await streamArn('api-table');
    await expect(
      ddb.send(
        new UpdateTableCommand({ TableName: 'api-table', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await ddb.send(new UpdateTableCommand({ TableName: 'api-table', StreamSpecification: { StreamEnabled: false } }));
    await ddb.send(new PutItemCommand({ TableName: 'api-table', Item: { id: { S: 'unrecorded' } } }));
    const enabled = await ddb.send(
      new UpdateTableCommand({ TableName: 'api-table', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }),
    );
    const after = enabled.TableDescription?.LatestStreamArn as string;
    expect(after).not.toBe(before);
    await ddb.send(new PutItemCommand({ TableName: 'api-table', Item: { id: { S: 'recorded' } } }));
    expect((await records('api-table')).map((r) => r.dynamodb.Keys)).toEqual([{ id: { S: 'recorded' } }]);
    const old = await streams.send<{ StreamDescription: { StreamStatus: string } }>('DescribeStream', { StreamArn: before });
    expect(old.StreamDescription.StreamStatus).toBe('DISABLED');
    const listed = await streams.send<{ Streams: unknown[] }>('ListStreams', { TableName: 'api-table' });
    expect(listed.Streams).toHaveLength(2);
  });

  it('reads on from a NextShardIterator and from LATEST only what comes after', async () => {
    const arn = await streamArn('new-table');
    const ShardId = await shardOf(arn);
    const latest = await streams.send<{ ShardIterator: string }>('GetShardIterator', {
      StreamArn: arn,
      ShardId,
      ShardIteratorType: 'LATEST',
    });
    await ddb.send(new PutItemCommand({ TableName: 'new-table', Item: { pk: { S: 'later' } } }));
    type Page = { Records: StreamRecordJson[]; NextShardIterator: string };
    const first = await streams.send<Page>('GetRecords', { ShardIterator: latest.ShardIterator });
    expect(first.Records.map((r) => r.dynamodb.Keys.pk?.S)).toEqual(['later']);
    const next = await streams.send<Page>('GetRecords', { ShardIterator: first.NextShardIterator });
    expect(next.Records).toEqual([]);
  });

  it.skipIf(awsCliMissing)(`is read by aws dynamodbstreams${awsCliMissing ? ` (${AWS_CLI_SKIP_REASON})` : ''}`, async () => {
    await awsCli(runtime.url, ['dynamodb', 'put-item', '--table-name', 'new-table', '--item', '{"pk":{"S":"from-cli"}}']);
    const arn = await streamArn('new-table');
    const listed = (await awsCli(runtime.url, ['dynamodbstreams', 'list-streams', '--table-name', 'new-table'])) as {
      Streams: { StreamArn: string }[];
    };
    expect(listed.Streams.map((s) => s.StreamArn)).toEqual([arn]);
    const described = (await awsCli(runtime.url, ['dynamodbstreams', 'describe-stream', '--stream-arn', arn])) as {
      StreamDescription: { Shards: { ShardId: string }[]; StreamViewType: string };
    };
    expect(described.StreamDescription.StreamViewType).toBe('NEW_IMAGE');
    const iterator = (await awsCli(runtime.url, [
      'dynamodbstreams',
      'get-shard-iterator',
      '--stream-arn',
      arn,
      '--shard-id',
      described.StreamDescription.Shards[0]?.ShardId as string,
      '--shard-iterator-type',
      'TRIM_HORIZON',
    ])) as { ShardIterator: string };
    const got = (await awsCli(runtime.url, ['dynamodbstreams', 'get-records', '--shard-iterator', iterator.ShardIterator])) as {
      Records: StreamRecordJson[];
    };
    expect(got.Records.map((r) => r.dynamodb.Keys.pk?.S)).toContain('from-cli');
  });

  it('fails if a shard iterator is older than 15 minutes', async () => {
    const arn = await streamArn('new-table');
    const iterator = await streams.send<{ ShardIterator: string }>('GetShardIterator', {
      StreamArn: arn,
      ShardId: await shardOf(arn),
      ShardIteratorType: 'TRIM_HORIZON',
    });
    clock.advance(16 * 60 * 1000);
    await expect(streams.send('GetRecords', { ShardIterator: iterator.ShardIterator })).rejects.toMatchObject({
      name: 'ExpiredIteratorException',
    });
  });

  it('fails if the stream does not exist', async () => {
    await expect(
      streams.send('DescribeStream', { StreamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/nope/stream/x' }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('deletes expired items by time to live, with a REMOVE record made by the service', async () => {
    const now = Math.floor(clock.now() / 1000);
    const put = (pk: string, expiresAt: { N: string } | { S: string } | undefined) =>
      ddb.send(new PutItemCommand({ TableName: 'expiring-table', Item: { pk: { S: pk }, ...(expiresAt ? { expiresAt } : {}) } }));
    await put('expired', { N: String(now + 60) });
    await put('later', { N: String(now + 3600) });
    await put('ancient', { N: String(now - 6 * 365 * 24 * 3600) });
    await put('text', { S: String(now - 10) });
    await put('none', undefined);
    const arn = await streamArn('expiring-table');
    const before = runtime.dynamodb.streams.store.latestPosition(arn);
    expect(await runtime.dynamodb.timeToLive.sweep()).toBe(0);
    clock.advance(120_000);
    expect(await runtime.dynamodb.timeToLive.sweep()).toBe(1);
    const removed = runtime.dynamodb.streams.store.read(arn, before, 10).map((r) => r.record);
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({
      eventName: 'REMOVE',
      dynamodb: { Keys: { pk: { S: 'expired' } } },
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'expiring-table' }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('answers UpdateTimeToLive and DescribeTimeToLive, and expires by the setting', async () => {
    expect((await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'plain-table' }))).TimeToLiveDescription?.TimeToLiveStatus).toBe(
      'DISABLED',
    );
    const updated = await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: 'plain-table', TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }),
    );
    expect(updated.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    await ddb.send(
      new PutItemCommand({ TableName: 'plain-table', Item: { pk: { S: 'gone' }, ttl: { N: String(Math.floor(clock.now() / 1000) - 1) } } }),
    );
    expect(await runtime.dynamodb.timeToLive.sweep()).toBe(1);
    await expect(
      ddb.send(new UpdateTimeToLiveCommand({ TableName: 'plain-table', TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('keeps the records across a restart, and drops them after 24 hours', async () => {
    await runtime.stop();
    runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, clock, logEvents: false, log: () => {} });
    ddb.destroy();
    streams.destroy();
    ddb = dynamoDbClient(runtime.url);
    streams = streamsClient(runtime.url);
    expect((await records('both-table')).length).toBeGreaterThan(3);
    clock.advance(25 * 60 * 60 * 1000);
    expect(await records('both-table')).toEqual([]);
  });
});
