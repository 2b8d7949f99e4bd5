import { type DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  type EventBridgeClient,
  ListArchivesCommand,
  PutEventsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { JOB_STAGE_EFFECTS, JOB_STAGES, JobApproved, JobRequested } from '../../domain/index.js';
import type { LocalRuntime } from '../../local/runtime.js';
import { eventually } from './helpers.js';
import { useSwitchyardApp } from './switchyard-app.js';

let busLines: string[];
let runtime: LocalRuntime;
let events: EventBridgeClient;
let dynamodb: DynamoDBClient;
let ledgerTable: string;
let readModelTable: string;
const startedAt = new Date();

useSwitchyardApp(async (app) => {
  ({ runtime, busLines, events, dynamodb } = app);
  ledgerTable = await app.tableNamed('ContentPipelineLedger');
  readModelTable = await app.tableNamed('ContentPipelineReadModel');
});

const EFFECTS = JOB_STAGES.map((stage) => JOB_STAGE_EFFECTS[stage]);

async function send(contract: typeof JobRequested | typeof JobApproved, detail: Record<string, unknown>) {
  const { FailedEntryCount } = await events.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: 'Switchyard-hub', Source: contract.source, DetailType: contract.detailType, Detail: JSON.stringify(detail) },
      ],
    }),
  );
  expect(FailedEntryCount).toBe(0);
}

function requestJob(jobId: string, simulate?: Record<string, unknown>[]) {
  return send(JobRequested, {
    jobId,
    title: `Video ${jobId}`,
    brief: 'The pour, the lid, the steam and the price, in thirty seconds.',
    ...(simulate ? { simulate } : {}),
  });
}

/** The job's effects in the ledger, in pipeline order, with how often each was applied. */
async function ledger(jobId: string): Promise<{ effect: string; applied: number }[]> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: ledgerTable,
      KeyConditionExpression: 'jobId = :j',
      ExpressionAttributeValues: { ':j': { S: jobId } },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => unmarshall(item))
    .filter((item) => EFFECTS.includes(item.effect))
    .map((item) => ({ effect: item.effect as string, applied: item.applied as number }))
    .sort((a, b) => EFFECTS.indexOf(a.effect as never) - EFFECTS.indexOf(b.effect as never));
}

async function attempts(jobId: string, effect: string): Promise<number | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: ledgerTable, Key: marshall({ jobId, effect: `attempts#${effect}` }), ConsistentRead: true }),
  );
  return Item ? (unmarshall(Item).attempts as number) : undefined;
}

function once(...effects: string[]) {
  return effects.map((effect) => ({ effect, applied: 1 }));
}

async function view(jobId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: readModelTable, Key: marshall({ jobId }), ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
}

function untilStatus(jobId: string, status: string, timeoutMs = 60_000) {
  return eventually(async () => ((await view(jobId))?.status === status ? view(jobId) : undefined), timeoutMs, `${jobId} to be ${status}`);
}

function published(detailType: string, jobId: string): number {
  return busLines.filter((l) => l.includes(` ${detailType} `) && l.includes(`"jobId":"${jobId}"`)).length;
}

/** Every job item of the read model (the ignored-event records left out), by job id. */
async function jobViews(): Promise<Record<string, Record<string, unknown>>> {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: readModelTable, ConsistentRead: true }));
  const views = Items.map((item) => unmarshall(item)).filter((item) => !String(item.jobId).includes('#'));
  return Object.fromEntries(views.sort((a, b) => String(a.jobId).localeCompare(String(b.jobId))).map((v) => [v.jobId, v]));
}

