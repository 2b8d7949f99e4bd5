import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDevServer } from '../../cli/dev/server.js';
import { StandbySynth, synthesizeWithStandby } from '../../cli/dev/standby.js';
import { SynthError, type SynthState, synthesize } from '../../cli/dev/synth.js';
import { processReaped, processRuns } from '../helpers/processes.js';
import { useTempFolders } from '../helpers/temp-folders.js';
import { standInLauncher } from './dev-stand-in.js';

const { withFiles: project } = useTempFolders('switchyard-dev-standby-');

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/**
 * An app whose process imports a package of its node_modules (which writes its process id into
 * dep.log as it loads) and its stack module, and writes both into its assembly's manifest.
 */
function app(): string {
  return project({
    'cdk.json': JSON.stringify({ app: `"${process.execPath}" app.mjs` }),
    'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'index.js' }),
    'node_modules/dep/index.js': `require('node:fs').appendFileSync('dep.log', process.pid + '\\n');
module.exports = { name: 'dep' };`,
    'lib/stack.mjs': 'export const stack = 1;\n',
    'app.mjs': `import { mkdirSync, writeFileSync } from 'node:fs';
import dep from 'dep';
import { stack } from './lib/stack.mjs';
mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ pid: process.pid, stack, dep: dep.name, stage: process.env.STAGE ?? null }));`,
  });
}

const appOf = (root: string) => ({ root, app: `"${process.execPath}" app.mjs`, context: {} });
const outdirOf = (root: string) => path.join(root, '.switchyard', 'cdk.out');
const stateOf = (root: string): SynthState => ({
  scratch: path.join(root, '.switchyard', 'tmp'),
  bundleCache: path.join(root, '.switchyard', 'bundle-cache'),
});
const manifest = (root: string) => JSON.parse(readFileSync(path.join(outdirOf(root), 'manifest.json'), 'utf8'));
/** The processes that loaded dep, in order. */
const loads = (root: string) =>
  existsSync(path.join(root, 'dep.log')) ? readFileSync(path.join(root, 'dep.log'), 'utf8').trim().split('\n').map(Number) : [];

/** The `held` file a standby's process writes in its records folder when it pauses for a hold. */
function heldFile(root: string): string | undefined {
  const scratch = stateOf(root).scratch;
  if (!existsSync(scratch)) return undefined;
  return readdirSync(scratch)
    .map((folder) => path.join(scratch, folder, 'held'))
    .find((file) => existsSync(file));
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(done()).toBe(true);
}

/** The app synthesized once, and a standby started from its record, loaded ahead (dep.log names it) and waiting. */
async function waitingStandby(root: string): Promise<{ standby: StandbySynth; pid: number }> {
  const { record } = await synthesize(appOf(root), outdirOf(root), stateOf(root));
  const standby = StandbySynth.start(appOf(root), outdirOf(root), stateOf(root), record);
  if (standby === undefined) throw new Error('no standby for a Node app with a complete record');
  await until(() => loads(root).length === 2);
  return { standby, pid: loads(root)[1] ?? 0 };
}

