/**
 * What a user of `switchyard dev` feels (`npm run bench:devloop`), on two apps: the scaffold
 * `npm create switchyard` makes from the packed tarballs, and the repository's reference app
 * (25 functions), at rest and under a CPU load the benchmark makes itself, side by side in one
 * report against issue 70's targets. Everything is wall clock taken from outside the dev
 * process, through public surfaces only: the files the benchmark edits, the AWS SDK against
 * dev's endpoint (Lambda ListFunctions and Invoke), the app's own `npx switchyard` commands.
 * An edit counts as done when an invocation runs the edited code; dev's output is read only to
 * know when its watcher runs and, for an edit with nothing in flight, when to send the event.
 *
 * How: each app's handler files get a probe (bench/devloop-apps.ts) that answers the
 * benchmark's own event with a marker string, and the first target's function an environment
 * variable; a handler edit changes the marker's one line, an infrastructure edit the
 * variable's value in the stack file. Measured per app, in each column (a load, 0 at rest):
 *   - `switchyard dev` to ready, cold (no .switchyard/) and warm (a restart with nothing changed);
 *   - a handler edit until the new code runs, while events flow (the function invoked every
 *     50 ms from the write; p50 and max; now and then another function), and with nothing in
 *     flight (no event until dev prints that the rebuilt code runs from the next invocation,
 *     then one: the write to its answer);
 *   - an infrastructure edit until it is in effect;
 *   - the first invocation after a start and after an edit, and a warm one;
 *   - the scaffold's `npx switchyard executions`, `failures`, `send` (its compiled CLI), once
 *     dev is idle again after the edits (its background type check ended; DevSession.settled).
 *
 *   npm run bench:devloop                 # both apps, at rest then under load 3
 *   BENCH_QUICK=1 npm run bench:devloop   # the same with small counts: the docs' run
 *
 * BENCH_APPS (scaffold,reference), BENCH_LOAD (the columns: processes spinning, 0 at rest;
 * 0,3), BENCH_LOAD_WARMUP_S (the load's run before its column, 20), BENCH_QUICK=1 (the counts
 * 3, 2, 1, 1, 3 below), BENCH_EDITS (handler edits while events flow, 10), BENCH_IDLE_EDITS
 * (with nothing in flight, 5), BENCH_INFRA_EDITS (3), BENCH_STARTS (warm starts, 3), BENCH_RUNS
 * (each command's runs and the warm invocations, 5), BENCH_PORT (dev's port; default a free
 * one), BENCH_TIMEOUT_S (one wait's limit, 600), BENCH_NO_BUILD=1 (pack pack/ as the last npm
 * run build left it), BENCH_KEEP=1 (keep the apps' folder), BENCH_STRICT=1 (exit 1 when a
 * target is missed; by default a missed target is reported and the exit code stays 0: targets
 * live in benchmarks, never as failures of CI).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { appEnv, removeNpxInstalls } from '../test/package/helpers.js';
import { type DevloopApp, type EditTarget, editHandler, editInfra, instrument, prepareReference, prepareScaffold } from './devloop-apps.js';
import { DevSession, killDevOnExit, sleep } from './devloop-dev.js';
import { readLoad, startLoad } from './devloop-load.js';
import { type Options, options } from './devloop-options.js';
import { appReport, type Column, columnTitle, emptyMeasured, type Measured, targetsTable, unjudged } from './devloop-report.js';

/**
 * A pause after each edit is in effect, before the next: a person reads the result before
 * saving again, and an edit made while dev still works on the last one measures the queue.
 */
const PAUSE_BETWEEN_EDITS_MS = 1000;

/**
 * The environment a user's shell has for the app: Node 24 first on PATH (as nvm puts it),
 * docs/getting-started.md's AWS_* exports (with `endpoint`, dev's), nothing of npm's.
 */
function userEnv(endpoint?: string): NodeJS.ProcessEnv {
  const env = appEnv({ AWS_DEFAULT_REGION: 'us-east-1', ...(endpoint === undefined ? {} : { AWS_ENDPOINT_URL: endpoint }) });
  // `npm run` put this repository's node_modules/.bin (and npm's node-gyp) on PATH: a user's shell has neither.
  env.PATH = (env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => !/node_modules[\\/]\.bin$|node-gyp-bin$/.test(entry))
    .join(path.delimiter);
  return env;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('bench:devloop: no free port');
  return address.port;
}

/** Each edit's target: the first most of the time, every third edit another in turn. */
function targetOf(app: DevloopApp, edit: number): EditTarget {
  const [first, ...others] = app.targets;
  if (others.length === 0 || edit % 3 !== 2) return first;
  return others[Math.floor(edit / 3) % others.length] ?? first;
}