describe('the content pipeline on the local runtime', () => {
  it('runs a job through every stage to approval, then publishes it once a person approves, each effect once', async () => {
    await requestJob('JOB-OK');
    const waiting = await untilStatus('JOB-OK', 'awaiting-approval');
    expect(waiting).toMatchObject({ version: 6, revision: 6, script: { scriptKey: 'jobs/JOB-OK/script.md' } });
    expect(await ledger('JOB-OK')).toEqual(once('write-script', 'draw-storyboard', 'infer-frames', 'render-video', 'request-approval'));

    await send(JobApproved, { jobId: 'JOB-OK', approvedBy: 'editor@example.com' });
    expect(await untilStatus('JOB-OK', 'published')).toMatchObject({
      version: 8,
      revision: 8,
      approval: { approvedBy: 'editor@example.com' },
      url: 'https://videos.example.com/JOB-OK',
      events: [
        'JobRequested',
        'ScriptWritten',
        'StoryboardDrawn',
        'FramesInferred',
        'Rendered',
        'ApprovalRequested',
        'JobApproved',
        'Published',
      ],
    });
    expect(await ledger('JOB-OK')).toEqual(once(...EFFECTS));
    expect(published('Published', 'JOB-OK')).toBe(1);
  }, 90_000);

  it('retries a transient inference and render failure without losing the job or doubling an effect', async () => {
    // Each effect is written, with its event, then its answer "lost": the outbox sends the
    // event at once, and the queue brings the record back after a backoff, to find it applied.
    await requestJob('JOB-FLAKY', [
      { stage: 'inference', failure: 'transient', times: 1 },
      { stage: 'render', failure: 'transient', times: 1 },
    ]);
    await untilStatus('JOB-FLAKY', 'awaiting-approval', 80_000);
    // Each retry comes after its own jittered backoff, so either may come last.
    await eventually(async () => ((await attempts('JOB-FLAKY', 'render-video')) === 2 ? true : undefined), 60_000, 'the render retry');
    await eventually(async () => ((await attempts('JOB-FLAKY', 'infer-frames')) === 2 ? true : undefined), 60_000, 'the inference retry');
    expect(await ledger('JOB-FLAKY')).toEqual(once('write-script', 'draw-storyboard', 'infer-frames', 'render-video', 'request-approval'));
    expect(published('FramesInferred', 'JOB-FLAKY')).toBe(1);
    expect(published('Rendered', 'JOB-FLAKY')).toBe(1);
  }, 120_000);

  it('keeps the fast stages moving while a slow inference holds its own queue', async () => {
    await requestJob('JOB-SLOW', [{ stage: 'inference', delayMs: 8000 }]);
    await eventually(async () => ((await ledger('JOB-SLOW')).length === 2 ? true : undefined), 30_000, 'JOB-SLOW to reach inference');
    await requestJob('JOB-FAST');
    // The fast job is scripted and storyboarded while the slow one is still being inferred.
    await eventually(async () => ((await ledger('JOB-FAST')).length >= 2 ? true : undefined), 30_000, 'JOB-FAST storyboarded');
    expect((await ledger('JOB-SLOW')).map((e) => e.effect)).not.toContain('infer-frames');
    await untilStatus('JOB-SLOW', 'awaiting-approval');
    await untilStatus('JOB-FAST', 'awaiting-approval');
  }, 90_000);

  it('applies no second effect for a duplicate event, and records it as ignored in the read model', async () => {
    const before = busLines.length;
    await requestJob('JOB-OK');
    await send(JobApproved, { jobId: 'JOB-OK', approvedBy: 'editor@example.com' });
    // Long enough for the duplicates to cross the bus, the queues and the stages.
    await eventually(
      async () => {
        const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: readModelTable, ConsistentRead: true }));
        const ignored = Items.map((i) => unmarshall(i)).filter((i) => String(i.jobId).startsWith('JOB-OK#ignored#'));
        return ignored.length === 2 ? ignored : undefined;
      },
      20_000,
      'both duplicates to be recorded as ignored',
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await ledger('JOB-OK')).toEqual(once(...EFFECTS));
    // The stages found their effect applied and their event sent: nothing new went out.
    const after = busLines.slice(before).filter((l) => l.includes('"jobId":"JOB-OK"'));
    expect(after.map((l) => l.match(/ (\w+) \{/)?.[1])).toEqual(['JobRequested', 'JobApproved']);
    expect((await view('JOB-OK'))?.revision).toBe(8);
  }, 60_000);

  it('rebuilds the read model by replaying the archive to the projector alone, equal to the live one', async () => {
    const live = await jobViews();
    expect(Object.keys(live)).toEqual(['JOB-FAST', 'JOB-FLAKY', 'JOB-OK', 'JOB-SLOW']);
    const ledgerBefore = await Promise.all(Object.keys(live).map(ledger));
    const itemsBefore = (await dynamodb.send(new ScanCommand({ TableName: readModelTable, Select: 'COUNT' }))).Count;
    const out: string[] = [];
    const code = await main(
      [
        'rebuild',
        '--table',
        'ReadModel',
        '--rule',
        'Projector',
        '--from',
        new Date(startedAt.getTime() - 60_000).toISOString(),
        '--endpoint',
        runtime.url,
        '--settle',
        '2000',
      ],
      { out: (line) => out.push(line), err: (line) => out.push(line), stdin: () => '' },
    );
    expect(code, out.join('\n')).toBe(0);
    // Everything was deleted first (job items and ignored-event records), so what stands was folded again.
    const { Count } = await dynamodb.send(new ScanCommand({ TableName: readModelTable, Select: 'COUNT' }));
    expect(out.join('\n')).toContain(`: ${itemsBefore} items deleted`);
    expect(Count).toBeGreaterThanOrEqual(Object.keys(live).length);
    expect(await jobViews()).toEqual(live);
    // No stage ran again: the replay reached the projector's rule alone.
    expect(await Promise.all(Object.keys(live).map(ledger))).toEqual(ledgerBefore);
  }, 120_000);
  it('runs no stage again when the archive is replayed to every rule: only the projector folds it', async () => {
    const live = await jobViews();
    const ledgerBefore = await Promise.all(Object.keys(live).map(ledger));
    const { Archives = [] } = await events.send(new ListArchivesCommand({}));
    const { ArchiveArn, EventSourceArn } = await events.send(new DescribeArchiveCommand({ ArchiveName: Archives[0]?.ArchiveName }));
    // No FilterArns: every rule of the bus sees the replay, under the reprocess policy.
    await events.send(
      new StartReplayCommand({
        ReplayName: 'reprocess--every-rule',
        EventSourceArn: ArchiveArn,
        EventStartTime: new Date(startedAt.getTime() - 60_000),
        EventEndTime: new Date(),
        Destination: { Arn: EventSourceArn },
      }),
    );
    await eventually(
      async () =>
        (await events.send(new DescribeReplayCommand({ ReplayName: 'reprocess--every-rule' }))).State === 'COMPLETED' ? true : undefined,
      20_000,
      'the replay to complete',
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // A stage that ran again would have counted another attempt of the simulated failures.
    expect(await attempts('JOB-FLAKY', 'infer-frames')).toBe(2);
    expect(await attempts('JOB-FLAKY', 'render-video')).toBe(2);
    expect(await Promise.all(Object.keys(live).map(ledger))).toEqual(ledgerBefore);
    expect(await jobViews()).toEqual(live);
  }, 60_000);
});
