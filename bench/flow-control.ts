/**
 * Issue 21's flow-control figures (`npm run bench:flow-control`), from the kit's real controls
 * (lambdas/kit/flow-control) against the local runtime's DynamoDB (DynamoDbHost: the engine in a
 * worker thread, as `npm start` runs it):
 * - rate limit and token budget over 10 simulated minutes of bursts at twice the limit: the
 *   most any 60 s window let through (sliding: from every start on; aligned: the minutes of
 *   the clock) and the throughput against the limit;
 * - debounce: 1,000 updates to 10 keys inside the period run 10 times, each its key's last;
 * - overhead per event of each control, uncontended, in real time: DynamoDB reads and writes,
 *   and the latency the control adds (p50 / p99).
 * Prints tables and exits 1 if a target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { acquireSlot, releaseSlot } from '../lambdas/kit/flow-control/concurrency.js';
import { debounce, debounceSeq } from '../lambdas/kit/flow-control/debounce.js';
import { FlowGate } from '../lambdas/kit/flow-control/gate.js';
import { pausedUntil } from '../lambdas/kit/flow-control/pause.js';
import { takeStart } from '../lambdas/kit/flow-control/rate-limit.js';
import type { FlowControlStore } from '../lambdas/kit/flow-control/store.js';
import { TokenBudget } from '../lambdas/kit/flow-control/token-budget.js';
import { DynamoDbHost } from '../local/dynamodb/dynamodb-host.js';
import { debounceScenario, type LimitResult, rateLimitScenario, tokenBudgetScenario } from './flow-control-scenarios.js';
import { percentile } from './stats.js';

const region = 'us-east-1';
const OVERHEAD_EVENTS = Number(process.env.BENCH_EVENTS ?? 500);
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** Counts the DynamoDB requests the client sends, writes and reads apart. */
function counted(client: DynamoDBClient): { writes: number; reads: number } {
  const counts = { writes: 0, reads: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITES.has(context.commandName ?? '')) counts.writes++;
      else if (context.commandName === 'GetItemCommand') counts.reads++;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  return counts;
}

