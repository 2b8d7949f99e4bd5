import {
  DeleteItemCommand,
  DescribeKinesisStreamingDestinationCommand,
  DisableKinesisStreamingDestinationCommand,
  type DynamoDBClient,
  EnableKinesisStreamingDestinationCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { assemblyOf } from '../assembly.js';
import { credentials, dynamoDbClient, eventually, region, tempDataDir } from '../helpers.js';

const streamArn = (name: string) => `arn:aws:kinesis:${region}:000000000000:stream/${name}`;

const assembly = () =>
  assemblyOf({
    Changes: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'changes', ShardCount: 1 } },
    Other: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'other', ShardCount: 1 } },
    Streamed: tableResource(
      'streamed-table',
      { key: { pk: 'S' } },
      { KinesisStreamSpecification: { StreamArn: { 'Fn::GetAtt': ['Changes', 'Arn'] } } },
    ),
    Plain: tableResource('plain-table', { key: { pk: 'S' } }),
  });

/** The Data of a Kinesis record DynamoDB sent, as AWS documents it. */
interface ChangeData {
  awsRegion: string;
  eventID: string;
  eventName: string;
  userIdentity: unknown;
  recordFormat: string;
  tableName: string;
  eventSource: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, Record<string, string>>;
    NewImage?: Record<string, Record<string, string>>;
    OldImage?: Record<string, Record<string, string>>;
    SizeBytes: number;
  };
}

