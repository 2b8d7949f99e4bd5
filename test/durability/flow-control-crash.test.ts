import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AttributeValue, DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { type FlowControlItem, flowControlReport, heldBackByKey } from '../../clients/flow-control.js';
import { useCrashableApps } from '../helpers/crashable-apps.js';
import { credentials, eventually, region } from '../local/helpers.js';

/**
 * Enough that the moment the kill wants (a job done, both slots held, jobs still waiting) lasts
 * a dozen seconds: with 8 it lasted about three, and a loaded machine's polling could miss it.
 */
const JOBS = Array.from({ length: 16 }, (_, i) => `FC-${i}`);
/** Most runs of the one key at once. */
const LIMIT = 2;
/** Invocations the event source runs at once: above LIMIT, so records are held back. */
const INVOCATIONS = 3;
/** How long each run works (the fixture's handler times out at 3 s): long enough that the kill finds both slots held. */
const RUN_MS = 2_000;
/**
 * How long before its end a run may still be when the kill comes: the check that both slots
 * are held, reading the log and the kill itself take time, and a run that ended in between
 * gives its slot back (fresh30 saw one slot left held instead of two).
 */
const KILL_MARGIN_MS = 500;

const crashable = useCrashableApps();

interface Run {
  readonly jobId: string;
  readonly startedAt: number;
  readonly finishedAt?: number;
}

async function scan(dynamodb: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const runsOf = async (dynamodb: DynamoDBClient): Promise<Run[]> => (await scan(dynamodb, 'flowcrash-runs')) as unknown as Run[];

async function completions(dynamodb: DynamoDBClient): Promise<Map<string, number>> {
  return new Map((await scan(dynamodb, 'flowcrash-done')).map((item) => [String(item.jobId), Number(item.completions)]));
}

/** The key's lease holders (holder -> lease end, epoch ms), as the kit's concurrency.ts keeps them in the flow control table. */
async function holders(dynamodb: DynamoDBClient, table: string): Promise<Record<string, number>> {
  const item = (await scan(dynamodb, table)).find((i) => String(i.pk).startsWith('concurrency#'));
  return (item?.holders as Record<string, number> | undefined) ?? {};
}

/** The most runs in flight at any one moment; a run the kill cut short ends at the kill. */
function mostAtOnce(runs: readonly Run[], killedAt: number): number {
  const edges = runs.flatMap((r) => [
    { at: r.startedAt, step: 1 },
    { at: r.finishedAt ?? killedAt, step: -1 },
  ]);
  // An end and a start at the same millisecond do not overlap: ends first.
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const { step } of edges) {
    now += step;
    most = Math.max(most, now);
  }
  return most;
}

/** Messages each queue of the app holds (visible, in flight or delayed), by queue name. */
async function queueDepths(sqs: SQSClient): Promise<Map<string, number>> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  const depths = new Map<string, number>();
  for (const url of QueueUrls) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const held = Object.values(Attributes).reduce((sum, n) => sum + Number(n), 0);
    depths.set(url.slice(url.lastIndexOf('/') + 1), held);
  }
  return depths;
}

