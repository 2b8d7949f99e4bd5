/**
 * Where a STANDARD execution's time goes (`node --import tsx bench/step-functions-standard.ts`):
 * runs only durable STANDARD executions of one of bench/step-functions.ts's definitions
 * (BENCH_SFN_CASE = pass | map | task; 10 at a time for BENCH_SFN_MS) and prints the
 * executions/s, the CPU per execution against the wall time (CPU well under the wall time
 * means waiting, not work), each SQLite statement's time and calls per execution, and the
 * commits' spread (a WAL checkpoint runs inside a commit and stalls the event loop).
 * BENCH_SFN_NO_CHECKPOINT=1 turns SQLite's automatic checkpoints off to show what they cost, and
 * prints the pages of log an execution wrote, by the table or index each page belongs to
 * (the log's frames written while measuring, each named by SQLite's dbstat; machine-independent);
 * BENCH_SFN_UNTIMED=1 leaves node:sqlite unwrapped (no statement table), so that a `--cpu-prof`
 * profile shows SQLite's time in the functions that call it, not in this file's wrapper;
 * BENCH_SFN_PROFILE=<file.cpuprofile> writes a CPU profile of the measured executions alone
 * (no start-up, no warm-up; `node scripts/profile-summary.mjs` reads it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import { lambdaIam } from '../local/lambda/iam-authorizations.js';
import { lambdaStepFunctions } from '../local/lambda/step-functions.js';
import { StatesService } from '../local/states/states-service.js';
import { openDatabase } from '../local/store/data-folder.js';
import { DEFINITIONS, INPUT } from './step-functions-definitions.js';
import { walEnd, walPagesByOwner } from './wal-pages.js';

const CASES: Record<string, string> = {
  pass: 'pass chain (10 states, Parameters/ResultPath)',
  map: 'choice + map over 10 items',
  task: 'task with retry (local handler)',
};
const which = process.env.BENCH_SFN_CASE ?? 'task';
const definition = DEFINITIONS[CASES[which] ?? ''];
if (!definition) throw new Error(`BENCH_SFN_CASE=${which} names no definition: use one of ${Object.keys(CASES).join(', ')}`);
const DURATION_MS = Number(process.env.BENCH_SFN_MS ?? 1500);

/** Time and calls per SQL text, from wrapping node:sqlite's statement and exec methods. */
const statements = new Map<string, { calls: number; ms: number }>();
const commits: number[] = [];
function timed<T>(key: string, work: () => T): T {
  const start = performance.now();
  try {
    return work();
  } finally {
    const ms = performance.now() - start;
    const entry = statements.get(key) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += ms;
    statements.set(key, entry);
    if (key === 'exec COMMIT') commits.push(ms);
  }
}
const untimed = process.env.BENCH_SFN_UNTIMED === '1';
for (const method of untimed ? [] : (['run', 'get', 'all'] as const)) {
  const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown;
  Object.defineProperty(StatementSync.prototype, method, {
    value(this: StatementSync, ...args: unknown[]) {
      return timed(`${method} ${this.sourceSQL.replace(/\s+/g, ' ').slice(0, 80)}`, () => original.apply(this, args));
    },
  });
}
const exec = DatabaseSync.prototype.exec;
if (!untimed) {
  DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
    return timed(`exec ${sql.replace(/\s+/g, ' ').slice(0, 40)}`, () => exec.call(this, sql));
  };
}

