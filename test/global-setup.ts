import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { processAlive } from '../local/store/data-folder-lock.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder of this run only; the app synthesized once for the run's test files sits beside it (test/helpers/synth.ts). */
    switchyardSynthDir: string;
  }
}

/**
 * CDK bundles each NodejsFunction by running `npx --no-install esbuild <args>` in the project
 * folder, that is node_modules/.bin/esbuild: npm starts for every function, a second or two of
 * CPU apiece on a busy machine, and the tests bundle a few dozen functions a run. This `npx`,
 * first on the PATH the test workers inherit, runs that same esbuild with the same arguments
 * without npm, and hands every other npx command to the real npx.
 */
function npxShortcut(folder: string): string | undefined {
  const real = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, 'npx'))
    .find((candidate) => existsSync(candidate));
  if (real === undefined) return undefined;
  const bin = path.join(folder, 'bin');
  mkdirSync(bin);
  const npx = path.join(bin, 'npx');
  writeFileSync(
    npx,
    [
      '#!/bin/sh',
      'if [ "$1" = --no-install ] && [ "$2" = esbuild ] && [ -x node_modules/.bin/esbuild ]; then',
      '  shift 2',
      '  exec node_modules/.bin/esbuild "$@"',
      'fi',
      `exec '${real.replaceAll("'", "'\\''")}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(npx, 0o755);
  return bin;
}

/**
 * The run's temporary folder, which the test workers' os.tmpdir() answers (TMPDIR): in memory
 * where the machine has a tmpfs at /dev/shm. Each runtime a test starts opens and closes a score
 * of SQLite databases, and each open and close syncs to disk: on this repository's 2-core
 * machine a runtime's start and stop took 190 ms on disk and 140 ms in memory with nothing else
 * running, and 1.0 s and 0.3 s while other suites wrote to the disk (hundreds of runtimes a run). What SQLite promises the runtime (a commit survives the
 * process's SIGKILL) holds the same in memory; only an OS crash differs, which no test makes.
 * The folder goes with the run, and with it what tests leave in their temporary folders; one of
 * a run that was killed is removed by the next run (its process is gone).
 */
function runTemporaryFolder(): string | undefined {
  const memory = '/dev/shm';
  let base: string;
  try {
    base = statSync(memory).isDirectory() ? memory : tmpdir();
  } catch {
    base = tmpdir();
  }
  const prefix = 'switchyard-test-run-';
  for (const name of readdirSync(base)) {
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (name.startsWith(prefix) && Number.isInteger(pid) && !processAlive(pid))
      rmSync(path.join(base, name), { recursive: true, force: true });
  }
  try {
    return mkdtempSync(path.join(base, `${prefix}${process.pid}-`));
  } catch {
    // A /dev/shm this user cannot write to: the workers keep the machine's temporary folder.
    return undefined;
  }
}

/** The run's folder, one for every project of the run (vitest.config.ts): each project calls setup. */
const RUN = Symbol.for('switchyard.synthRun');
type Run = { folder: string; projects: number; path: string | undefined; temporary: string | undefined; tmpdir: string | undefined };

/**
 * Gives every test file of one `vitest run` a folder of its own to share the synthesized app
 * beside, so the dozen end-to-end suites bundle the app with esbuild once, not once each
 * (test/helpers/synth.ts). Nothing is synthesized here: a run of unit tests alone never pays
 * for it. The assemblies live and die with the run, so none of an earlier run (older sources)
 * is ever reused; watch mode drops them before each rerun for the same reason. The projects
 * of one run share the folder, so the app is bundled once for all of them.
 */
export default function setup(project: TestProject): () => void {
  const shared = globalThis as { [RUN]?: Run };
  if (shared[RUN] === undefined) {
    const temporary = runTemporaryFolder();
    const previousTmpdir = process.env.TMPDIR;
    if (temporary !== undefined) process.env.TMPDIR = temporary;
    const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-synth-run-'));
    const bin = npxShortcut(folder);
    shared[RUN] = { folder, projects: 0, path: process.env.PATH, temporary, tmpdir: previousTmpdir };
    if (bin !== undefined) process.env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
  }
  const run = shared[RUN];
  run.projects += 1;
  const drop = () => {
    for (const name of readdirSync(path.dirname(run.folder))) {
      if (name.startsWith(`${path.basename(run.folder)}.`))
        rmSync(path.join(path.dirname(run.folder), name), { recursive: true, force: true });
    }
  };
  project.provide('switchyardSynthDir', run.folder);
  project.onTestsRerun(drop);
  return () => {
    run.projects -= 1;
    if (run.projects > 0) return;
    drop();
    if (run.path === undefined) delete process.env.PATH;
    else process.env.PATH = run.path;
    rmSync(run.folder, { recursive: true, force: true });
    if (run.temporary !== undefined) {
      if (run.tmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = run.tmpdir;
      rmSync(run.temporary, { recursive: true, force: true });
    }
    delete shared[RUN];
  };
}
