import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
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
  const app = restartableRuntime({
    assembly,
    ownsAssembly: true,
    options: { clock },
    clients: (runtime) => ({ kinesis: new KinesisClient(sdkConfig(runtime.url)) }),
  });

  it('loads the schedule without a warning and puts each firing on the stream as a record with its partition key', async () => {
    expect(app.runtime.warnings.filter((w) => w.includes('AWS::Scheduler::Schedule'))).toEqual([]);
    // A rate schedule without a start date fires when it is created (T0).
    await app.runtime.scheduler.runDue();
    const { ShardIterator } = await app.kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'ticks', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records = [] } = await app.kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records.map((r) => [r.PartitionKey, Buffer.from(r.Data ?? []).toString()])).toEqual([['clock', '{"tick":1}']]);
  });
});
