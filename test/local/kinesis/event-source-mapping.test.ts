import { createHash } from 'node:crypto';
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { receiveBodies } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { eventSourceMapping } from '../template-resources.js';

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });
const ROLE = 'arn:aws:iam::000000000000:role/consumer';

/**
 * Sends each batch's data to `batches`, then handles its records in order, each to `handled`.
 * As AWS advises for ReportBatchItemFailures, it stops at the first record it fails and reports
 * that one and every one after it (listed last first: Lambda resumes from the lowest). A
 * `flaky` record fails its first delivery only; a `poison` one every time.
 */
const CONSUMER = `const { SQSClient, SendMessageCommand, GetQueueUrlCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
const failedOnce = new Set();
const send = async (QueueName, MessageBody) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));
};
exports.handler = async (event) => {
  const records = event.Records.map((r) => ({ seq: r.kinesis.sequenceNumber, data: Buffer.from(r.kinesis.data, 'base64').toString() }));
  await send('batches', JSON.stringify(records.map((r) => r.data)));
  for (const r of event.Records) if (Buffer.from(r.kinesis.data, 'base64').toString() === 'shape') await send('shapes', JSON.stringify(r));
  for (let i = 0; i < records.length; i++) {
    const { seq, data } = records[i];
    if (data.startsWith('poison') || (data.startsWith('flaky') && !failedOnce.has(seq))) {
      failedOnce.add(seq);
      return { batchItemFailures: records.slice(i).reverse().map((r) => ({ itemIdentifier: r.seq })) };
    }
    await send('handled', data);
  }
  return { batchItemFailures: [] };
};`;

function assembly() {
  const consumer = (name: string) => ({
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: name,
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: 10,
      Role: ROLE,
      Code: { ZipFile: CONSUMER },
    },
  });
  return assemblyOf(
    {
      Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks', ShardCount: 2 } },
      Slow: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'slow', ShardCount: 1 } },
      Piped: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'piped', ShardCount: 1 } },
      PipedOut: queue('piped-out'),
      // A pipe from the stream to a queue, only of the records whose data (JSON) is an order.
      Pipe: {
        Type: 'AWS::Pipes::Pipe',
        Properties: {
          Name: 'orders-pipe',
          RoleArn: 'arn:aws:iam::000000000000:role/pipe',
          Source: arnOf('Piped'),
          SourceParameters: {
            KinesisStreamParameters: { StartingPosition: 'TRIM_HORIZON', BatchSize: 10 },
            FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ data: { kind: ['order'] } }) }] },
          },
          Target: arnOf('PipedOut'),
        },
      },
      Handled: queue('handled'),
      Batches: queue('batches'),
      Shapes: queue('shapes'),
      Failed: queue('clicks-failed'),
      Consumer: consumer('consumer'),
      SlowConsumer: consumer('slow-consumer'),
      Mapping: eventSourceMapping('Clicks', 'Consumer', {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        MaximumRetryAttempts: 2,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: arnOf('Failed') } },
      }),
      // A long batching window, so that records are still waiting when the runtime stops.
      SlowMapping: eventSourceMapping('Slow', 'SlowConsumer', {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 3,
      }),
    },
    'Streams',
  );
}

/** A partition key whose records go to the first shard of a two-shard stream (`low`) or the second. */
function keyOnShard(low: boolean): string {
  for (let n = 0; ; n++) {
    const hash = BigInt(`0x${createHash('md5').update(`key-${n}`).digest('hex')}`);
    if (hash < 2n ** 127n === low) return `key-${n}`;
  }
}