let tables = 0;
async function table(client: DynamoDBClient): Promise<string> {
  const name = `flow-control-${++tables}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // DynamoDB answers CreateTable with the table CREATING and refuses its items until ACTIVE (the local engine creates it ACTIVE).
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`bench: table ${name} did not become ACTIVE within 2 s`);
}

interface Overhead {
  readonly control: string;
  readonly writes: number;
  readonly reads: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * Runs `perEvent` for OVERHEAD_EVENTS events one after another (after 20 unmeasured); its
 * requests and latency per event. `setup` prepares an event outside what is measured.
 */
async function overhead(
  control: string,
  counts: { writes: number; reads: number },
  perEvent: (i: number) => Promise<unknown>,
  setup?: (i: number) => Promise<unknown>,
): Promise<Overhead> {
  const latencies: number[] = [];
  let writes = 0;
  let reads = 0;
  for (let i = -20; i < OVERHEAD_EVENTS; i++) {
    await setup?.(i);
    const before = { ...counts };
    const started = performance.now();
    await perEvent(i);
    if (i < 0) continue;
    latencies.push(performance.now() - started);
    writes += counts.writes - before.writes;
    reads += counts.reads - before.reads;
  }
  return {
    control,
    writes: writes / OVERHEAD_EVENTS,
    reads: reads / OVERHEAD_EVENTS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

function record(i: number): SQSRecord {
  return {
    messageId: `m-${i}`,
    receiptHandle: 'r',
    body: '{}',
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
    awsRegion: region,
  };
}

async function overheads(client: DynamoDBClient, counts: { writes: number; reads: number }): Promise<Overhead[]> {
  const store: FlowControlStore = { client, tableName: await table(client) };
  const flow = 'overhead';
  // Ten keys, so each rate log holds what a limit of 1,000 a minute keeps at this pace (about 50 starts).
  const key = (i: number) => `tenant-${((i % 10) + 10) % 10}`;
  const budget = new TokenBudget({ client, tableName: store.tableName });
  const superseding = (i: number) => ({ flow, key: `sup-${i}`, sentAtMs: Date.now(), periodMs: 60_000, maxWaitMs: 60_000, keepMs: 60_000 });
  const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });
  const gate = new FlowGate(store, {
    flow: 'gate',
    key: { path: '$.detail.tenantId' },
    concurrency: { limit: 10, leaseMarginSeconds: 30 },
    rateLimit: { limit: 1_000, periodSeconds: 60 },
    pauseOnThrottle: { defaultSeconds: 10, maxSeconds: 60 },
  });
  return [
    await overhead('concurrency: take a slot, release it (limit 10)', counts, async (i) => {
      const lease = await acquireSlot(store, { flow, key: key(i), limit: 10, holder: `h-${i}`, leaseUntilMs: Date.now() + 60_000 });
      if (lease === undefined) throw new Error('bench: a free slot was refused');
      await releaseSlot(store, lease);
    }),
    await overhead('rate limit: one start (1,000 a minute)', counts, async (i) => {
      const start = await takeStart(store, { flow, key: key(i), limit: 1_000, periodMs: 60_000 });
      if (!start.allowed) throw new Error('bench: a start under the limit was refused');
    }),
    await overhead('debounce: a record that runs (its burst of one)', counts, async (i) => {
      const decision = await debounce(store, {
        flow,
        key: `doc-${i}`,
        seq: debounceSeq(Date.now() - 1, `m-${i}`),
        sentAtMs: Date.now() - 1,
        periodMs: 0,
        maxWaitMs: 0,
        keepMs: 60_000,
      });
      if (decision.kind !== 'run') throw new Error(`bench: a record alone in its burst was ${decision.kind}`);
    }),
    await overhead(
      'debounce: a record superseded (a later one seen)',
      counts,
      async (i) => {
        const decision = await debounce(store, { ...superseding(i), seq: debounceSeq(Date.now(), `m-${i}`) });
        if (decision.kind !== 'superseded') throw new Error(`bench: an earlier record was ${decision.kind}`);
      },
      (i) => debounce(store, { ...superseding(i), seq: debounceSeq(Date.now() + 60_000, `m-${i}-later`) }),
    ),
    await overhead('pause: is the key paused (not paused)', counts, async (i) => {
      if ((await pausedUntil(store, { flow, key: key(i) })) !== undefined) throw new Error('bench: an unpaused key is paused');
    }),
    // Ten keys as for the rate limit: each minute log holds about 50 calls at this pace.
    await overhead('token budget: reserve and settle (minute and day)', counts, async (i) => {
      const reservation = await budget.reserve([{ scope: 'model', key: key(i), limits: { perMinute: 1e12, perDay: 1e15 } }], 1_000);
      await budget.settle(reservation, 800);
    }),
    await overhead('FlowGate: concurrency + rate + pause, enter and leave', counts, async (i) => {
      const pass = await gate.enter(record(i), { detail: { tenantId: key(i) } }, 30_000);
      if (pass.kind !== 'run') throw new Error('bench: the gate superseded a record');
      await pass.leave(logger);
    }),
  ];
}

function limitRows(name: string, unit: string, result: LimitResult, missed: string[]): string[] {
  const ratio = result.throughputPerMinute / result.limit;
  if (result.worstSliding > result.limit) missed.push(`${name}: a 60 s window held ${result.worstSliding} ${unit} (limit ${result.limit})`);
  if (result.worstAligned > result.limit)
    missed.push(`${name}: a clock minute held ${result.worstAligned} ${unit} (limit ${result.limit})`);
  if (Math.abs(1 - ratio) > 0.1) missed.push(`${name}: throughput ${(ratio * 100).toFixed(1)}% of the limit`);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  return [
    `| ${name} | ${fmt(result.limit)} ${unit}/min | ${fmt(result.demandPerMinute)}/min | ${fmt(result.worstSliding)} | ${fmt(result.worstAligned)} | ${fmt(result.throughputPerMinute)}/min (${(ratio * 100).toFixed(1)}%) |`,
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-flow-bench-'));
  const host = await DynamoDbHost.start({ folder });
  const client = new DynamoDBClient({ endpoint: host.url, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const counts = counted(client);
  const missed: string[] = [];
  try {
    const rate = await rateLimitScenario(client, await table(client));
    const tokens = await tokenBudgetScenario(client, await table(client));
    const debounced = await debounceScenario(client, await table(client));
    const costs = await overheads(client, counts);

    console.log(`\nFlow control benchmark (${cpus().length} cores, Node ${process.versions.node}), the local runtime's DynamoDB\n`);
    console.log(
      '10 simulated minutes of bursts every 20 s, twice the limit on average, 10 consumers; a held-back record waits the retry-after it was given.\n',
    );
    console.log(
      '| control | limit | demand | worst 60 s window (sliding) | worst clock minute | throughput (target: within 10% of the limit) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const row of limitRows('rate limit (sliding log)', 'starts', rate, missed)) console.log(row);
    for (const row of limitRows('token budget (sliding log)', 'tokens', tokens, missed)) console.log(row);

    let runs = 0;
    let lastPayloads = 0;
    for (const [key, last] of debounced.last) {
      const ran = debounced.runs.get(key) ?? [];
      runs += ran.length;
      if (ran.length === 1 && ran[0] === last) lastPayloads++;
    }
    if (runs !== debounced.keys) missed.push(`debounce: ${runs} runs for ${debounced.keys} keys`);
    if (lastPayloads !== debounced.keys) missed.push(`debounce: ${debounced.keys - lastPayloads} keys did not run their last update alone`);
    console.log(
      `\nDebounce: ${debounced.updates.toLocaleString('en-US')} updates to ${debounced.keys} keys over 30 s (period 60 s, delivered up to 2 s out of order): ${runs} runs (target ${debounced.keys}), ${lastPayloads} of ${debounced.keys} with their key's last payload, ${debounced.superseded} superseded, ${debounced.decisions} decisions (held-back records decide again)\n`,
    );

    console.log(`Overhead per event, ${OVERHEAD_EVENTS} events one after another, uncontended, real time:\n`);
    console.log('| control | DynamoDB writes | reads | added latency p50 | p99 |\n| --- | --- | --- | --- | --- |');
    for (const row of costs) {
      console.log(
        `| ${row.control} | ${row.writes.toFixed(2)} | ${row.reads.toFixed(2)} | ${row.p50.toFixed(1)} ms | ${row.p99.toFixed(1)} ms |`,
      );
    }
  } finally {
    client.destroy();
    await host.stop();
    rmSync(folder, { recursive: true, force: true });
  }
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s wall time)`);
  if (missed.length > 0) {
    console.log(`targets missed:\n- ${missed.join('\n- ')}`);
    process.exit(1);
  }
  console.log('all targets met');
  process.exit(0);
}

await main();
