import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { synthConsumerApp } from '../test/fixtures/consumer-app.js';
import { engineWorkPerEvent } from './dynamodb-engine-work.js';
import { putEvents, startRuntime } from './runtime-process.js';
import { percentile } from './stats.js';
import { cpuBetween, THREAD_GROUPS, threadCpu } from './thread-cpu.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SPANS = process.env.SPANS !== 'off';
// Node flags for the runtimes' processes (BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof': a profile of each thread).
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [];
/**
 * A folder for `perf record -g` of each runtime's process during its measured events only
 * (`BENCH_PERF=/tmp/perf BENCH_NODE_FLAGS=--perf-basic-prof`: JavaScript frames named; perf and
 * the right to trace the process needed): `<round>-<column>.data`, read with
 * `perf script -F tid,ip,sym | node scripts/perf-stacks.mjs` (docs/benchmarks.md).
 */
const PERF = process.env.BENCH_PERF;
/** A checkout's runtime as one column: `<path>` or `<path>=<flags>`, its own Node flags after BENCH_NODE_FLAGS (one checkout can be paired with itself). */
const columns = process.argv.slice(2).map((arg) => {
  const [dir = arg, flags] = arg.split(/=(.*)/s);
  return { label: arg, dir: path.resolve(dir), flags: [...NODE_FLAGS, ...(flags ? flags.split(' ').filter(Boolean) : [])] };
});
const checkouts = [...new Set(columns.map((column) => column.dir))];
if (columns.length === 0) {
  throw new Error(
    "usage: bench/runtime-cpu-pairs.ts <checkout>[=<node flags>] ... (each with its node_modules; '/tmp/base=--min-semi-space-size=16': that checkout's runtime started with those flags)",
  );
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

/** Waits for every id's side effect; answers how many ran more than once. */
async function duplicatesOnceDone(dynamodb: DynamoDBClient, ids: readonly string[]): Promise<number> {
  let missing = [...ids];
  let duplicates = 0;
  const deadline = Date.now() + 600_000;
  while (missing.length > 0) {
    const keys = missing.slice(0, 100).map((ticketId) => ({ ticketId: { S: ticketId } }));
    const answer = await dynamodb.send(new BatchGetItemCommand({ RequestItems: { 'fixture-effects': { Keys: keys } } }));
    const found = new Set<string>();
    for (const item of answer.Responses?.['fixture-effects'] ?? []) {
      found.add(item.ticketId?.S ?? '');
      if (Number(item.runs?.N) > 1) duplicates++;
    }
    missing = missing.filter((id, i) => i >= 100 || !found.has(id));
    if (found.size < keys.length) {
      if (Date.now() > deadline) throw new Error(`only ${ids.length - missing.length} of ${ids.length} events reached the handler`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return duplicates;
}

/** One throughput run on a fresh runtime of `checkout`: CPU per event by thread group, and the runtime's own (all but the functions'). */
async function run(checkout: string, flags: readonly string[], cdkOut: string, prefix: string): Promise<Record<string, number>> {
  const runtime = await startRuntime(checkout, cdkOut, SPANS, flags);
  const config = { endpoint: runtime.url, region, credentials };
  const events = new EventBridgeClient(config);
  const dynamodb = new DynamoDBClient(config);
  try {
    const warmUp = Array.from({ length: 200 }, (_, i) => `${prefix}-WARM-${i}`);
    await putEvents(events, warmUp, 8);
    await duplicatesOnceDone(dynamodb, warmUp);
    const ids = Array.from({ length: EVENTS }, (_, i) => `${prefix}-${i}`);
    const perf =
      PERF === undefined ? undefined : await perfRecord(runtime.pid, path.join(PERF, `${prefix}-${path.basename(checkout)}.data`));
    const before = threadCpu(runtime.pid);
    const started = performance.now();
    await putEvents(events, ids, 8);
    const duplicates = await duplicatesOnceDone(dynamodb, ids);
    const cpu = cpuBetween(before, threadCpu(runtime.pid));
    await perf?.();
    const row: Record<string, number> = Object.fromEntries(THREAD_GROUPS.map((group) => [group, cpu[group] / EVENTS]));
    row["the runtime's own"] = THREAD_GROUPS.filter((group) => group !== 'functions').reduce((sum, group) => sum + (row[group] ?? 0), 0);
    row['events/s'] = EVENTS / ((performance.now() - started) / 1000);
    row.duplicates = duplicates;
    return row;
  } finally {
    events.destroy();
    dynamodb.destroy();
    await runtime.stop();
  }
}

/** Starts `perf record -g` on the process; answers how to stop it (and wait for its file). */
async function perfRecord(pid: number, file: string): Promise<() => Promise<void>> {
  mkdirSync(path.dirname(file), { recursive: true });
  const perf = spawn('perf', ['record', '-F', '499', '-g', '-p', String(pid), '-o', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  // perf attaches to every thread before it samples them.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return async () => {
    perf.kill('SIGINT');
    await exited;
  };
}

async function main() {
  const fixture = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-app-'));
  synthConsumerApp(fixture, { handlerTimeoutSeconds: 20 });
  const rows = new Map<string, Record<string, number>[]>(columns.map((column) => [column.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const column of round % 2 === 0 ? columns : [...columns].reverse()) {
      const row = await run(column.dir, column.flags, fixture, `R${round}`);
      rows.get(column.label)?.push(row);
      console.error(
        `round ${round + 1}, ${column.label}: ${Object.entries(row)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(', ')}`,
      );
    }
  }
  rmSync(fixture, { recursive: true, force: true });
  const engine = await engineWorkPerEvent(checkouts, 6);
  const spans = new Map<string, number>();
  for (const checkout of checkouts) {
    const { runtimeSpansCpuPerEvent } = (await import(
      path.join(checkout, 'bench/runtime-spans-cost.ts')
    )) as typeof import('./runtime-spans-cost.js');
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) samples.push(await runtimeSpansCpuPerEvent(EVENTS));
    spans.set(checkout, percentile(samples, 50) / 1000);
  }
  const median = (values: number[]) => percentile(values, 50);
  const measures = [...Object.keys(rows.get(columns[0]?.label as string)?.[0] ?? {})];
  console.log(`\nCPU per event in ms (median of ${ROUNDS}; runtimes ${SPANS ? 'with' : 'without'} their own spans)\n`);
  console.log(`| measure | ${columns.map((c) => c.label).join(' | ')} |\n| --- | ${columns.map(() => '---').join(' | ')} |`);
  for (const measure of measures) {
    console.log(
      `| ${measure} | ${columns.map((c) => median((rows.get(c.label) ?? []).map((row) => row[measure] ?? 0)).toFixed(3)).join(' | ')} |`,
    );
  }
  // Measured in this process, so per checkout, whatever flags a column gives its runtime.
  console.log(
    `| in this process: the DynamoDB engine's 3 requests | ${columns.map((c) => (engine.get(c.dir) ?? 0).toFixed(3)).join(' | ')} |`,
  );
  console.log(`| in this process: the runtime's spans alone | ${columns.map((c) => (spans.get(c.dir) ?? 0).toFixed(3)).join(' | ')} |`);
}

await main();
process.exit(0);
