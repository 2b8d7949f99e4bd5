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

/**
 * Gives every test file of one `vitest run` a folder of its own to share the synthesized app
 * beside, so the dozen end-to-end suites bundle the app with esbuild once, not once each
 * (test/helpers/synth.ts). Nothing is synthesized here: a run of unit tests alone never pays
 * for it. The assemblies live and die with the run, so none of an earlier run (older sources)
 * is ever reused; watch mode drops them before each rerun for the same reason.
 */
export default function setup(project: TestProject): () => void {
  const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-synth-run-'));
  const drop = () => {
    for (const name of readdirSync(path.dirname(folder))) {
      if (name.startsWith(`${path.basename(folder)}.`)) rmSync(path.join(path.dirname(folder), name), { recursive: true, force: true });
    }
  };
  project.provide('switchyardSynthDir', folder);
  project.onTestsRerun(drop);
  return () => {
    drop();
    rmSync(folder, { recursive: true, force: true });
  };
}
