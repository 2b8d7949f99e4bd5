import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The package packed once for the run (npm pack, so its prepack build ran). */
    switchyardTarball: string;
    /** A folder outside the repository for the run's apps; removed after the run unless SWITCHYARD_KEEP_PACKAGE_TEST=1. */
    switchyardPackageWorkDir: string;
  }
}

const root = path.resolve(import.meta.dirname, '../..');

/** Packs the package as `npm publish` would (prepack runs the build), once for all the package tests. */
export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(path.join(tmpdir(), 'switchyard-package-'));
  const started = performance.now();
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  // The JSON follows the build's own output (prepack): it is the last top-level array.
  const [packed] = JSON.parse(output.slice(output.lastIndexOf('\n[') + 1)) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack printed no package: ${output}`);
  const tarball = path.join(work, packed.filename);
  console.log(`test:package: npm pack (with the build) took ${((performance.now() - started) / 1000).toFixed(1)} s: ${tarball}`);
  project.provide('switchyardTarball', tarball);
  project.provide('switchyardPackageWorkDir', work);
  return () => {
    if (process.env.SWITCHYARD_KEEP_PACKAGE_TEST === '1') {
      console.log(`test:package: kept ${work}`);
      return;
    }
    rmSync(work, { recursive: true, force: true });
    removeNpxInstall(tarball);
  };
}

/**
 * npx installs `--package <tarball>` (with its peers, the CDK) into a folder of the npm
 * cache's _npx, keyed by the tarball's path: unique to this run, so dropped with it.
 */
function removeNpxInstall(tarball: string): void {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const npx = path.join(cache, '_npx');
  if (!existsSync(npx)) return;
  for (const entry of readdirSync(npx)) {
    const manifest = path.join(npx, entry, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(path.basename(path.dirname(tarball)))) {
      rmSync(path.join(npx, entry), { recursive: true, force: true });
    }
  }
}