describe('Lambda event source mappings from Kinesis streams (local)', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly,
    options: { pipesRetryBaseMs: 50 },
    clients: ({ url }) => ({ kinesis: new KinesisClient(sdkConfig(url)), sqs: new SQSClient(sdkConfig(url)) }),
  });

  const put = (stream: string, key: string, ...data: string[]) =>
    local.kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: data.map((d) => ({ PartitionKey: key, Data: Buffer.from(d) })) }),
    );
  const drain = (name: string, expected: number) => receiveBodies(local.sqs, local.runtime.sqs.queueUrl(name), expected, 20_000);
  /** Waits until every mapping has handled every record, then what the queue holds (nothing more may come). */
  const rest = async (name: string) => {
    await local.runtime.pipes.idle();
    const more = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl(name), MaxNumberOfMessages: 10 }));
    return (more.Messages ?? []).map((m) => m.Body);
  };

  it('resumes from the lowest failed sequence number a function reports, handling each good record once', async () => {
    await put('clicks', keyOnShard(true), 'a1', 'a2', 'flaky-a3', 'a4', 'a5');
    expect(await drain('handled', 5)).toEqual(['a1', 'a2', 'flaky-a3', 'a4', 'a5']);
    expect((await drain('batches', 2)).map((b) => JSON.parse(b))).toEqual([
      ['a1', 'a2', 'flaky-a3', 'a4', 'a5'],
      ['flaky-a3', 'a4', 'a5'],
    ]);
    expect(await rest('handled')).toEqual([]);
    expect(await rest('batches')).toEqual([]);
  });

  it('sends a record that keeps failing to the on-failure destination with its batch as Lambda describes it, then goes on', async () => {
    const put1 = await local.kinesis.send(
      new PutRecordCommand({ StreamName: 'clicks', PartitionKey: keyOnShard(false), Data: Buffer.from('poison') }),
    );
    await put('clicks', keyOnShard(false), 'after-poison');
    const [failure] = (await drain('clicks-failed', 1)).map((b) => JSON.parse(b));
    expect(failure).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
        functionArn: expect.stringContaining(':function:consumer'),
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: put1.ShardId,
        startSequenceNumber: put1.SequenceNumber,
        batchSize: 2,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
      },
    });
    expect(await drain('batches', 3)).toEqual(Array(3).fill(JSON.stringify(['poison', 'after-poison'])));
    expect(await rest('handled')).toEqual([]);
    await put('clicks', keyOnShard(false), 'later');
    expect(await drain('handled', 1)).toEqual(['later']);
    await drain('batches', 1);
  });

  it("hands the function Lambda's Kinesis event record: the data in base64, the stream's ARN, the shard and sequence number", async () => {
    const key = keyOnShard(true);
    const sent = await local.kinesis.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: key, Data: Buffer.from('shape') }));
    const [record] = (await drain('shapes', 1)).map((b) => JSON.parse(b));
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: key,
        sequenceNumber: sent.SequenceNumber,
        data: Buffer.from('shape').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${sent.ShardId}:${sent.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: ROLE,
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/clicks',
    });
    await drain('handled', 1);
    await drain('batches', 1);
  });

  it("keeps each shard's records in order while the shards are read side by side", async () => {
    const low = keyOnShard(true);
    const high = keyOnShard(false);
    for (let n = 1; n <= 5; n++) {
      await put('clicks', low, `low-${n}`);
      await put('clicks', high, `high-${n}`);
    }
    const handled = await drain('handled', 10);
    expect(handled.filter((d) => d.startsWith('low'))).toEqual(['low-1', 'low-2', 'low-3', 'low-4', 'low-5']);
    expect(handled.filter((d) => d.startsWith('high'))).toEqual(['high-1', 'high-2', 'high-3', 'high-4', 'high-5']);
    await rest('batches');
  });

  it("pipes the records its filter matches on their data to its target, as Pipes' Kinesis records", async () => {
    await put('piped', 'p', JSON.stringify({ kind: 'order', id: 1 }), JSON.stringify({ kind: 'refund', id: 2 }), 'not json');
    const [record, ...more] = (await drain('piped-out', 1)).map((b) => JSON.parse(b));
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventName: 'aws:kinesis:record',
      partitionKey: 'p',
      data: Buffer.from(JSON.stringify({ kind: 'order', id: 1 })).toString('base64'),
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/piped',
    });
    expect(await rest('piped-out')).toEqual([]);
  });

  it('handles records put before a restart once, after it (the position is committed only after the function took them)', async () => {
    await put('slow', 'k', 's-1', 's-2', 's-3');
    await local.restart();
    expect(await drain('handled', 3)).toEqual(['s-1', 's-2', 's-3']);
    expect(await rest('handled')).toEqual([]);
    await local.restart();
    await put('slow', 'k', 's-4');
    expect(await drain('handled', 1)).toEqual(['s-4']);
  });
});
