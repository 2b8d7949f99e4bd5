/**
 * The local IAM check's cost (`npm run bench:iam`): one decision of the evaluator, first
 * asked (the policy simulator runs) and asked again (cached), over the consumer fixture's
 * roles and resources; and what `enforce` costs the pipeline: PutEvents -> rule -> queue ->
 * handler -> conditional writes, the same events with IAM `off` and `enforce`, alternated.
 * Target: under 5% lower throughput with `enforce` than with `off`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IamEvaluator } from '../local/iam/evaluator.js';
import type { IamRequest } from '../local/iam/types.js';
import { LocalRuntime } from '../local/runtime.js';
import { synthConsumerApp } from '../test/fixtures/consumer-app.js';
import { percentile } from './stats.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const account = '000000000000';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const TARGET_LOSS = 0.05;

/** p50 and p99 of decide() over the fixture's roles: each request first asked, then asked again. */
async function decisions(cdkOut: string): Promise<{ uncached: number[]; cached: number[] }> {
  const data = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-iam-'));
  const runtime = await LocalRuntime.start({ cdkOut, dataDir: data, port: 0, log: () => undefined, iam: 'off' });
  // The policies as the runtime loaded them; a fresh evaluator, so nothing is cached yet.
  const store = runtime.iam.store;
  await runtime.stop();
  rmSync(data, { recursive: true, force: true });
  const evaluator = new IamEvaluator(store, { accountId: account });
  const actions = ['dynamodb:PutItem', 'dynamodb:GetItem', 'sqs:SendMessage', 'sqs:DeleteMessage', 'events:PutEvents', 'kms:Decrypt'];
  const requests: IamRequest[] = [];
  for (const role of store.roles())
    for (const action of actions)
      for (let i = 0; i < 20; i++)
        requests.push({
          principal: { kind: 'role', roleArn: role.roleArn, sessionName: 'bench' },
          action,
          resource: `arn:aws:dynamodb:${region}:${account}:table/bench-${i}`,
        });
  const time = async (request: IamRequest) => {
    const started = performance.now();
    await evaluator.decide(request);
    return performance.now() - started;
  };
  const uncached: number[] = [];
  for (const request of requests) uncached.push(await time(request));
  const cached: number[] = [];
  for (const request of requests) cached.push(await time(request));
  return { uncached, cached };
}

async function handled(dynamodb: DynamoDBClient, ids: string[]): Promise<number> {
  let found = 0;
  for (let i = 0; i < ids.length; i += 100) {
    const keys = ids.slice(i, i + 100).map((ticketId) => ({ ticketId: { S: ticketId } }));
    let request: Record<string, { Keys: typeof keys }> | undefined = { 'fixture-effects': { Keys: keys } };
    while (request && Object.keys(request).length > 0) {
      const response = await dynamodb.send(new BatchGetItemCommand({ RequestItems: request }));
      found += response.Responses?.['fixture-effects']?.length ?? 0;
      request = response.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

/** Events per second from the first PutEvents to the last side effect, with IAM in `mode`. */
async function throughput(cdkOut: string, mode: 'off' | 'enforce', round: number): Promise<{ rate: number; findings: number }> {
  const data = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-iam-'));
  const runtime = await LocalRuntime.start({ cdkOut, dataDir: data, port: 0, log: () => undefined, iam: mode });
  const config = { endpoint: runtime.url, region, credentials };
  const events = new EventBridgeClient(config);
  const dynamodb = new DynamoDBClient(config);
  const ids = Array.from({ length: EVENTS }, (_, i) => `IAM-${mode}-${round}-${i}`);
  const started = performance.now();
  let cursor = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (cursor < ids.length) {
        const batch = ids.slice(cursor, cursor + 10);
        cursor += 10;
        const entries = batch.map((ticketId) => ({
          EventBusName: 'fixture-bus',
          Source: 'switchyard.helpdesk',
          DetailType: 'TicketCreated',
          Detail: JSON.stringify({ ticketId, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund the second charge.' }),
        }));
        const result = await events.send(new PutEventsCommand({ Entries: entries }));
        if (result.FailedEntryCount) throw new Error('PutEvents entries failed');
      }
    }),
  );
  const deadline = Date.now() + 300_000;
  while ((await handled(dynamodb, ids)) < ids.length) {
    if (Date.now() > deadline) throw new Error(`IAM ${mode}: not every event reached the handler in 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const findings = runtime.iam.findings().length;
  events.destroy();
  dynamodb.destroy();
  await runtime.stop();
  rmSync(data, { recursive: true, force: true });
  return { rate: EVENTS / seconds, findings };
}

async function main() {
  const fixture = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-iam-app-'));
  synthConsumerApp(fixture, { handlerTimeoutSeconds: 20 });
  const { uncached, cached } = await decisions(fixture);
  const rates: Record<'off' | 'enforce', number[]> = { off: [], enforce: [] };
  let findings = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternated, so a machine that slows down over the run slows both modes alike.
    for (const mode of round % 2 === 0 ? (['off', 'enforce'] as const) : (['enforce', 'off'] as const)) {
      const result = await throughput(fixture, mode, round);
      rates[mode].push(result.rate);
      findings += result.findings;
    }
  }
  rmSync(fixture, { recursive: true, force: true });
  const best = (values: number[]) => Math.max(...values);
  const loss = 1 - best(rates.enforce) / best(rates.off);
  const rows = [
    [`decide(), first asked (${uncached.length} requests), p50`, `${percentile(uncached, 50).toFixed(3)} ms`, ''],
    ['decide(), first asked, p99', `${percentile(uncached, 99).toFixed(3)} ms`, ''],
    ['decide(), asked again (cached), p50', `${percentile(cached, 50).toFixed(4)} ms`, ''],
    ['decide(), asked again (cached), p99', `${percentile(cached, 99).toFixed(4)} ms`, ''],
    [`throughput, IAM off, ${EVENTS} events (best of ${ROUNDS})`, `${best(rates.off).toFixed(0)} events/s`, ''],
    [`throughput, IAM enforce (best of ${ROUNDS})`, `${best(rates.enforce).toFixed(0)} events/s`, ''],
    ['throughput lost to enforce', `${(loss * 100).toFixed(1)} %`, `goal < ${TARGET_LOSS * 100} %`],
    ['requests refused under enforce (the fixture holds its grants)', String(findings), 'must be 0'],
  ];
  console.log(`\nIAM check benchmark (${cpus().length} cores, Node ${process.versions.node})\n`);
  console.log('| measure | result | note |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  const missed = loss >= TARGET_LOSS || findings > 0;
  if (missed) console.error(`bench:iam missed its target: ${(loss * 100).toFixed(1)} % lost, ${findings} refusals`);
  process.exit(missed ? 1 : 0);
}

await main();