const classify = async () => ({ queue: 'billing', confidence: 0.9 });
const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-sfn-standard-'));
const db = openDatabase(path.join(folder, 'states.sqlite'));
if (process.env.BENCH_SFN_NO_CHECKPOINT === '1') db.exec('PRAGMA wal_autocheckpoint = 0');
const service = new StatesService({
  db,
  accountId: '000000000000',
  region: 'us-east-1',
  sleep: async () => undefined,
  integrations: [{ name: 'lambda', iam: lambdaIam, stepFunctions: lambdaStepFunctions }],
  services: { lambda: { invoke: async () => ({ ok: true, payload: JSON.stringify(await classify()), requestId: 'r' }) } },
});
await service.start();
const { stateMachineArn } = await service.CreateStateMachine({
  name: `standard-${which}`,
  definition: JSON.stringify(definition),
  roleArn: 'arn:aws:iam::000000000000:role/bench',
  type: 'STANDARD',
});
const signal = new AbortController().signal;
const run = async () => {
  const { executionArn } = await service.StartExecution({ stateMachineArn, input: JSON.stringify(INPUT) });
  const outcome = await service.executionOutcome(executionArn, signal);
  if (outcome.status !== 'SUCCEEDED') throw new Error(`${which}: ${JSON.stringify(outcome)}`);
};
for (let i = 0; i < 200; i++) await run(); // warm up
statements.clear();
commits.length = 0;
const profile = process.env.BENCH_SFN_PROFILE;
const inspector = profile ? new (await import('node:inspector/promises')).Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}
const walFile = path.join(folder, 'states.sqlite-wal');
const walAtStart = walEnd(walFile);
let count = 0;
const cpuBefore = process.cpuUsage();
const started = performance.now();
while (performance.now() < started + DURATION_MS) {
  await Promise.all(Array.from({ length: 10 }, run));
  count += 10;
}
const wall = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
if (inspector && profile) {
  const { profile: taken } = await inspector.post('Profiler.stop');
  (await import('node:fs')).writeFileSync(profile, JSON.stringify(taken));
  inspector.disconnect();
}
console.log(`\n${CASES[which]}, STANDARD: ${(count / (wall / 1000)).toFixed(0)} executions/s`);
console.log(`CPU ${(cpuMs / count).toFixed(3)} ms per execution, ${((cpuMs / wall) * 100).toFixed(0)}% of the wall time\n`);
console.log('| µs per execution | calls per execution | statement |\n| --- | --- | --- |');
for (const [sql, entry] of [...statements].sort((a, b) => b[1].ms - a[1].ms)) {
  if (entry.calls < count / 10) continue;
  console.log(`| ${((entry.ms / count) * 1000).toFixed(1)} | ${(entry.calls / count).toFixed(2)} | \`${sql}\` |`);
}
commits.sort((a, b) => a - b);
const at = (q: number) => (commits[Math.floor((commits.length - 1) * q)] ?? 0).toFixed(2);
const slowest = commits.slice(-5).reduce((sum, ms) => sum + ms, 0);
const total = commits.reduce((sum, ms) => sum + ms, 0);
console.log(
  `\ncommits: ${commits.length}, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms; all ${total.toFixed(0)} ms, the 5 slowest ${slowest.toFixed(0)} ms of it`,
);
const wal = (await import('node:fs')).statSync(path.join(folder, 'states.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0;
console.log(`WAL file: ${(wal / 1024 / 1024).toFixed(1)} MiB`);
if (process.env.BENCH_SFN_NO_CHECKPOINT === '1') printPagesByTable(walAtStart);
// What a row of history holds (its events' JSON and their payloads), the bytes its pages are made of.
const rows = db.prepare('SELECT AVG(length(events)) AS events, AVG(length(payloads)) AS payloads FROM sfn_event_groups').get() as {
  events: number;
  payloads: number | null;
};
console.log(`\nhistory row: ${rows.events.toFixed(0)} characters of events, ${(rows.payloads ?? 0).toFixed(0)} of payloads (average)`);

/** The log's frames from `from` on (no checkpoint has reset it), per execution, by what each page holds. */
function printPagesByTable(from: number): void {
  const { pages, byOwner } = walPagesByOwner(db, walFile, from);
  console.log(`\npages of log per execution: ${(pages / count).toFixed(2)}\n\n| pages | of |\n| --- | --- |`);
  for (const [owner, ownerPages] of [...byOwner].sort((a, b) => b[1] - a[1]))
    console.log(`| ${(ownerPages / count).toFixed(2)} | ${owner} |`);
}
await service.close();
db.close();
rmSync(folder, { recursive: true, force: true });
