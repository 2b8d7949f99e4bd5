import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder of this run only; the app synthesized once for the run's test files sits beside it (test/helpers/synth.ts). */
    switchyardSynthDir: string;
  }
}

/** The run's folder, one for every project of the run (vitest.config.ts): each project calls setup. */
const RUN = Symbol.for('switchyard.synthRun');
type Run = { folder: string; projects: number };

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
  shared[RUN] ??= { folder: mkdtempSync(path.join(tmpdir(), 'switchyard-synth-run-')), projects: 0 };
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
    rmSync(run.folder, { recursive: true, force: true });
    delete shared[RUN];
  };
}
