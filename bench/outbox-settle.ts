/**
 * What a durable outbox (local/store/outbox.ts) costs the main thread to work through its rows,
 * in CPU per row, measured in this process on a data folder's WAL database as the runtime opens
 * it: BENCH_EVENTS rows of an event's size enqueued, then handled by a handler whose answers
 * come ten at a time, as the target outbox's deliveries to one queue are answered by one
 * SendMessageBatch (local/targets/coalesced-sends.ts). What it measures is the outbox's own
 * work: the claims, the settling of each row (its delete) and the wakes; the handler does
 * nothing else. Run it in two checkouts to compare them (the median of BENCH_ROUNDS rounds).
 *
 *   BENCH_EVENTS=3000 BENCH_ROUNDS=7 node --import tsx bench/outbox-settle.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openDatabase } from '../local/store/data-folder.js';
import { DurableOutbox, type OutboxOutcome } from '../local/store/outbox.js';
import { inTransaction } from '../local/store/transaction.js';
import { systemClock } from '../local/time/clock.js';
import { TICKET_CREATED_EVENT } from './sample-event.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** Rows answered together (a SendMessageBatch's ten). */
const ANSWERED_TOGETHER = 10;
const event = TICKET_CREATED_EVENT;

/** CPU microseconds per row of one outbox working through EVENTS rows. */
async function round(): Promise<number> {
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-outbox-'));
  const db = openDatabase(path.join(folder, 'events.sqlite'));
  db.exec(`CREATE TABLE deliveries (id INTEGER PRIMARY KEY, event TEXT NOT NULL, next_at INTEGER NOT NULL);
    CREATE INDEX deliveries_due ON deliveries (next_at, id);`);
  // The rows answered in the next batch: each handler's answer waits for its batch, answered on the next turn.
  const batch: ((outcome: OutboxOutcome) => void)[] = [];
  const answer = () => {
    const answered = batch.splice(0, ANSWERED_TOGETHER);
    for (const resolve of answered) resolve({ kind: 'done' });
    if (batch.length > 0) setImmediate(answer);
  };
  const outbox = new DurableOutbox<{ id: number }>({
    db,
    clock: systemClock,
    table: { name: 'deliveries', id: 'id', dueAt: 'next_at' },
    handle: () =>
      new Promise((resolve) => {
        if (batch.push(resolve) === 1) setImmediate(answer);
      }),
    concurrency: 64,
    maxSleepMs: 60_000,
    onError: (error) => {
      throw error;
    },
  });
  inTransaction(db, () => {
    for (let i = 0; i < EVENTS; i++) outbox.enqueue({ event, next_at: 0 });
  });
  const before = process.cpuUsage();
  outbox.start();
  while ((db.prepare('SELECT COUNT(*) AS left FROM deliveries').get() as { left: number }).left > 0) await outbox.idle();
  const used = process.cpuUsage(before);
  await outbox.stop();
  db.close();
  rmSync(folder, { recursive: true, force: true });
  return (used.user + used.system) / EVENTS;
}

const samples: number[] = [];
for (let i = 0; i < ROUNDS; i++) samples.push(await round());
const sorted = [...samples].sort((a, b) => a - b);
console.log(
  `durable outbox, ${EVENTS} rows answered ${ANSWERED_TOGETHER} at a time: ${((sorted[Math.floor(ROUNDS / 2)] as number) / 1000).toFixed(4)} ms of CPU a row (median of ${ROUNDS}; ${sorted.map((us) => (us / 1000).toFixed(4)).join(', ')})`,
);
