/**
 * Local runtime benchmark (`npm run bench`): start-up time, sustained throughput of
 * PutEvents -> rule -> queue -> handler with an idempotent side effect (with the runtime's own
 * spans and without, and the CPU each of the runtime's threads spends per event), the latency
 * from an accepted PutEvents to the handler starting at a steady 200 events/s, and the
 * ceiling the local DynamoDB (the runtime's engine in its thread) sets for conditional writes.
 * The runtime runs in a process of its own (bench/local-runtime-host.ts), as `switchyard dev` does.
 *
 *   BENCH_EVENTS=5000 BENCH_ROUNDS=2 npm run bench:runtime
 *   BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench:runtime   # the runtime's main thread and DynamoDB engine's thread profiled
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetItemCommand, CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDbHost } from '../local/dynamodb/dynamodb-host.js';
import { synthConsumerApp } from '../test/fixtures/consumer-app.js';
import { entry, putEvents, type RuntimeProcess, startRuntime as startRuntimeOf } from './runtime-process.js';
import { runtimeSpansCpuPerEvent } from './runtime-spans-cost.js';
import { percentile } from './stats.js';
import { cpuBetween, THREAD_GROUPS, type ThreadGroup, threadCpu, threadsStarted } from './thread-cpu.js';

const root = path.join(import.meta.dirname, '..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const LATENCY_RATE = 200;
/** A rate well under the pipeline's throughput, to show the path itself without queueing. */
const LIGHT_RATE = 50;
const LATENCY_SECONDS = 10;
/** Throughput runs with the runtime's spans and as many without, alternating. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

async function effects(dynamodb: DynamoDBClient, ids: string[]): Promise<Map<string, { runs: number; startedAt: number }>> {
  const found = new Map<string, { runs: number; startedAt: number }>();
  for (let i = 0; i < ids.length; i += 100) {
    const keys = ids.slice(i, i + 100).map((ticketId) => ({ ticketId: { S: ticketId } }));
    let request: Record<string, { Keys: typeof keys }> | undefined = { 'fixture-effects': { Keys: keys } };
    while (request && Object.keys(request).length > 0) {
      const response = await dynamodb.send(new BatchGetItemCommand({ RequestItems: request }));
      for (const item of response.Responses?.['fixture-effects'] ?? []) {
        found.set(item.ticketId?.S ?? '', { runs: Number(item.runs?.N), startedAt: Number(item.startedAt?.N) });
      }
      request = response.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

/** Start-up of `npm start` with an existing build: process start until the endpoint listens. */
async function startupSeconds(): Promise<number[]> {
  if (!existsSync(path.join(root, 'cdk.out/manifest.json')))
    throw new Error('run npx cdk synth first (the benchmark measures start-up with an existing build)');
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const data = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-'));
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '--no-synth', '--port', '0', '--data', data], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('listening on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`runtime exited with ${code}`)));
    });
    samples.push((performance.now() - started) / 1000);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(data, { recursive: true, force: true });
  }
  return samples;
}

/**
 * Conditional puts per second straight into the local DynamoDB, at the address local functions use
 * (no endpoint hop, no Lambda, no queue): the pipeline's ceiling.
 */
async function dynamodbCeiling(): Promise<number> {
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-dynamodb-'));
  const host = await DynamoDbHost.start({ folder });
  const client = new DynamoDBClient({ endpoint: host.url, region, credentials });
  await client.send(
    new CreateTableCommand({
      TableName: 'bench',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const total = 3000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const id = `k${next++}`;
        await client.send(
          new PutItemCommand({
            TableName: 'bench',
            Item: { id: { S: id }, status: { S: 'INPROGRESS' } },
            ConditionExpression: 'attribute_not_exists(id)',
          }),
        );
      }
    }),
  );
  const rate = total / ((performance.now() - started) / 1000);
  client.destroy();
  await host.stop();
  rmSync(folder, { recursive: true, force: true });
  return rate;
}

/** The runtime in a process of its own (bench/local-runtime-host.ts), on a fresh data folder. */
function startRuntime(cdkOut: string, runtimeSpans: boolean, nodeFlags: readonly string[] = []): Promise<RuntimeProcess> {
  // Node flags for the runtime's process (`--cpu-prof --cpu-prof-dir=<dir>` profiles its main thread and the DynamoDB engine's).
  const envFlags = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [];
  return startRuntimeOf(root, cdkOut, runtimeSpans, [...envFlags, ...nodeFlags]);
}

/**
 * Waits until every id's side effect is in the table, asking for at most 100 missing ids per
 * poll (in the order they were sent), so that the waiting adds little to the load it measures.
 */
