import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { arnOf } from '../template-resources.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

/** A stream, and an hourly schedule whose templated target is Kinesis PutRecord (KinesisParameters). */
function assembly(): string {
  return assemblyOf(
    {
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'ticks', ShardCount: 1 } },
      Hourly: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 'hourly',
          ScheduleExpression: 'rate(1 hour)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: arnOf('Stream'),
            RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
            Input: '{"tick":1}',
            KinesisParameters: { PartitionKey: 'clock' },
          },
        },
      },
    },
    'KinesisSchedules',
  );
}

describe('Scheduler with a Kinesis stream target', () => {
  const clock = new ManualClock(T0);
  let runtime: LocalRuntime;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ cdkOut: assembly(), dataDir: tempDataDir(), port: 0, clock, log: () => {}, logEvents: false });
    kinesis = new KinesisClient({ endpoint: runtime.url, region, credentials });
  }, 60_000);

  afterAll(async () => {
    kinesis?.destroy();
    await runtime?.stop();
  });

  it('loads the schedule without a warning and puts each firing on the stream as a record with its partition key', async () => {
    expect(runtime.warnings.filter((w) => w.includes('AWS::Scheduler::Schedule'))).toEqual([]);
    // A rate schedule without a start date fires when it is created (T0).
    await runtime.scheduler.runDue();
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'ticks', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records.map((r) => [r.PartitionKey, Buffer.from(r.Data ?? []).toString()])).toEqual([['clock', '{"tick":1}']]);
  });
});