/** The cold start: no .switchyard/, dev until ready, its first invocation, then warm ones. */
async function coldStart(app: DevloopApp, endpoint: string, env: NodeJS.ProcessEnv, opts: Options, measured: Measured) {
  rmSync(path.join(app.folder, '.switchyard'), { recursive: true, force: true });
  const dev = new DevSession(app, endpoint, env, opts);
  try {
    measured.coldStartMs = await dev.ready();
    measured.firstInvocationAfterColdMs = (await dev.invoke(app.targets[0])).ms;
    for (let run = 0; run < opts.runs; run++) measured.warmInvocationMs.push((await dev.invoke(app.targets[0])).ms);
    return dev;
  } catch (error) {
    await dev.stop();
    throw error;
  }
}

/** One column's run of an app: the markers of its edits start with `tag`, so that no two columns write the same. */
interface Run {
  readonly app: DevloopApp;
  readonly opts: Options;
  readonly tag: string;
  readonly measured: Measured;
  readonly log: (line: string) => void;
}

async function handlerEdits({ app, opts, tag, measured, log }: Run, dev: DevSession): Promise<void> {
  for (let edit = 0; edit < opts.edits; edit++) {
    const target = targetOf(app, edit);
    const marker = `${tag}-edit-${edit + 1}`;
    editHandler(target.file, marker);
    const written = performance.now();
    const result = await dev.until(
      `the edit of ${target.file} (${marker}) to run`,
      target,
      written,
      (answer) => answer.devloopEdit === marker,
    );
    const file = path.relative(app.folder, target.file);
    measured.handlerEdits.push({ file, ...result });
    log(`edit ${edit + 1}/${opts.edits} of ${file} ran after ${(result.ms / 1000).toFixed(2)} s`);
    await sleep(PAUSE_BETWEEN_EDITS_MS);
  }
}

/**
 * Handler edits of the first target with nothing in flight: no event from the write until dev
 * prints that the rebuilt code runs from the next invocation, then one (and more only if it
 * still ran the old code). Timed from the write to the answer running the edit.
 */
async function idleEdits({ app, opts, tag, measured, log }: Run, dev: DevSession): Promise<void> {
  const target = app.targets[0];
  for (let edit = 0; edit < opts.idleEdits; edit++) {
    const marker = `${tag}-idle-${edit + 1}`;
    const from = dev.printed();
    editHandler(target.file, marker);
    const written = performance.now();
    await dev.rebuilt(from);
    const result = await dev.until(
      `the edit of ${target.file} (${marker}) to run`,
      target,
      written,
      (answer) => answer.devloopEdit === marker,
    );
    measured.idleEditMs.push(result.ms);
    log(`edit ${edit + 1}/${opts.idleEdits} with nothing in flight ran after ${(result.ms / 1000).toFixed(2)} s`);
    await sleep(PAUSE_BETWEEN_EDITS_MS);
  }
}

async function infraEdits({ app, opts, tag, measured, log }: Run, dev: DevSession): Promise<void> {
  for (let edit = 0; edit < opts.infraEdits; edit++) {
    const marker = `${tag}-infra-${edit + 1}`;
    editInfra(app, marker);
    const written = performance.now();
    const result = await dev.until(
      `the environment edit in ${app.infraFile} (${marker}) to be in effect`,
      app.targets[0],
      written,
      (answer) => answer.devloopInfra === marker,
    );
    measured.infraEditMs.push(result.ms);
    log(`infrastructure edit ${edit + 1}/${opts.infraEdits} in effect after ${(result.ms / 1000).toFixed(2)} s`);
    await sleep(PAUSE_BETWEEN_EDITS_MS);
  }
}

/** The app's commands as a user types them (`npx switchyard ...`), `executions` through node_modules/.bin without npx, and npx alone. */
function commands(app: DevloopApp, env: NodeJS.ProcessEnv, opts: Options, measured: Measured): void {
  const timed = (command: string, args: readonly string[]): number => {
    const started = performance.now();
    const result = spawnSync(command, args, { cwd: app.folder, env, encoding: 'utf8', timeout: opts.timeoutMs });
    const ms = performance.now() - started;
    if (result.status !== 0) {
      throw new Error(`bench:devloop: ${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}${result.stderr}`);
    }
    return ms;
  };
  // Round-robin, so the machine's drift and the work a send starts fall on every command alike.
  for (let run = 0; run < opts.runs; run++) {
    for (const command of app.commands) {
      const samples = measured.commandMs.get(command.name) ?? [];
      samples.push(timed('npx', ['switchyard', ...command.args(run)]));
      measured.commandMs.set(command.name, samples);
    }
    if (app.commands.some((command) => command.name === 'executions')) {
      measured.directExecutionsMs.push(timed(path.join(app.folder, 'node_modules', '.bin', 'switchyard'), ['executions']));
      // What npx costs before any command of ours runs: the floor under every `npx switchyard` figure.
      measured.npxAloneMs.push(timed('npx', ['-c', 'true']));
    }
  }
}