async function waitForEffects(dynamodb: DynamoDBClient, ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let missing = ids;
  while (missing.length > 0) {
    const found = await effects(dynamodb, missing.slice(0, 100));
    missing = missing.filter((id, i) => i >= 100 || !found.has(id));
    if (found.size === 100) continue;
    if (Date.now() > deadline) throw new Error(`only ${ids.length - missing.length} of ${ids.length} events reached the handler`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return effects(dynamodb, ids);
}

interface ThroughputRun {
  /** Records per invocation of the consumer (its REPORT lines in CloudWatch Logs): a function's CPU per event depends on it. */
  readonly batch: number;
  /** Function environments (worker threads) started during the run, after the warm-up: each a cold start. */
  readonly environmentsStarted: number;
  readonly eventsPerSecond: number;
  readonly acceptedPerSecond: number;
  readonly duplicates: number;
  /** CPU milliseconds per event, by the runtime's threads. */
  readonly cpuPerEvent: Record<ThreadGroup, number>;
}

/** Sends `THROUGHPUT_EVENTS` as fast as the endpoint takes them (after a warm-up that starts the function's environments) and measures until the last side effect. */
async function throughput(runtime: RuntimeProcess, prefix: string): Promise<ThroughputRun> {
  const config = { endpoint: runtime.url, region, credentials };
  const events = new EventBridgeClient(config);
  const dynamodb = new DynamoDBClient(config);
  const warmUp = Array.from({ length: 200 }, (_, i) => `${prefix}-WARM-${i}`);
  await putEvents(events, warmUp, 8);
  await waitForEffects(dynamodb, warmUp, 120_000);
  const ids = Array.from({ length: THROUGHPUT_EVENTS }, (_, i) => `${prefix}-${i}`);
  const cpuBefore = threadCpu(runtime.pid);
  const sendStarted = performance.now();
  const sendStartedAt = Date.now();
  await putEvents(events, ids, 8);
  const sendSeconds = (performance.now() - sendStarted) / 1000;
  const processed = await waitForEffects(dynamodb, ids, 300_000);
  const cpuAfter = threadCpu(runtime.pid);
  const cpu = cpuBetween(cpuBefore, cpuAfter);
  const lastEffect = Math.max(...[...processed.values()].map((e) => e.startedAt));
  const invocations = await invocationsSince(config, sendStartedAt);
  events.destroy();
  dynamodb.destroy();
  // Handlers stamp wall-clock times, so the span is measured on the wall clock too.
  return {
    batch: THROUGHPUT_EVENTS / invocations,
    environmentsStarted: threadsStarted(cpuBefore, cpuAfter, 'functions'),
    eventsPerSecond: THROUGHPUT_EVENTS / ((lastEffect - sendStartedAt) / 1000),
    acceptedPerSecond: THROUGHPUT_EVENTS / sendSeconds,
    duplicates: [...processed.values()].filter((e) => e.runs !== 1).length,
    cpuPerEvent: Object.fromEntries(THREAD_GROUPS.map((group) => [group, cpu[group] / THROUGHPUT_EVENTS])) as Record<ThreadGroup, number>,
  };
}

/** The consumer's invocations since `since` (epoch ms): its REPORT lines (`platform.report` records in JSON), as CloudWatch Logs keeps them. */
async function invocationsSince(
  config: NonNullable<ConstructorParameters<typeof CloudWatchLogsClient>[0]>,
  since: number,
): Promise<number> {
  const logs = new CloudWatchLogsClient(config);
  try {
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({}));
    const logGroupName = logGroups?.find((group) => group.logGroupName?.includes('Recorder'))?.logGroupName;
    if (logGroupName === undefined) throw new Error("the consumer's log group was not found");
    let count = 0;
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime: since,
          filterPattern: '?"REPORT RequestId" ?"platform.report"',
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      count += page.events?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    return count;
  } finally {
    logs.destroy();
  }
}

/** Latency at a steady rate: each event's handler start minus the time its PutEvents returned. */
async function latency(runtime: RuntimeProcess, rate: number, prefix: string): Promise<number[]> {
  const config = { endpoint: runtime.url, region, credentials };
  const events = new EventBridgeClient(config);
  const dynamodb = new DynamoDBClient(config);
  const ids = Array.from({ length: rate * LATENCY_SECONDS }, (_, i) => `${prefix}-${i}`);
  const accepted = new Map<string, number>();
  const interval = 1000 / rate;
  const begin = performance.now();
  await Promise.all(
    ids.map(async (id, i) => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, begin + i * interval - performance.now())));
      await events.send(new PutEventsCommand({ Entries: [entry(id)] }));
      accepted.set(id, Date.now());
    }),
  );
  const seen = await waitForEffects(dynamodb, ids, 120_000);
  events.destroy();
  dynamodb.destroy();
  return ids.map((id) => (seen.get(id)?.startedAt ?? Number.NaN) - (accepted.get(id) ?? Number.NaN));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2 : (sorted[Math.floor(middle)] ?? Number.NaN);
}

