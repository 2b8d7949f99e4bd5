/**
 * What a user of `switchyard dev` feels (`npm run bench:devloop`), on two apps: the scaffold
 * `npm create switchyard` makes from the packed tarballs, and the repository's reference app
 * (25 functions). Everything is wall clock taken from outside the dev process, through public
 * surfaces only: the files the benchmark edits, the AWS SDK against dev's endpoint (Lambda
 * ListFunctions and Invoke), the app's own `npx switchyard` commands. dev's printed lines are
 * not read: an edit counts as done when an invocation runs the edited code.
 *
 * How: each app's handler files get a probe (bench/devloop-apps.ts) that answers the
 * benchmark's own event with a marker string, and the first target's function an environment
 * variable; a handler edit changes the marker's one line, an infrastructure edit the
 * variable's value in the stack file. From the file's write, the function is invoked until it
 * answers with the new marker. Measured per app:
 *   - `switchyard dev` to ready (ListFunctions names the app's functions), cold (no
 *     .switchyard/) and warm (a restart with nothing changed);
 *   - a handler edit until the new code runs (p50 and max; now and then another function);
 *   - an infrastructure edit until it is in effect;
 *   - the first invocation after a start and after an edit, and a warm one;
 *   - the scaffold's `npx switchyard executions`, `failures`, `send` (its compiled CLI), once
 *     dev is idle again after the edits (its background type check ended; DevSession.settled).
 *
 *   npm run bench:devloop
 *   BENCH_APPS=scaffold BENCH_EDITS=3 BENCH_INFRA_EDITS=1 BENCH_STARTS=1 BENCH_RUNS=3 npm run bench:devloop   # a quick run
 *
 * BENCH_APPS (scaffold,reference), BENCH_EDITS (handler edits, 10), BENCH_INFRA_EDITS (3),
 * BENCH_STARTS (warm starts, 3), BENCH_RUNS (each command's runs and the warm invocations, 5),
 * BENCH_PORT (dev's port; default a free one), BENCH_TIMEOUT_S (one wait's limit, 600),
 * BENCH_NO_BUILD=1 (pack pack/ as the last npm run build left it), BENCH_KEEP=1 (keep the apps'
 * folder). Exits 1 when a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { appEnv, removeNpxInstalls } from '../test/package/helpers.js';
import { type DevloopApp, type EditTarget, editHandler, editInfra, instrument, prepareReference, prepareScaffold } from './devloop-apps.js';
import { DevSession, killDevOnExit, sleep } from './devloop-dev.js';
import { type Measured, report } from './devloop-report.js';

const APPS = ['scaffold', 'reference'] as const;

/** The options, from the environment, checked. */
function options() {
  const count = (name: string, fallback: number, min = 1): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: expected a whole number of at least ${min}`);
    return value;
  };
  const apps = (process.env.BENCH_APPS ?? APPS.join(',')).split(',').map((name) => name.trim());
  for (const name of apps) {
    if (!(APPS as readonly string[]).includes(name)) throw new Error(`BENCH_APPS: unknown app "${name}"; the apps are ${APPS.join(', ')}`);
  }
  return {
    apps: apps as (typeof APPS)[number][],
    edits: count('BENCH_EDITS', 10),
    infraEdits: count('BENCH_INFRA_EDITS', 3, 0),
    starts: count('BENCH_STARTS', 3),
    runs: count('BENCH_RUNS', 5),
    port: count('BENCH_PORT', 0, 0),
    timeoutMs: count('BENCH_TIMEOUT_S', 600) * 1000,
    build: process.env.BENCH_NO_BUILD !== '1',
    keep: process.env.BENCH_KEEP === '1',
  };
}
type Options = ReturnType<typeof options>;

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

async function handlerEdits(app: DevloopApp, dev: DevSession, opts: Options, measured: Measured): Promise<void> {
  for (let edit = 0; edit < opts.edits; edit++) {
    const target = targetOf(app, edit);
    const marker = `edit-${edit + 1}`;
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
    console.log(`bench:devloop: ${app.name}: edit ${edit + 1}/${opts.edits} of ${file} ran after ${(result.ms / 1000).toFixed(2)} s`);
    await sleep(PAUSE_BETWEEN_EDITS_MS);
  }
}

async function infraEdits(app: DevloopApp, dev: DevSession, opts: Options, measured: Measured): Promise<void> {
  for (let edit = 0; edit < opts.infraEdits; edit++) {
    const marker = `infra-${edit + 1}`;
    editInfra(app, marker);
    const written = performance.now();
    const result = await dev.until(
      `the environment edit in ${app.infraFile} (${marker}) to be in effect`,
      app.targets[0],
      written,
      (answer) => answer.devloopInfra === marker,
    );
    measured.infraEditMs.push(result.ms);
    console.log(
      `bench:devloop: ${app.name}: infrastructure edit ${edit + 1}/${opts.infraEdits} in effect after ${(result.ms / 1000).toFixed(2)} s`,
    );
    await sleep(PAUSE_BETWEEN_EDITS_MS);
  }
}

/** The app's commands as a user types them (`npx switchyard ...`), and `executions` through node_modules/.bin without npx. */
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

async function benchApp(app: DevloopApp, opts: Options): Promise<Measured> {
  const port = opts.port === 0 ? await freePort() : opts.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const env = userEnv(endpoint);
  const measured: Measured = {
    app,
    loadBefore: loadavg(),
    warmInvocationMs: [],
    handlerEdits: [],
    infraEditMs: [],
    commandMs: new Map(),
    directExecutionsMs: [],
    warmStartMs: [],
    firstInvocationAfterWarmMs: [],
  };
  instrument(app, 'edit-0', 'infra-0');
  console.log(`bench:devloop: ${app.name}: switchyard dev in ${app.folder} on ${endpoint}`);
  const dev = await coldStart(app, endpoint, env, opts, measured);
  try {
    console.log(
      `bench:devloop: ${app.name}: ready (cold) in ${((measured.coldStartMs ?? 0) / 1000).toFixed(1)} s; ${opts.edits} handler edits`,
    );
    await handlerEdits(app, dev, opts, measured);
    console.log(`bench:devloop: ${app.name}: ${opts.infraEdits} infrastructure edits`);
    await infraEdits(app, dev, opts, measured);
    if (app.commands.length > 0) {
      const waited = await dev.settled();
      console.log(
        `bench:devloop: ${app.name}: commands, ${opts.runs} runs each (dev idle after ${(waited / 1000).toFixed(1)} s: its type check ended)`,
      );
    }
    commands(app, env, opts, measured);
  } finally {
    await dev.stop();
  }
  console.log(`bench:devloop: ${app.name}: ${opts.starts} warm starts`);
  await warmStarts(app, endpoint, env, opts, measured);
  measured.loadAfter = loadavg();
  return measured;
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
    `bench:devloop: switchyard dev as a user feels it (${cpus().length} cores, Node ${process.versions.node}); apps: ${opts.apps.join(', ')}`,
  );
  // Each app's report as soon as it is measured: a failure in the next app loses nothing measured.
  const missed: string[] = [];
  try {
    for (const name of opts.apps) {
      console.log(`bench:devloop: preparing ${name}...`);
      const app = name === 'scaffold' ? prepareScaffold(work, userEnv(), opts.build) : prepareReference(work);
      missed.push(...report(await benchApp(app, opts), opts));
    }
  } finally {
    cleanUp();
  }
  if (missed.length > 0) {
    console.error(`bench:devloop: MISSED: ${missed.join('; ')}`);
    return 1;
  }
  console.log('bench:devloop: every target met');
  return 0;
}

process.exitCode = await main();