async function changesOn(kinesis: KinesisClient, name: string): Promise<{ partitionKey: string; data: ChangeData }[]> {
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  const out: { partitionKey: string; data: ChangeData }[] = [];
  for (const shard of Shards ?? []) {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    for (const r of Records ?? []) {
      out.push({ partitionKey: String(r.PartitionKey), data: JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')) as ChangeData });
    }
  }
  return out;
}

const countOf = (n: number) => async (records: Promise<unknown[]>) => ((await records).length >= n ? true : undefined);

describe('Kinesis Data Streams for DynamoDB (local)', () => {
  let runtime: LocalRuntime;
  let ddb: DynamoDBClient;
  let kinesis: KinesisClient;
  const cdkOut = assembly();
  const dataDir = tempDataDir();

  const start = async () => {
    runtime = await LocalRuntime.start({ cdkOut, dataDir, port: 0, logEvents: false, log: () => {} });
    ddb = dynamoDbClient(runtime.url);
    kinesis = new KinesisClient({ endpoint: runtime.url, region, credentials });
  };
  const stop = async () => {
    ddb.destroy();
    kinesis.destroy();
    await runtime.stop();
  };
  beforeAll(start);
  afterAll(stop);

  it("runs a template table's KinesisStreamSpecification and no longer names it at start-up", async () => {
    expect(runtime.warnings.filter((w) => w.includes('KinesisStreamSpecification'))).toEqual([]);
    const described = await ddb.send(new DescribeKinesisStreamingDestinationCommand({ TableName: 'streamed-table' }));
    expect(described.KinesisDataStreamDestinations).toEqual([
      { StreamArn: streamArn('changes'), DestinationStatus: 'ACTIVE', ApproximateCreationDateTimePrecision: 'MILLISECOND' },
    ]);
  });

  it("sends a put, an update and a delete to the table's stream in order, in AWS's documented shape", async () => {
    const before = Date.now();
    await ddb.send(new PutItemCommand({ TableName: 'streamed-table', Item: { pk: { S: 'a' }, n: { N: '1' } } }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'streamed-table',
        Key: { pk: { S: 'a' } },
        UpdateExpression: 'SET n = :two',
        ExpressionAttributeValues: { ':two': { N: '2' } },
      }),
    );
    await ddb.send(new DeleteItemCommand({ TableName: 'streamed-table', Key: { pk: { S: 'a' } } }));
    await eventually(() => countOf(3)(changesOn(kinesis, 'changes')), 15_000, 'three records on the stream');
    const records = await changesOn(kinesis, 'changes');
    expect(records.map((r) => [r.data.eventName, r.data.dynamodb.OldImage?.n?.N, r.data.dynamodb.NewImage?.n?.N])).toEqual([
      ['INSERT', undefined, '1'],
      ['MODIFY', '1', '2'],
      ['REMOVE', '2', undefined],
    ]);
    const [first] = records;
    expect(first?.data).toEqual({
      awsRegion: region,
      eventID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventName: 'INSERT',
      userIdentity: null,
      recordFormat: 'application/json',
      tableName: 'streamed-table',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: 'a' } },
        NewImage: { pk: { S: 'a' }, n: { N: '1' } },
        SizeBytes: expect.any(Number),
      },
      eventSource: 'aws:dynamodb',
    });
    // Milliseconds since the epoch (the default precision).
    expect(first?.data.dynamodb.ApproximateCreationDateTime).toBeGreaterThanOrEqual(before);
    expect(first?.data.dynamodb.ApproximateCreationDateTime).toBeLessThan(before + 60_000);
    expect(first?.partitionKey).toBe(JSON.stringify({ pk: { S: 'a' } }));
  });

  it('enables a destination through the API, answers it ACTIVE, and stops sending once it is disabled', async () => {
    const enabled = await ddb.send(
      new EnableKinesisStreamingDestinationCommand({
        TableName: 'plain-table',
        StreamArn: streamArn('other'),
        EnableKinesisStreamingConfiguration: { ApproximateCreationDateTimePrecision: 'MICROSECOND' },
      }),
    );
    expect(enabled.DestinationStatus).toBe('ENABLING');
    await expect(
      ddb.send(new EnableKinesisStreamingDestinationCommand({ TableName: 'plain-table', StreamArn: streamArn('other') })),
    ).rejects.toMatchObject({ name: 'ResourceInUseException' });
    const described = await ddb.send(new DescribeKinesisStreamingDestinationCommand({ TableName: 'plain-table' }));
    expect(described.KinesisDataStreamDestinations?.map((d) => [d.StreamArn, d.DestinationStatus])).toEqual([
      [streamArn('other'), 'ACTIVE'],
    ]);
    await ddb.send(new PutItemCommand({ TableName: 'plain-table', Item: { pk: { S: 'one' } } }));
    await eventually(() => countOf(1)(changesOn(kinesis, 'other')), 15_000, 'the record on the stream');
    const [record] = await changesOn(kinesis, 'other');
    // Microseconds since the epoch.
    expect(record?.data.dynamodb.ApproximateCreationDateTime).toBeGreaterThan(Date.now() * 100);

    const disabled = await ddb.send(
      new DisableKinesisStreamingDestinationCommand({ TableName: 'plain-table', StreamArn: streamArn('other') }),
    );
    expect(disabled.DestinationStatus).toBe('DISABLING');
    const after = await ddb.send(new DescribeKinesisStreamingDestinationCommand({ TableName: 'plain-table' }));
    expect(after.KinesisDataStreamDestinations?.map((d) => d.DestinationStatus)).toEqual(['DISABLED']);
  });

  it('answers ResourceNotFoundException for a missing table', async () => {
    await expect(
      ddb.send(new EnableKinesisStreamingDestinationCommand({ TableName: 'no-such-table', StreamArn: streamArn('other') })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('delivers after a restart a change committed before it that could not be delivered yet', async () => {
    // The stream does not exist yet: the change waits in the outbox.
    await ddb.send(new EnableKinesisStreamingDestinationCommand({ TableName: 'plain-table', StreamArn: streamArn('late') }));
    await ddb.send(new PutItemCommand({ TableName: 'plain-table', Item: { pk: { S: 'kept' } } }));
    await stop();
    await start();
    await kinesis.send(new CreateStreamCommand({ StreamName: 'late', ShardCount: 1 }));
    await eventually(() => countOf(1)(changesOn(kinesis, 'late').catch(() => [])), 30_000, 'the kept record on the stream');
    const records = await changesOn(kinesis, 'late');
    expect(records.map((r) => r.data.dynamodb.Keys)).toEqual([{ pk: { S: 'kept' } }]);
  });
});
