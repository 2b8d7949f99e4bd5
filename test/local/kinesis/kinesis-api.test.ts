import { createHash } from 'node:crypto';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const HOUR = 60 * 60 * 1000;

function assembly() {
  return assemblyOf(
    {
      Events: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'events', ShardCount: 2 } },
      Burst: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'burst', StreamModeDetails: { StreamMode: 'ON_DEMAND' } } },
    },
    'Streams',
  );
}

const text = (data: Uint8Array | undefined) => Buffer.from(data ?? []).toString('utf8');

describe('KinesisService', () => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly,
    options: { clock },
    clients: ({ url }) => ({ kinesis: new KinesisClient(sdkConfig(url)) }),
  });

  const iterator = async (StreamName: string, ShardId: string, more: Record<string, unknown> = {}) =>
    (await local.kinesis.send(new GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON', ...more })))
      .ShardIterator;

  it('creates the template streams with their shards splitting the hash key space, an on-demand one with four', async () => {
    const { Shards } = await local.kinesis.send(new ListShardsCommand({ StreamName: 'events' }));
    expect(Shards?.map((s) => [s.ShardId, s.HashKeyRange?.StartingHashKey, s.HashKeyRange?.EndingHashKey])).toEqual([
      ['shardId-000000000000', '0', String(2n ** 127n - 1n)],
      ['shardId-000000000001', String(2n ** 127n), String(2n ** 128n - 1n)],
    ]);
    const summary = await local.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'burst' }));
    expect(summary.StreamDescriptionSummary).toMatchObject({
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      OpenShardCount: 4,
      RetentionPeriodHours: 24,
    });
    const { StreamNames } = await local.kinesis.send(new ListStreamsCommand({}));
    expect(StreamNames).toEqual(['burst', 'events']);
  });

  it('puts a record on the shard whose hash key range holds the MD5 of its partition key', async () => {
    for (const key of ['alpha', 'beta', 'gamma', 'delta']) {
      const hash = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
      const put = await local.kinesis.send(new PutRecordCommand({ StreamName: 'events', PartitionKey: key, Data: Buffer.from(key) }));
      expect(put.ShardId).toBe(hash < 2n ** 127n ? 'shardId-000000000000' : 'shardId-000000000001');
    }
  });

  it('reads a shard in order with increasing sequence numbers, from any iterator type, and says how far behind the reader is', async () => {
    await local.kinesis.send(new CreateStreamCommand({ StreamName: 'ordered', ShardCount: 1 }));
    const put = await local.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'ordered',
        Records: ['r1', 'r2', 'r3'].map((data) => ({ PartitionKey: 'k', Data: Buffer.from(data) })),
      }),
    );
    expect(put.FailedRecordCount).toBe(0);
    const sequenceNumbers = put.Records?.map((r) => r.SequenceNumber ?? '') ?? [];
    expect([...sequenceNumbers].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))).toEqual(sequenceNumbers);

    const trimHorizon = await iterator('ordered', 'shardId-000000000000');
    clock.advance(1000);
    const first = await local.kinesis.send(new GetRecordsCommand({ ShardIterator: trimHorizon, Limit: 2 }));
    expect(first.Records?.map((r) => text(r.Data))).toEqual(['r1', 'r2']);
    // A record is left to read, put a second ago; once it is read, the reader is at the tip.
    expect(first.MillisBehindLatest).toBe(1000);
    const rest = await local.kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));
    expect(rest.MillisBehindLatest).toBe(0);
    expect(rest.Records?.map((r) => [text(r.Data), r.SequenceNumber, r.PartitionKey])).toEqual([['r3', sequenceNumbers[2], 'k']]);

    // Both iterators read from the second record: after the first one's number, and at the second one's.
    for (const [ShardIteratorType, StartingSequenceNumber] of [
      ['AFTER_SEQUENCE_NUMBER', sequenceNumbers[0]],
      ['AT_SEQUENCE_NUMBER', sequenceNumbers[1]],
    ] as const) {
      const ShardIterator = await iterator('ordered', 'shardId-000000000000', { ShardIteratorType, StartingSequenceNumber });
      const read = await local.kinesis.send(new GetRecordsCommand({ ShardIterator }));
      expect(
        read.Records?.map((r) => text(r.Data)),
        ShardIteratorType,
      ).toEqual(['r2', 'r3']);
    }

    const latest = await iterator('ordered', 'shardId-000000000000', { ShardIteratorType: 'LATEST' });
    clock.advance(1000);
    await local.kinesis.send(new PutRecordCommand({ StreamName: 'ordered', PartitionKey: 'k', Data: Buffer.from('r4') }));
    const timestamp = await iterator('ordered', 'shardId-000000000000', {
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new Date(clock.now()),
    });
    expect((await local.kinesis.send(new GetRecordsCommand({ ShardIterator: latest }))).Records?.map((r) => text(r.Data))).toEqual(['r4']);
    expect((await local.kinesis.send(new GetRecordsCommand({ ShardIterator: timestamp }))).Records?.map((r) => text(r.Data))).toEqual([
      'r4',
    ]);
  });

  it('keeps accepted records across a restart', async () => {
    await local.kinesis.send(new CreateStreamCommand({ StreamName: 'kept', ShardCount: 1 }));
    await local.kinesis.send(new PutRecordCommand({ StreamName: 'kept', PartitionKey: 'k', Data: Buffer.from('before restart') }));
    await local.restart();
    const records = await local.kinesis.send(new GetRecordsCommand({ ShardIterator: await iterator('kept', 'shardId-000000000000') }));
    expect(records.Records?.map((r) => text(r.Data))).toEqual(['before restart']);
  });

  it('drops records older than the retention period, by the runtime clock', async () => {
    await local.kinesis.send(new CreateStreamCommand({ StreamName: 'expiring', ShardCount: 1 }));
    await local.kinesis.send(new PutRecordCommand({ StreamName: 'expiring', PartitionKey: 'k', Data: Buffer.from('old') }));
    clock.advance(23 * HOUR);
    await local.kinesis.send(new PutRecordCommand({ StreamName: 'expiring', PartitionKey: 'k', Data: Buffer.from('young') }));
    clock.advance(2 * HOUR);
    const records = await local.kinesis.send(new GetRecordsCommand({ ShardIterator: await iterator('expiring', 'shardId-000000000000') }));
    expect(records.Records?.map((r) => text(r.Data))).toEqual(['young']);
  });

  describe('bad input', () => {
    /** What Kinesis refused the call `send` makes with (its name and message); fails the test if it succeeded. */
    /** What Kinesis refused the call `send` makes with (its name and message); fails the test if it succeeded. */
    const failure = async (send: (kinesis: KinesisClient) => Promise<unknown>) => {
      const error = (await send(local.kinesis).then(
        () => undefined,
        (e: unknown) => e,
      )) as { name: string; message: string } | undefined;
      if (error === undefined) throw new Error('the request succeeded');
      return { name: error.name, message: error.message };
    };

    it('fails with ResourceNotFoundException for a stream or shard that does not exist', async () => {
      expect(
        await failure((kinesis) => kinesis.send(new PutRecordCommand({ StreamName: 'nope', PartitionKey: 'k', Data: Buffer.from('x') }))),
      ).toEqual({
        name: 'ResourceNotFoundException',
        message: 'Stream nope under account 000000000000 not found.',
      });
      expect(
        await failure((kinesis) =>
          kinesis.send(new GetShardIteratorCommand({ StreamName: 'events', ShardId: 'shardId-000000000007', ShardIteratorType: 'LATEST' })),
        ),
      ).toMatchObject({
        name: 'ResourceNotFoundException',
        message: expect.stringContaining('Shard shardId-000000000007 in stream events'),
      });
    });

    it('reads a shard id as Kinesis does, by its number: 0 and shardId-1 name shards, a name without a number none', async () => {
      await local.kinesis.send(
        new PutRecordCommand({ StreamName: 'events', PartitionKey: 'k', ExplicitHashKey: '0', Data: Buffer.from('first') }),
      );
      const records = await local.kinesis.send(new GetRecordsCommand({ ShardIterator: await iterator('events', '0') }));
      expect(records.Records?.map((r) => text(r.Data))).toContain('first');
      expect(await iterator('events', 'shardId-1')).toEqual(expect.any(String));
      expect(
        await failure((kinesis) =>
          kinesis.send(new GetShardIteratorCommand({ StreamName: 'events', ShardId: '2', ShardIteratorType: 'LATEST' })),
        ),
      ).toEqual({
        name: 'ResourceNotFoundException',
        message: 'Shard shardId-000000000002 in stream events under account 000000000000 does not exist',
      });
      expect(
        await failure((kinesis) =>
          kinesis.send(new GetShardIteratorCommand({ StreamName: 'events', ShardId: 'first', ShardIteratorType: 'LATEST' })),
        ),
      ).toEqual({ name: 'ResourceNotFoundException', message: 'Could not find shard first in stream events under account 000000000000.' });
    });

    it('fails with ResourceInUseException for a stream created twice', async () => {
      expect(await failure((kinesis) => kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 })))).toEqual({
        name: 'ResourceInUseException',
        message: 'Stream events under account 000000000000 already exists.',
      });
    });

    it('fails with InvalidArgumentException for an iterator it did not give or a sequence number missing', async () => {
      expect(await failure((kinesis) => kinesis.send(new GetRecordsCommand({ ShardIterator: 'bm90LWFuLWl0ZXJhdG9y' })))).toMatchObject({
        name: 'InvalidArgumentException',
      });
      expect(
        await failure((kinesis) =>
          kinesis.send(
            new GetShardIteratorCommand({ StreamName: 'events', ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_SEQUENCE_NUMBER' }),
          ),
        ),
      ).toEqual({
        name: 'InvalidArgumentException',
        message: 'Must specify StartingSequenceNumber for iterator of type AT_SEQUENCE_NUMBER.',
      });
    });

    it('fails with ExpiredIteratorException for an iterator older than five minutes', async () => {
      const shardIterator = await iterator('events', 'shardId-000000000000');
      clock.advance(5 * 60 * 1000 + 1);
      expect(await failure((kinesis) => kinesis.send(new GetRecordsCommand({ ShardIterator: shardIterator })))).toMatchObject({
        name: 'ExpiredIteratorException',
        message: expect.stringContaining('which is further in the future than the tolerated delay of 300000 milliseconds'),
      });
    });

    it('fails with ValidationException for what the model refuses (a partition key longer than 256 characters, a bad stream name, no shards)', async () => {
      expect(
        await failure((kinesis) =>
          kinesis.send(new PutRecordCommand({ StreamName: 'events', PartitionKey: 'k'.repeat(257), Data: Buffer.from('x') })),
        ),
      ).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('partitionKey') });
      expect(await failure((kinesis) => kinesis.send(new CreateStreamCommand({ StreamName: 'no spaces', ShardCount: 1 })))).toMatchObject({
        name: 'ValidationException',
      });
      expect(await failure((kinesis) => kinesis.send(new CreateStreamCommand({ StreamName: 'none', ShardCount: 0 })))).toMatchObject({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      });
    });
  });
});