/** Restarts with nothing changed: dev until ready and its first invocation, `starts` times. */
async function warmStarts(app: DevloopApp, endpoint: string, env: NodeJS.ProcessEnv, opts: Options, measured: Measured) {
  for (let start = 0; start < opts.starts; start++) {
    const dev = new DevSession(app, endpoint, env, opts);
    try {
      measured.warmStartMs.push(await dev.ready());
      measured.firstInvocationAfterWarmMs.push((await dev.invoke(app.targets[0])).ms);
    } finally {
      await dev.stop();
    }
  }
}

/** One column's figures for the app: a cold start, the edits, the commands, the warm starts. */
async function benchApp(run: Run): Promise<void> {
  const { app, opts, measured, log } = run;
  const port = opts.port === 0 ? await freePort() : opts.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const env = userEnv(endpoint);
  log(`switchyard dev in ${app.folder} on ${endpoint}`);
  const dev = await coldStart(app, endpoint, env, opts, measured);
  try {
    log(`ready (cold) in ${((measured.coldStartMs ?? 0) / 1000).toFixed(1)} s; ${opts.edits} handler edits`);
    // Untimed: a file saved before dev's watcher runs is picked up at the watcher's start, not as an edit.
    await dev.watching();
    await handlerEdits(run, dev);
    log(`${opts.idleEdits} handler edits with nothing in flight`);
    await idleEdits(run, dev);
    log(`${opts.infraEdits} infrastructure edits`);
    await infraEdits(run, dev);
    if (app.commands.length > 0) {
      const waited = await dev.settled();
      log(`commands, ${opts.runs} runs each (dev idle after ${(waited / 1000).toFixed(1)} s: its type check ended)`);
    }
    commands(app, env, opts, measured);
  } finally {
    await dev.stop();
  }
  log(`${opts.starts} warm starts`);
  await warmStarts(app, endpoint, env, opts, measured);
}

/**
 * The app in one column: `added` processes spinning (none at rest) from before the column's
 * warm-up until its end, the load average read through it.
 */
async function benchColumn(app: DevloopApp, opts: Options, added: number): Promise<Column> {
  const title = columnTitle(added);
  const log = (line: string) => console.log(`bench:devloop: ${app.name}, ${title}: ${line}`);
  const load = startLoad(added);
  try {
    if (added > 0) {
      log(`${added} processes spinning (pids ${load.pids.join(', ')}); ${opts.loadWarmupMs / 1000} s for the load average to follow`);
      await sleep(opts.loadWarmupMs);
    }
    const reading = readLoad();
    const measured = emptyMeasured();
    await benchApp({ app, opts, tag: added === 0 ? 'rest' : `load${added}`, measured, log });
    return { added, load: reading.stop(), measured };
  } finally {
    await load.stop();
  }
}

async function main(): Promise<number> {
  const opts = options();
  const work = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-devloop-'));
  const cleanUp = () => {
    if (opts.keep) {
      console.log(`bench:devloop: kept ${work}`);
      return;
    }
    rmSync(work, { recursive: true, force: true });
    removeNpxInstalls(work);
  };
  killDevOnExit(cleanUp);
  console.log(
    `bench:devloop: switchyard dev as a user feels it (${cpus().length} cores, Node ${process.versions.node}); apps: ${opts.apps.join(', ')}; columns: ${opts.loads.map(columnTitle).join(', ')}${opts.quick ? '; BENCH_QUICK=1' : ''}`,
  );
  console.log(`\nThe targets (issue 70):\n\n${targetsTable().join('\n')}\n`);
  // Each app's report as soon as it is measured: a failure in the next app loses nothing measured.
  const missed: string[] = [];
  try {
    for (const name of opts.apps) {
      console.log(`bench:devloop: preparing ${name}...`);
      const app = name === 'scaffold' ? prepareScaffold(work, userEnv(), opts.build) : prepareReference(work);
      instrument(app, 'edit-0', 'infra-0');
      const columns: Column[] = [];
      try {
        for (const added of opts.loads) columns.push(await benchColumn(app, opts, added));
      } finally {
        // The columns measured, even when a later one failed.
        const { lines, missed: appMissed } = appReport(app, columns);
        if (columns.length > 0) console.log(lines.join('\n'));
        missed.push(...appMissed);
      }
    }
  } finally {
    cleanUp();
  }
  const notJudged = unjudged(opts.apps, opts.loads);
  if (notJudged.length > 0) console.log(`\nbench:devloop: not judged in this run (its app or condition not run): ${notJudged.join('; ')}`);
  if (missed.length === 0) {
    console.log('\nbench:devloop: every target judged was met');
    return 0;
  }
  console.log(`\nbench:devloop: MISSED ${missed.length}: ${missed.join('; ')}`);
  // Targets are a benchmark's, never a failure of CI: only BENCH_STRICT=1 turns a miss into exit 1.
  return opts.strict ? 1 : 0;
}

process.exitCode = await main();