describe('QueueConsumer flow control durability', () => {
  it('frees the slots a SIGKILL left held when their leases end, never running more than the limit at once, and loses no record', async () => {
    const cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-flowcrash-'));
    // Loaded here: the fixture imports aws-cdk-lib and the constructs, and synthesizing bundles the handler.
    const { synthFlowCrashApp } = await import('../fixtures/flow-crash-app.js');
    synthFlowCrashApp(cdkOut, { limit: LIMIT, invocations: INVOCATIONS });
    const app = await crashable(cdkOut);
    const config = { endpoint: app.endpoint, region, credentials, maxAttempts: 1 };
    const dynamodb = new DynamoDBClient(config);
    const sqs = new SQSClient(config);

    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const flowTable = TableNames.find((name) => name.includes('FlowControl')) ?? 'missing';
    const events = new EventBridgeClient(config);
    for (let i = 0; i < JOBS.length; i += 10) {
      const sent = await events.send(
        new PutEventsCommand({
          Entries: JOBS.slice(i, i + 10).map((jobId) => ({
            EventBusName: 'flowcrash-bus',
            Source: 'fixture.jobs',
            DetailType: 'JobQueued',
            Detail: JSON.stringify({ jobId, ms: RUN_MS }),
          })),
        }),
      );
      expect(sent.FailedEntryCount).toBe(0);
    }

    // Kill mid-hold: a job done (so others were held back behind the slots), both slots held
    // by runs in progress, the rest of the burst waiting.
    await eventually(
      async () => {
        const [done, held, runs] = [await completions(dynamodb), await holders(dynamodb, flowTable), await runsOf(dynamodb)];
        const now = Date.now();
        // Both runs in progress started late enough that neither can end before the kill.
        const running = runs.filter((r) => r.finishedAt === undefined);
        const farFromEnd = running.length === LIMIT && running.every((r) => now - r.startedAt < RUN_MS - KILL_MARGIN_MS);
        return done.size >= 1 && done.size <= JOBS.length - 4 && Object.keys(held).length === LIMIT && farFromEnd ? true : undefined;
      },
      60_000,
      'both slots held with jobs still waiting',
    );
    // The consumer logged the records it held back: the limit, not the event source, bounded the runs.
    expect(heldBackByKey(app.logs()).get('provider')).toBeGreaterThan(0);
    // Taken before the kill: a run that starts after it started in the restarted process.
    const killedAt = Date.now();
    await app.crash();
    // What the kill left: read before any lease ends (the earliest ends a run's timeout plus 10 s after it started).
    const leftHeld = await holders(dynamodb, flowTable);
    expect(Object.keys(leftHeld)).toHaveLength(LIMIT);
    const leasesEnd = Math.min(...Object.values(leftHeld));
    expect(leasesEnd).toBeGreaterThan(killedAt);

    const done = await eventually(
      async () => {
        const counts = await completions(dynamodb);
        return counts.size === JOBS.length ? counts : undefined;
      },
      90_000,
      'every job to complete after the restart',
    );
    // Settled: every message consumed, none dead-lettered (a hold is not a failure).
    const depths = await eventually(
      async () => {
        const now = await queueDepths(sqs);
        return [...now].every(([name, n]) => n === 0 || name.includes('DeadLetter')) ? now : undefined;
      },
      60_000,
      'the job queue to drain',
    );
    expect(depths.size).toBeGreaterThan(1);
    expect([...depths.values()].every((n) => n === 0)).toBe(true);

    // Nothing lost: every job completed; only those in an invocation at the kill may have completed twice.
    expect([...done.keys()].sort()).toEqual([...JOBS].sort());
    const twice = [...(await completions(dynamodb)).values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(INVOCATIONS);

    const runs = await runsOf(dynamodb);
    // The kill cut short at most the runs that held the slots.
    expect(runs.filter((r) => r.finishedAt === undefined).length).toBeLessThanOrEqual(LIMIT);
    expect(mostAtOnce(runs, killedAt)).toBeLessThanOrEqual(LIMIT);
    // The dead holders' slots outlived the process: nothing ran after the restart until a lease ended.
    const afterRestart = runs.filter((r) => r.startedAt > killedAt).map((r) => r.startedAt);
    expect(Math.min(...afterRestart)).toBeGreaterThanOrEqual(leasesEnd);

    // Their slots are free: no record in flight, and takers removed the ended leases.
    const report = flowControlReport({ items: (await scan(dynamodb, flowTable)) as FlowControlItem[], declared: [], now: Date.now() });
    expect(report.keys.map((k) => k.inFlight?.count)).toEqual([0]);
    const stillListed = Object.keys(await holders(dynamodb, flowTable)).filter((holder) => holder in leftHeld);
    expect(stillListed).toEqual([]);
  }, 240_000);
});