interface Rounds {
  readonly runs: Record<'on' | 'off', ThroughputRun[]>;
  /** One run each way with V8's work on the thread of the isolate it serves (ATTRIBUTED_FLAGS). */
  readonly attributed: Record<'on' | 'off', ThroughputRun[]>;
  /** At LATENCY_RATE and LIGHT_RATE, with the runtime's spans, after the last round's throughput. */
  readonly latencies: number[];
  readonly unsaturated: number[];
}

/** The same throughput with the runtime's spans and without, alternating, each on a fresh runtime. */
async function measureRounds(fixture: string): Promise<Rounds> {
  const runs = { on: [] as ThroughputRun[], off: [] as ThroughputRun[] };
  let latencies: number[] = [];
  let unsaturated: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Each round in the other order, so that neither setting always runs on the machine the other left behind.
    for (const spans of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const runtime = await startRuntime(fixture, spans === 'on');
      try {
        runs[spans].push(await throughput(runtime, `TP-${round}-${spans}`));
        if (spans === 'on' && round === ROUNDS - 1) {
          latencies = await latency(runtime, LATENCY_RATE, 'LAT');
          unsaturated = await latency(runtime, LIGHT_RATE, 'LIGHT');
        }
      } finally {
        await runtime.stop();
      }
      const run = runs[spans].at(-1) as ThroughputRun;
      console.error(
        `round ${round + 1}, runtime spans ${spans}: ${run.eventsPerSecond.toFixed(0)} events/s, accepted ${run.acceptedPerSecond.toFixed(0)}/s, ${run.batch.toFixed(1)} records an invocation, ${run.environmentsStarted} function environments started`,
      );
    }
  }
  const attributed = { on: [] as ThroughputRun[], off: [] as ThroughputRun[] };
  for (const spans of ['on', 'off'] as const) {
    const runtime = await startRuntime(fixture, spans === 'on', ATTRIBUTED_FLAGS);
    try {
      attributed[spans].push(await throughput(runtime, `ATTR-${spans}`));
    } finally {
      await runtime.stop();
    }
  }
  return { runs, latencies, unsaturated, attributed };
}

/**
 * V8's garbage collector and compilers run on threads the whole process shares: the function
 * environments' isolates (worker threads in the runtime's process) use them as much as the
 * runtime's own, so the "V8" group mixes the functions' cost into the runtime's. With
 * `--single-threaded` each isolate does that work on its own thread (the total CPU is about the
 * same), so the main thread and the DynamoDB engine's thread then hold the runtime's own.
 */
const ATTRIBUTED_FLAGS = ['--single-threaded'];
/** Every thread group but the functions': the runtime's own CPU (issue 70's measure). */
const RUNTIME_GROUPS = THREAD_GROUPS.filter((group) => group !== 'functions');
/** Issue 70's goal for the runtime's own CPU per event, in ms. */
const RUNTIME_CPU_GOAL_MS = 1.25;

