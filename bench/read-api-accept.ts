/**
 * Micro-benchmark of the read API's share of a bus accepting an event
 * (`npx node --import tsx bench/read-api-accept.ts`: the repo's Node, which has node:sqlite): the events module's
 * `records`, `eventRecorded` inside the bus's transaction, then `eventAccepted` once it commits, 10,000 times, with and without a
 * live-feed subscriber. In-memory SQLite, and process CPU time: the figure is the CPU cost, not the disk's.
 */

import type { ServerResponse } from 'node:http';
import { DatabaseSync } from 'node:sqlite';
import { PassThrough } from 'node:stream';
import type { AcceptedEventNote } from '../local/events/events-service.js';
import { eventsModule } from '../local/events/module.js';
import { ReadApi } from '../local/read-api/read-api.js';
import { acceptedEventNote } from '../test/helpers/accepted-event.js';

const ACCEPTS = Number(process.env.BENCH_ACCEPTS ?? 10_000);
const ROUNDS = 9;

/** An event with a detail of about 1 KB, as a ticket with a body and a few lines would have. */
function note(i: number): AcceptedEventNote {
  return acceptedEventNote(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, {
    ticketId: `T-${i}`,
    customerId: 'C-1',
    subject: 'Charged twice this month',
    body: 'My card was charged twice for the same invoice, please refund one. '.repeat(8),
    lines: Array.from({ length: 10 }, (_, n) => ({ sku: `SKU-${n}`, quantity: n, price: n * 1.5 })),
  });
}

function round(subscribed: boolean): number {
  const db = new DatabaseSync(':memory:');
  const records = eventsModule.records;
  if (records === undefined) throw new Error('the events module records nothing');
  const api = new ReadApi({ db, retention: { maxEvents: 1_000_000 }, records: [records] });
  if (subscribed) {
    // A subscriber that reads everything: what the console's live view costs.
    const sink = new PassThrough();
    sink.resume();
    Object.assign(sink, { writeHead: () => sink });
    api.feed.subscribe(sink as unknown as ServerResponse);
  }
  const notes = Array.from({ length: ACCEPTS }, (_, i) => note(i));
  // CPU time, not wall time: the machine is shared, and a busy neighbour stretches wall time, not this.
  const start = process.cpuUsage();
  for (const accepted of notes) {
    db.exec('BEGIN');
    api.record('eventRecorded', accepted);
    db.exec('COMMIT');
    api.record('eventAccepted', accepted);
  }
  const used = process.cpuUsage(start);
  const elapsed = (used.user + used.system) / 1000;
  api.close();
  db.close();
  return elapsed;
}

for (const subscribed of [false, true]) {
  round(subscribed); // warm-up
  const times = Array.from({ length: ROUNDS }, () => round(subscribed)).sort((a, b) => a - b);
  const median = times[Math.floor(ROUNDS / 2)] ?? Number.NaN;
  console.log(
    `${ACCEPTS} accepts, ${subscribed ? 'one live-feed subscriber' : 'no subscriber'}: CPU min ${(times[0] ?? Number.NaN).toFixed(0)} ms, median ${median.toFixed(0)} ms ` +
      `(${((median * 1000) / ACCEPTS).toFixed(1)} µs each; rounds ${times.map((t) => t.toFixed(0)).join(', ')} ms)`,
  );
}
