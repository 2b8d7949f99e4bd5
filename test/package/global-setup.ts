import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { packTarballs, removeNpxInstalls, type Tarballs } from './helpers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packages packed once for the run (scripts/pack.mjs, after the build), by name. */
    switchyardTarballs: Tarballs;
    /** A folder outside the repository for the run's apps; removed after the run unless SWITCHYARD_KEEP_PACKAGE_TEST=1. */
    switchyardPackageWorkDir: string;
  }
}

/** Builds and packs the packages as a release would, once for all the package tests, into one folder outside the repository. */
export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(path.join(tmpdir(), 'switchyard-package-'));
  const started = performance.now();
  const tarballs = packTarballs(work);
  console.log(
    `test:package: build and pack took ${((performance.now() - started) / 1000).toFixed(1)} s: ${Object.values(tarballs).join(', ')}`,
  );
  project.provide('switchyardTarballs', tarballs);
  project.provide('switchyardPackageWorkDir', work);
  return () => {
    if (process.env.SWITCHYARD_KEEP_PACKAGE_TEST === '1') {
      console.log(`test:package: kept ${work}`);
      return;
    }
    rmSync(work, { recursive: true, force: true });
    removeNpxInstalls(work);
  };
}
