import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

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

/** The run's folder, one for every project of the run (vitest.config.ts): each project calls setup. */
const RUN = Symbol.for('switchyard.synthRun');
type Run = { folder: string; projects: number; path: string | undefined };

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
    const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-synth-run-'));
    const bin = npxShortcut(folder);
    shared[RUN] = { folder, projects: 0, path: process.env.PATH };
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
    delete shared[RUN];
  };
}
