/**
 * What the pipeline's SQLite commits cost the runtime's main thread, in CPU per event, measured
 * in this process (no functions, no HTTP), so that it holds on a busy machine where
 * bench:runtime's CPU split does not: an EventBridge rule's deliveries to a queue sent one
 * SendMessage each (a commit each) against the SendMessageBatch calls of ten that the target
 * outbox now makes, and the outbox's delivered rows deleted one commit each against one
 * transaction a turn; and the read API's lineage writes (a node and two edges an event, committed
 * together every 30 events as its 50 ms flush does at ~600 events/s) with the node indexes of
 * before issue 70's round (by id and by segment, both random keys) against without, in CPU and in
 * pages of log per event by table and index (bench/wal-pages.ts). Each pair alternates,
 * `BENCH_ROUNDS` times (median), on a data folder's WAL databases as the runtime opens them.
 *
 *   BENCH_EVENTS=2000 BENCH_ROUNDS=5 node --import tsx bench/pipeline-commits.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ReadApiRecords } from '../local/read-api/records.js';
import { SqsService } from '../local/sqs/sqs-service.js';
import { openDatabase } from '../local/store/data-folder.js';
import { inTransaction } from '../local/store/transaction.js';
import { systemClock } from '../local/time/clock.js';
import { TICKET_CREATED_EVENT } from './sample-event.js';
import { walEnd, walPagesByOwner } from './wal-pages.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const body = TICKET_CREATED_EVENT;
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

/** Events whose lineage the read API commits in one flush (its 50 ms at ~600 events/s). */
const LINEAGE_FLUSH = 30;
const segment = () => randomBytes(8).toString('hex');

/** The read API's lineage writes of EVENTS events: CPU µs an event, and the pages of log they took by owner. */
function lineage(oldIndexes: boolean): { cpu: number; pages: Map<string, number> } {
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-commits-'));
  const file = path.join(folder, 'read-api.sqlite');
  const db = openDatabase(file);
  // No checkpoint while measuring, so that every page written is still in the log to be counted.
  db.exec('PRAGMA wal_autocheckpoint = 0');
  const records = new ReadApiRecords(db);
  if (oldIndexes)
    db.exec(`CREATE INDEX lineage_nodes_by_id ON lineage_nodes (id); CREATE INDEX lineage_nodes_by_segment ON lineage_nodes (segment);`);
  const from = walEnd(`${file}-wal`);
  const used = Number(
    cpuSync(() => {
      for (let i = 0; i < EVENTS; i++) {
        const node = { kind: 'message' as const, id: randomUUID(), segment: segment(), label: 'queue', time: Date.now() };
        records.putNode(node, [segment(), segment()]);
        if (i % LINEAGE_FLUSH === LINEAGE_FLUSH - 1) records.flush();
      }
      records.flush();
    }),
  );
  const { byOwner } = walPagesByOwner(db, `${file}-wal`, from);
  records.close();
  db.close();
  rmSync(folder, { recursive: true, force: true });
  return { cpu: used / EVENTS, pages: byOwner };
}

function cpuSync(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const results: Record<string, number[]> = {
  'send, one commit each': [],
  'send, batches of 10': [],
  'delete, one commit each': [],
  'delete, a transaction of 10': [],
  'lineage, with the node indexes by id and segment': [],
  'lineage, without them': [],
};
const lineagePages: Record<string, Map<string, number>> = {};
for (let round = 0; round < ROUNDS; round++) {
  results['send, one commit each']?.push(await sends(false));
  results['send, batches of 10']?.push(await sends(true));
  results['delete, one commit each']?.push(await deletes(false));
  results['delete, a transaction of 10']?.push(await deletes(true));
  for (const [what, oldIndexes] of [
    ['lineage, with the node indexes by id and segment', true],
    ['lineage, without them', false],
  ] as const) {
    const { cpu: used, pages } = lineage(oldIndexes);
    results[what]?.push(used);
    lineagePages[what] = pages;
  }
}
console.log(`\nPipeline commits, CPU per event (${EVENTS} events, median of ${ROUNDS} rounds)\n`);
console.log('| what | CPU per event |\n| --- | --- |');
for (const [what, values] of Object.entries(results)) console.log(`| ${what} | ${(median(values) / 1000).toFixed(3)} ms |`);
for (const [what, byOwner] of Object.entries(lineagePages)) {
  const all = [...byOwner.values()].reduce((sum, pages) => sum + pages, 0);
  console.log(`\n${what}: ${(all / EVENTS).toFixed(2)} pages of log per event (the last round)\n\n| pages | of |\n| --- | --- |`);
  for (const [owner, pages] of [...byOwner].sort((a, b) => b[1] - a[1])) console.log(`| ${(pages / EVENTS).toFixed(2)} | ${owner} |`);
}
