/**
 * Micro-benchmark of the read API's retention trim at its limits (`npm run bench:read-api-trim`):
 * a ReadApiRecords with the default retention (10,000 events, 20 lineage nodes an event) filled
 * to it, then `trim()` after each further batch of writes, as a runtime that has run long enough
 * does every 200 writes. In-memory SQLite, and process CPU time: the figure is the CPU cost of a
 * trim, not the disk's.
 */

import { DatabaseSync } from 'node:sqlite';
import type { BusEventRecord } from '../clients/read-api-contract.js';
import { ReadApiRecords } from '../local/read-api/records.js';

const EVENTS = 10_000;
const NODES_PER_EVENT = 20;
const TRIMS = Number(process.env.BENCH_TRIMS ?? 50);

function event(i: number): BusEventRecord {
  const at = new Date(Date.now() - 60_000 + i).toISOString();
  return { id: `e-${i}`, bus: 'hub', source: 'probe', detailType: 'Probe', time: at, acceptedAt: at, detail: { i }, matched: [] };
}

function node(i: number) {
  return { kind: 'message' as const, id: `m-${i}`, segment: `s-${i}`, label: 'message', time: Date.now() - 60_000 + i };
}

const records = new ReadApiRecords(new DatabaseSync(':memory:'));
let n = 0;
let events = 0;
/** Adds what one trim period holds: 10 events and their nodes (200 writes counted). */
function period(): void {
  for (let e = 0; e < 10; e++) {
    records.addEvent(event(events++));
    for (let k = 0; k < NODES_PER_EVENT - 1; k++) records.putNode(node(n++), []);
  }
  records.flush();
}
while (events < EVENTS) period();
let cpu = 0;
for (let t = 0; t < TRIMS; t++) {
  period();
  const start = process.cpuUsage();
  records.trim();
  const used = process.cpuUsage(start);
  cpu += used.user + used.system;
}
console.log(
  `read API trim at the retention's limit (${EVENTS} events, ${EVENTS * NODES_PER_EVENT} nodes): ${(cpu / TRIMS / 1000).toFixed(2)} ms of CPU a trim (${TRIMS} trims)`,
);
