/**
 * What the pipeline's SQLite commits cost the runtime's main thread, in CPU per event, measured
 * in this process (no functions, no HTTP), so that it holds on a busy machine where
 * bench:runtime's CPU split does not: an EventBridge rule's deliveries to a queue sent one
 * SendMessage each (a commit each) against the SendMessageBatch calls of ten that the target
 * outbox now makes, and the outbox's delivered rows deleted one commit each against one
 * transaction a turn. Each pair alternates, `BENCH_ROUNDS` times (median), on a data folder's
 * WAL databases as the runtime opens them.
 *
 *   BENCH_EVENTS=2000 BENCH_ROUNDS=5 node --import tsx bench/pipeline-commits.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SqsService } from '../local/sqs/sqs-service.js';
import { openDatabase } from '../local/store/data-folder.js';
import { inTransaction } from '../local/store/transaction.js';
import { systemClock } from '../local/time/clock.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const body = JSON.stringify({
  version: '0',
  id: '5e1d2b0c-8d7e-4c3a-9f4e-6a1b2c3d4e5f',
  'detail-type': 'TicketCreated',
  source: 'switchyard.helpdesk',
  account: '000000000000',
  time: '2026-11-27T23:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { ticketId: 'T-1', customerId: 'C-1', subject: 'Charged twice', body: 'Please refund the second charge.' },
});
const trace = {
  AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
};

/** CPU microseconds of this process spent in `work`. */
async function cpu(work: () => Promise<void> | void): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

async function sends(batched: boolean): Promise<number> {
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-commits-'));
  const db = openDatabase(path.join(folder, 'sqs.sqlite'));
  const sqs = new SqsService({ db, clock: systemClock, baseUrl: 'http://127.0.0.1:4566', accountId: '000000000000', region: 'us-east-1' });
  const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'bench' });
  const used = await cpu(async () => {
    for (let i = 0; i < EVENTS; i += 10) {
      const ids = Array.from({ length: 10 }, (_, j) => String(j));
      if (batched)
        await sqs.SendMessageBatch({ QueueUrl, Entries: ids.map((Id) => ({ Id, MessageBody: body, MessageSystemAttributes: trace })) });
      else for (const _ of ids) await sqs.SendMessage({ QueueUrl, MessageBody: body, MessageSystemAttributes: trace });
    }
  });
  sqs.close();
  db.close();
  rmSync(folder, { recursive: true, force: true });
  return used / EVENTS;
}

async function deletes(batched: boolean): Promise<number> {
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-commits-'));
  const db = openDatabase(path.join(folder, 'events.sqlite'));
  db.exec('CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event TEXT NOT NULL, next_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO deliveries (event, next_at) VALUES (?, 0)');
  inTransaction(db, () => {
    for (let i = 0; i < EVENTS; i++) insert.run(body);
  });
  const remove = db.prepare('DELETE FROM deliveries WHERE id = ?');
  const used = await cpu(() => {
    for (let id = 1; id <= EVENTS; id += 10) {
      if (batched)
        inTransaction(db, () => {
          for (let k = id; k < id + 10; k++) remove.run(k);
        });
      else for (let k = id; k < id + 10; k++) remove.run(k);
    }
  });
  db.close();
  rmSync(folder, { recursive: true, force: true });
  return used / EVENTS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const results: Record<string, number[]> = {
  'send, one commit each': [],
  'send, batches of 10': [],
  'delete, one commit each': [],
  'delete, a transaction of 10': [],
};
for (let round = 0; round < ROUNDS; round++) {
  results['send, one commit each']?.push(await sends(false));
  results['send, batches of 10']?.push(await sends(true));
  results['delete, one commit each']?.push(await deletes(false));
  results['delete, a transaction of 10']?.push(await deletes(true));
}
console.log(`\nPipeline commits, CPU per event (${EVENTS} events, median of ${ROUNDS} rounds)\n`);
console.log('| what | CPU per event |\n| --- | --- |');
for (const [what, values] of Object.entries(results)) console.log(`| ${what} | ${(median(values) / 1000).toFixed(3)} ms |`);