describe('StandbySynth', () => {
  it("synthesizes an edit made while it waits: its process loaded the dependencies ahead, the edited stack runs, and the record names what a fresh synthesis's names", async () => {
    const root = app();
    const { standby, pid } = await waitingStandby(root);
    // Waiting: the app's own code has not run (its assembly is still the first synthesis's).
    expect(manifest(root).stack).toBe(1);
    writeFileSync(path.join(root, 'lib', 'stack.mjs'), 'export const stack = 2;\n');
    const served = await standby.take(appOf(root), outdirOf(root), stateOf(root));
    expect(served).toBeDefined();
    const { record } = (await served?.synthesis) ?? {};
    expect(manifest(root)).toEqual({ pid, stack: 2, dep: 'dep', stage: null });
    expect(loads(root)).toHaveLength(2);
    expect(record?.complete).toBe(true);
    expect(record?.preload).toEqual([path.join(root, 'node_modules', 'dep', 'index.js')]);
    const read = record?.read.map((stamp) => stamp.file) ?? [];
    expect(read).toEqual(expect.arrayContaining([path.join(root, 'node_modules', 'dep', 'index.js'), path.join(root, 'lib', 'stack.mjs')]));
    expect(processRuns(pid)).toBe(false);
  });

  it('stops the synthesis it went on with when the caller aborts, as a fresh synthesis is stopped', async () => {
    const root = app();
    const { standby, pid } = await waitingStandby(root);
    // The edited stack never ends: only the abort stops its synthesis.
    writeFileSync(
      path.join(root, 'lib', 'stack.mjs'),
      'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport const stack = 2;\n',
    );
    const abort = new AbortController();
    const synthesis = synthesizeWithStandby(standby, appOf(root), outdirOf(root), stateOf(root), abort.signal);
    abort.abort();
    await expect(synthesis).rejects.toThrow(SynthError);
    await until(() => !processRuns(pid));
  });

  it('is not used, and its processes are stopped, when the environment changed since it started', async () => {
    const root = app();
    const { standby, pid } = await waitingStandby(root);
    vi.stubEnv('STAGE', 'prod');
    expect(await standby.take(appOf(root), outdirOf(root), stateOf(root))).toBeUndefined();
    await until(() => !processRuns(pid));
    const fresh = await synthesize(appOf(root), outdirOf(root), stateOf(root));
    expect(fresh.cdkOut).toBe(outdirOf(root));
    expect(manifest(root).stage).toBe('prod');
  });

  it('is not used when a package it loaded ahead changed since the last synthesis (an install)', async () => {
    const root = app();
    const { standby, pid } = await waitingStandby(root);
    writeFileSync(path.join(root, 'node_modules', 'dep', 'index.js'), "module.exports = { name: 'dep 2' };\n");
    expect(await standby.take(appOf(root), outdirOf(root), stateOf(root))).toBeUndefined();
    await until(() => !processRuns(pid));
  });

  it('is not used when its process ended before the change', async () => {
    const root = app();
    const { standby, pid } = await waitingStandby(root);
    process.kill(pid, 'SIGKILL');
    await until(() => !processRuns(pid));
    // Its end is seen once the shell above it (this process's child) ends too and Node reaps it.
    await until(() => standby.pid === undefined || processReaped(standby.pid));
    expect(await standby.take(appOf(root), outdirOf(root), stateOf(root))).toBeUndefined();
  });

  it('loads nothing ahead while held (dev applies a handler edit), and loads once released', async () => {
    const root = app();
    const { record } = await synthesize(appOf(root), outdirOf(root), stateOf(root));
    const standby = StandbySynth.start(appOf(root), outdirOf(root), stateOf(root), record);
    if (standby === undefined) throw new Error('no standby for a Node app with a complete record');
    const release = standby.hold();
    // The standby's process says it paused (a `held` file in its records), before it loaded dep.
    await until(() => heldFile(root) !== undefined);
    expect(loads(root)).toHaveLength(1);
    release();
    await until(() => loads(root).length === 2);
    standby.dispose();
  });

  it('synthesizes an edit taken while held: the synthesis ends the hold', async () => {
    const root = app();
    const { record } = await synthesize(appOf(root), outdirOf(root), stateOf(root));
    const standby = StandbySynth.start(appOf(root), outdirOf(root), stateOf(root), record);
    if (standby === undefined) throw new Error('no standby for a Node app with a complete record');
    const release = standby.hold();
    await until(() => heldFile(root) !== undefined);
    writeFileSync(path.join(root, 'lib', 'stack.mjs'), 'export const stack = 2;\n');
    const served = await standby.take(appOf(root), outdirOf(root), stateOf(root));
    expect(served).toBeDefined();
    await served?.synthesis;
    expect(manifest(root)).toMatchObject({ stack: 2, dep: 'dep' });
    // Released after the take: nothing to do, and no error.
    release();
  });

  it("loads ahead and serves an edit when a dependency wraps fs's functions in ones that require a module (as aws-cdk-lib's perf counters do), held meanwhile", async () => {
    const root = project({
      'cdk.json': JSON.stringify({ app: `"${process.execPath}" app.mjs` }),
      'node_modules/dep/package.json': JSON.stringify({ name: 'dep', main: 'index.js' }),
      'node_modules/dep/index.js': `const fs = require('node:fs');
fs.appendFileSync('dep.log', process.pid + '\\n');
for (const name of ['existsSync', 'writeFileSync']) {
  const original = fs[name];
  fs[name] = function (...args) { require('./counters.js'); return original.apply(this, args); };
}
module.exports = { name: 'dep' };`,
      'node_modules/dep/counters.js': 'module.exports = {};\n',
      'node_modules/other/package.json': JSON.stringify({ name: 'other', main: 'index.js' }),
      'node_modules/other/index.js': 'module.exports = 1;\n',
      'lib/stack.mjs': 'export const stack = 1;\n',
      'app.mjs': `import { mkdirSync, writeFileSync } from 'node:fs';
import dep from 'dep';
import 'other';
import { stack } from './lib/stack.mjs';
mkdirSync(process.env.CDK_OUTDIR, { recursive: true });
writeFileSync(process.env.CDK_OUTDIR + '/manifest.json', JSON.stringify({ pid: process.pid, stack, dep: dep.name }));`,
    });
    const { record } = await synthesize(appOf(root), outdirOf(root), stateOf(root));
    const standby = StandbySynth.start(appOf(root), outdirOf(root), stateOf(root), record);
    if (standby === undefined) throw new Error('no standby for a Node app with a complete record');
    const release = standby.hold();
    await until(() => heldFile(root) !== undefined);
    release();
    await until(() => loads(root).length === 2);
    // Held again once dep wrapped fs's functions: the hold check must not call the wrappers.
    const again = standby.hold();
    writeFileSync(path.join(root, 'lib', 'stack.mjs'), 'export const stack = 2;\n');
    again();
    const served = await standby.take(appOf(root), outdirOf(root), stateOf(root));
    expect(served).toBeDefined();
    await served?.synthesis;
    expect(manifest(root)).toEqual({ pid: loads(root)[1], stack: 2, dep: 'dep' });
  });

  it('leaves no process behind when it is disposed', async () => {
    const root = app();
    const { standby, pid } = await waitingStandby(root);
    standby.dispose();
    await until(() => !processRuns(pid) && (standby.pid === undefined || !processRuns(standby.pid)));
  });

  it('ends by itself, running nothing of the app, once the dev process that started it is gone (dev killed, no exit handler ran)', () => {
    const root = app();
    const records = path.join(root, 'records');
    mkdirSync(records);
    writeFileSync(path.join(records, 'preload.json'), '[]');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const hook = path.resolve(import.meta.dirname, '../../cli/dev/synth-hook.cjs');
    const standby = spawnSync(process.execPath, ['app.mjs'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_OPTIONS: `--require=${JSON.stringify(hook)}`,
        CDK_OUTDIR: path.join(root, 'out'),
        SWITCHYARD_SYNTH_RECORD: records,
        SWITCHYARD_SYNTH_STANDBY: JSON.stringify({
          go: path.join(records, 'go'),
          owner: gone,
          preload: path.join(records, 'preload.json'),
        }),
      },
      timeout: 60_000,
    });
    expect(standby.status).toBe(1);
    expect(existsSync(path.join(root, 'out', 'manifest.json'))).toBe(false);
  });

  it('is not started for an app command that is not followed (a record that is not complete)', async () => {
    const root = app();
    const { record } = await synthesize(appOf(root), outdirOf(root), stateOf(root));
    if (record === undefined) throw new Error('no record');
    expect(StandbySynth.start(appOf(root), outdirOf(root), stateOf(root), { ...record, complete: false })).toBeUndefined();
    expect(StandbySynth.start({ ...appOf(root), build: 'true' }, outdirOf(root), stateOf(root), record)).toBeUndefined();
  });
});

