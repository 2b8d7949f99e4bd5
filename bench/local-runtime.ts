/**
 * Local runtime benchmark (`npm run bench`): start-up time, sustained throughput of
 * PutEvents -> rule -> queue -> handler with an idempotent side effect, the latency from
 * an accepted PutEvents to the handler starting at a steady 200 events/s, and the
 * ceiling the local DynamoDB (the runtime's engine in its thread) sets for conditional writes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchGetItemCommand, CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDbHost } from '../local/dynamodb/dynamodb-host.js';
import { LocalRuntime } from '../local/runtime.js';
import { synthConsumerApp } from '../test/fixtures/consumer-app.js';

const root = path.join(import.meta.dirname, '..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const quiet = () => undefined;

const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const LATENCY_RATE = 200;
/** A rate well under the pipeline's throughput, to show the path itself without queueing. */
const LIGHT_RATE = 50;
const LATENCY_SECONDS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function entry(ticketId: string) {
  return {
    EventBusName: 'fixture-bus',
    Source: 'switchyard.helpdesk',
    DetailType: 'TicketCreated',
    Detail: JSON.stringify({ ticketId, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund the second charge.' }),
  };
}

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

async function waitForAll(dynamodb: DynamoDBClient, ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await effects(dynamodb, ids);
    if (found.size === ids.length) return found;
    if (Date.now() > deadline) throw new Error(`only ${found.size} of ${ids.length} events reached the handler`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
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

async function main() {
  const fixture = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-app-'));
  // A generous timeout: the benchmark loads the machine, and a timed-out handler would be retried.
  synthConsumerApp(fixture, { handlerTimeoutSeconds: 20 });

  const startup = await startupSeconds();
  const ceiling = await dynamodbCeiling();

  // Throughput: send as fast as the endpoint takes it, measure until the last side effect.
  const data = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-data-'));
  const runtime = await LocalRuntime.start({ cdkOut: fixture, dataDir: data, port: 0, log: quiet });
  const config = { endpoint: runtime.url, region, credentials };
  const events = new EventBridgeClient(config);
  const dynamodb = new DynamoDBClient(config);
  const ids = Array.from({ length: THROUGHPUT_EVENTS }, (_, i) => `TP-${i}`);
  const sendStarted = performance.now();
  const sendStartedAt = Date.now();
  let cursor = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (cursor < ids.length) {
        const batch = ids.slice(cursor, cursor + 10);
        cursor += 10;
        const result = await events.send(new PutEventsCommand({ Entries: batch.map(entry) }));
        if (result.FailedEntryCount) throw new Error('PutEvents entries failed');
      }
    }),
  );
  const sendSeconds = (performance.now() - sendStarted) / 1000;
  const processed = await waitForAll(dynamodb, ids, 300_000);
  const lastEffect = Math.max(...[...processed.values()].map((e) => e.startedAt));
  // Handlers stamp wall-clock times, so the span is measured on the wall clock too.
  const throughputSeconds = (lastEffect - sendStartedAt) / 1000;
  const duplicates = [...processed.values()].filter((e) => e.runs !== 1).length;

  // Latency at a steady rate: each event's handler start minus the time its PutEvents returned.
  const latency = async (rate: number, prefix: string) => {
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
    const seen = await waitForAll(dynamodb, ids, 120_000);
    return ids.map((id) => (seen.get(id)?.startedAt ?? Number.NaN) - (accepted.get(id) ?? Number.NaN));
  };
  const latencies = await latency(LATENCY_RATE, 'LAT');
  const unsaturated = await latency(LIGHT_RATE, 'LIGHT');
  await runtime.stop();
  rmSync(data, { recursive: true, force: true });
  rmSync(fixture, { recursive: true, force: true });

  const rows = [
    ['start-up, `npm start` with an existing build (median of 3)', `${percentile(startup, 50).toFixed(2)} s`, 'goal < 5 s'],
    [
      `throughput, ${THROUGHPUT_EVENTS} events, PutEvents -> handler side effect`,
      `${(THROUGHPUT_EVENTS / throughputSeconds).toFixed(0)} events/s`,
      'goal >= 1,000/s',
    ],
    ['  PutEvents accepted (8 clients, 10 entries a call)', `${(THROUGHPUT_EVENTS / sendSeconds).toFixed(0)} events/s`, ''],
    ['  side effects that ran more than once', String(duplicates), 'must be 0'],
    ['the local DynamoDB alone, conditional PutItem (16 clients)', `${ceiling.toFixed(0)} puts/s`, 'ceiling'],
    [`latency PutEvents accepted -> handler start at ${LATENCY_RATE}/s, p50`, `${percentile(latencies, 50).toFixed(1)} ms`, ''],
    [`latency PutEvents accepted -> handler start at ${LATENCY_RATE}/s, p99`, `${percentile(latencies, 99).toFixed(1)} ms`, 'goal < 25 ms'],
    [`latency at ${LIGHT_RATE}/s, p50`, `${percentile(unsaturated, 50).toFixed(1)} ms`, ''],
    [`latency at ${LIGHT_RATE}/s, p99`, `${percentile(unsaturated, 99).toFixed(1)} ms`, ''],
  ];
  console.log(`\nLocal runtime benchmark (${cpus().length} cores, Node ${process.versions.node})\n`);
  console.log('| measure | result | note |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

await main();
process.exit(0);