/** The report's rows: each measure, its result and its goal or note. */
function reportRows(
  startup: number[],
  ceiling: number,
  spansAlone: number,
  { runs, latencies, unsaturated, attributed }: Rounds,
): string[][] {
  const both = (of: (run: ThroughputRun) => number, digits: number) =>
    `${median(runs.on.map(of)).toFixed(digits)} / ${median(runs.off.map(of)).toFixed(digits)}`;
  const rate = (spans: 'on' | 'off') => median(runs[spans].map((run) => run.eventsPerSecond));
  const range = (spans: 'on' | 'off') => runs[spans].map((run) => run.eventsPerSecond.toFixed(0)).join(', ');
  const cpu = (spans: 'on' | 'off', group: ThreadGroup) => median(runs[spans].map((run) => run.cpuPerEvent[group]));
  const totalCpu = (spans: 'on' | 'off') => THREAD_GROUPS.reduce((sum, group) => sum + cpu(spans, group), 0);
  const ownCpu = (from: Rounds['runs'], spans: 'on' | 'off') =>
    RUNTIME_GROUPS.reduce((sum, group) => sum + median(from[spans].map((run) => run.cpuPerEvent[group])), 0);
  const ownRow = (from: Rounds['runs']) => `${ownCpu(from, 'on').toFixed(2)} / ${ownCpu(from, 'off').toFixed(2)} ms`;
  const goal = (from: Rounds['runs']) =>
    `goal <= ${RUNTIME_CPU_GOAL_MS} ms with spans: ${ownCpu(from, 'on') <= RUNTIME_CPU_GOAL_MS ? 'met' : 'MISSED'}`;
  const attributedFunctions = `${median(attributed.on.map((run) => run.cpuPerEvent.functions)).toFixed(2)} / ${median(attributed.off.map((run) => run.cpuPerEvent.functions)).toFixed(2)} ms`;
  const duplicates = [...runs.on, ...runs.off].reduce((sum, run) => sum + run.duplicates, 0);
  return [
    ['start-up, `npm start` with an existing build (median of 3)', `${percentile(startup, 50).toFixed(2)} s`, 'goal < 5 s'],
    [
      `throughput, ${THROUGHPUT_EVENTS} events, PutEvents -> handler side effect (median of ${ROUNDS}: ${range('on')})`,
      `${rate('on').toFixed(0)} events/s`,
      'goal >= 1,000/s',
    ],
    [
      '  PutEvents accepted (8 clients, 10 entries a call; with spans / without)',
      `${both((run) => run.acceptedPerSecond, 0)} events/s`,
      '',
    ],
    ['  side effects that ran more than once (every run)', String(duplicates), 'must be 0'],
    ['  records per invocation of the consumer (with spans / without)', both((run) => run.batch, 1), 'batch size 10'],
    ['  function environments started during a run (with spans / without)', both((run) => run.environmentsStarted, 0), 'each a cold start'],
    [`  the same without the runtime's own spans (${range('off')})`, `${rate('off').toFixed(0)} events/s`, ''],
    ["  throughput the runtime's spans cost", `${((1 - rate('on') / rate('off')) * 100).toFixed(1)}%`, 'goal <= 5%'],
    ...THREAD_GROUPS.map((group) => [
      `  CPU per event: ${group} (with spans / without)`,
      `${cpu('on', group).toFixed(2)} / ${cpu('off', group).toFixed(2)} ms`,
      '',
    ]),
    [
      '  CPU per event, all of the runtime (with spans / without)',
      `${totalCpu('on').toFixed(2)} / ${totalCpu('off').toFixed(2)} ms`,
      `${cpus().length} cores: at most ${((cpus().length * 1000) / totalCpu('on')).toFixed(0)} events/s`,
    ],
    ["  CPU per event, the runtime's own: all but the functions' threads (with spans / without)", ownRow(runs), goal(runs)],
    [
      `  the same with V8's work on its isolate's thread (${ATTRIBUTED_FLAGS.join(' ')}, one run each; the functions' own ${attributedFunctions})`,
      ownRow(attributed),
      goal(attributed),
    ],
    [
      "  CPU per event, the runtime's spans alone (6 an event, made and kept)",
      `${(spansAlone / 1000).toFixed(2)} ms`,
      `${((100 * spansAlone) / 1000 / totalCpu('off')).toFixed(1)}% of the runtime's CPU without them`,
    ],
    ['the local DynamoDB alone, conditional PutItem (16 clients)', `${ceiling.toFixed(0)} puts/s`, 'ceiling'],
    [`latency PutEvents accepted -> handler start at ${LATENCY_RATE}/s, p50`, `${percentile(latencies, 50).toFixed(1)} ms`, ''],
    [`latency PutEvents accepted -> handler start at ${LATENCY_RATE}/s, p99`, `${percentile(latencies, 99).toFixed(1)} ms`, 'goal < 25 ms'],
    [`latency at ${LIGHT_RATE}/s, p50`, `${percentile(unsaturated, 50).toFixed(1)} ms`, ''],
    [`latency at ${LIGHT_RATE}/s, p99`, `${percentile(unsaturated, 99).toFixed(1)} ms`, ''],
  ];
}

async function main() {
  const fixture = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-app-'));
  // A generous timeout: the benchmark loads the machine, and a timed-out handler would be retried.
  synthConsumerApp(fixture, { handlerTimeoutSeconds: 20 });
  const startup = await startupSeconds();
  const ceiling = await dynamodbCeiling();
  const spansAlone = await runtimeSpansCpuPerEvent(THROUGHPUT_EVENTS);
  const rounds = await measureRounds(fixture);
  rmSync(fixture, { recursive: true, force: true });
  console.log(`\nLocal runtime benchmark (${cpus().length} cores, Node ${process.versions.node})\n`);
  console.log('| measure | result | note |\n| --- | --- | --- |');
  for (const row of reportRows(startup, ceiling, spansAlone, rounds)) console.log(`| ${row.join(' | ')} |`);
}

await main();
process.exit(0);