/** switchyard dev on the app, its runtime a stand-in whose reload reloads the stack; `stop` is its Ctrl-C. */
async function devOn(appRoot: string, options: { standby?: boolean } = {}, warmedUp: Promise<void> = Promise.resolve()) {
  const runtime = {
    definitions: { functions: [] },
    reload: async () => ({ reloaded: ['AppStack'], needsRestart: [], warnings: [] }),
    warm: async () => {},
    warmedUp: () => warmedUp,
  };
  const { lines, launcher, io, stop } = standInLauncher(async () => runtime);
  await startDevServer({ root: appRoot, settings: {} as never, synth: true, watch: true, typecheck: false, ...options, io, launcher });
  return { lines, stop };
}

describe('switchyard dev with a standby synthesis', () => {
  it('runs an infrastructure edit in the process started ahead of it, starts the next one, and stops it on Ctrl-C', async () => {
    const appRoot = app();
    const { lines, stop } = await devOn(appRoot);
    try {
      // The first synthesis's process, then the standby's, which waits.
      await until(() => loads(appRoot).length === 2);
      const standby = loads(appRoot)[1];
      writeFileSync(path.join(appRoot, 'lib', 'stack.mjs'), 'export const stack = 2;\n');
      await until(() => lines.some((line) => line.startsWith('reloaded in')));
      expect(manifest(appRoot)).toEqual({ pid: standby, stack: 2, dep: 'dep', stage: null });
      // The next change's process, started once the reload is done.
      await until(() => loads(appRoot).length === 3);
    } finally {
      await stop();
    }
    const next = loads(appRoot)[2] ?? 0;
    await until(() => !processRuns(next));
  });

  it("starts the process ahead only once the runtime's warm-up has ended: it would take a core from the first event", async () => {
    const appRoot = app();
    let warmed = () => {};
    const { lines, stop } = await devOn(appRoot, {}, new Promise<void>((resolve) => (warmed = resolve)));
    try {
      await until(() => lines.some((line) => line.includes('watching')));
      // The first synthesis's process only, while the functions' first environments start.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(loads(appRoot)).toHaveLength(1);
      warmed();
      await until(() => loads(appRoot).length === 2);
    } finally {
      await stop();
    }
  });

  it('starts no process ahead with --no-standby: an infrastructure edit is synthesized by a process started for it', async () => {
    const appRoot = app();
    const started = vi.spyOn(StandbySynth, 'start');
    const { lines, stop } = await devOn(appRoot, { standby: false });
    try {
      await until(() => lines.some((line) => line.includes('watching')));
      writeFileSync(path.join(appRoot, 'lib', 'stack.mjs'), 'export const stack = 2;\n');
      await until(() => lines.some((line) => line.startsWith('reloaded in')));
      // With a standby, one is started once the runtime runs and again after each synthesis.
      expect(started).not.toHaveBeenCalled();
      expect(manifest(appRoot)).toMatchObject({ pid: loads(appRoot)[1], stack: 2 });
    } finally {
      await stop();
    }
  });

  it("shows the app's own error when the edit breaks the synthesis the standby went on with, from a fresh synthesis, as without a standby", async () => {
    const appRoot = app();
    const { lines, stop } = await devOn(appRoot);
    try {
      await until(() => loads(appRoot).length === 2);
      writeFileSync(path.join(appRoot, 'lib', 'stack.mjs'), "throw new Error('the stack is broken');\nexport const stack = 3;\n");
      await until(() => lines.some((line) => line.includes('the last good app keeps running')));
      expect(lines).toContainEqual(expect.stringContaining('Error: the stack is broken'));
      // The standby's process and then a fresh one ran the broken stack.
      expect(loads(appRoot).length).toBeGreaterThanOrEqual(3);
    } finally {
      await stop();
    }
  });
});
