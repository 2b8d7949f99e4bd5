import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { synthesizedIn } from './assembly.js';
import { eventually } from './helpers.js';
import { restartableRuntime, sdkConfig } from './restartable-runtime.js';

const app = restartableRuntime({
  // Loaded here: the fixture imports aws-cdk-lib and the constructs, and synthesizing bundles the handler.
  assembly: async () => synthesizedIn((await import('../fixtures/priority-app.js')).synthPriorityApp),
  ownsAssembly: true,
  timeoutMs: 120_000,
  clients: (runtime) => {
    const config = { ...sdkConfig(runtime.url), maxAttempts: 1 };
    return { events: new EventBridgeClient(config), dynamodb: new DynamoDBClient(config) };
  },
});

interface Job {
  readonly jobId: string;
  readonly lane: string;
  readonly startedAt: number;
  readonly finishedAt: number;
}

const job = (jobId: string, priority?: string) => ({
  EventBusName: 'priority-bus',
  Source: 'fixture.jobs',
  DetailType: 'JobQueued',
  Detail: JSON.stringify({ jobId, priority, ms: 600 }),
});

async function jobsDone(): Promise<Job[]> {
  const { Items = [] } = await app.dynamodb.send(new ScanCommand({ TableName: 'priority-jobs' }));
  return Items.map((i) => ({
    jobId: i.jobId?.S ?? '',
    lane: i.lane?.S ?? '',
    startedAt: Number(i.startedAt?.N),
    finishedAt: Number(i.finishedAt?.N),
  }));
}

describe('QueueConsumer priority lanes on the local runtime', () => {
  it('runs interactive jobs ahead of a batch burst sent before them, while the batch lane keeps its guaranteed share', async () => {
    const batch = Array.from({ length: 6 }, (_, i) => job(`B-${i}`, 'batch'));
    const interactive = Array.from({ length: 4 }, (_, i) => job(`I-${i}`, 'interactive'));
    const sent = await app.events.send(new PutEventsCommand({ Entries: batch }));
    await app.events.send(new PutEventsCommand({ Entries: interactive }));
    // No lane named: the last lane's rule takes it.
    await app.events.send(new PutEventsCommand({ Entries: [job('N-0')] }));
    expect(sent.FailedEntryCount).toBe(0);

    // Every job runs: a batch job held back for priority is never failed or dead-lettered.
    const done = await eventually(
      async () => {
        const jobs = await jobsDone();
        return jobs.length === 11 ? jobs : undefined;
      },
      60_000,
      'all 11 jobs to finish',
    );
    const lastOf = (lane: string) => Math.max(...done.filter((j) => j.lane === lane).map((j) => j.finishedAt));
    const interactiveDone = lastOf('interactive');
    expect(interactiveDone).toBeLessThan(lastOf('batch'));
    // The batch lane was not starved while interactive jobs waited: one of its jobs started among theirs.
    const firstInteractive = Math.min(...done.filter((j) => j.lane === 'interactive').map((j) => j.startedAt));
    const during = done.filter((j) => j.lane === 'batch' && j.finishedAt > firstInteractive && j.startedAt < interactiveDone);
    expect(during.some((j) => j.startedAt > firstInteractive)).toBe(true);
    // Yet it took no more than its share (one of the two invocations) while they waited.
    const overlapping = during.filter((a) => during.some((b) => b !== a && b.startedAt < a.finishedAt && a.startedAt < b.finishedAt));
    expect(overlapping).toEqual([]);
  }, 90_000);
});
