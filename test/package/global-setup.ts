import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packages packed once for the run (scripts/pack.mjs, after the build), by name. */
    switchyardTarballs: { readonly library: string; readonly command: string; readonly create: string };
    /** A folder outside the repository for the run's apps; removed after the run unless SWITCHYARD_KEEP_PACKAGE_TEST=1. */
    switchyardPackageWorkDir: string;
  }
}

const root = path.resolve(import.meta.dirname, '../..');

/** Builds and packs the packages as a release would, once for all the package tests, into one folder outside the repository. */
export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(path.join(tmpdir(), 'switchyard-package-'));
  const started = performance.now();
  const output = execFileSync(process.execPath, [path.join(root, 'scripts', 'pack.mjs'), '--destination', work], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  // The tarballs' paths are the last lines, after the build's own output.
  const tarball = (name: string): string => {
    const found = output.split('\n').find((line) => new RegExp(`/${name}-[^/]+\\.tgz$`).test(line.trim()));
    if (found === undefined) throw new Error(`scripts/pack.mjs printed no ${name} tarball:\n${output}`);
    return found.trim();
  };
  const tarballs = { library: tarball('switchyard-cdk'), command: tarball('switchyard-cli'), create: tarball('create-switchyard') };
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

/**
 * npx installs `--package <tarball>` (with its peers, the CDK) into a folder of the npm
 * cache's _npx, keyed by the tarball's path: unique to this run, so dropped with it.
 */
function removeNpxInstalls(work: string): void {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const npx = path.join(cache, '_npx');
  if (!existsSync(npx)) return;
  for (const entry of readdirSync(npx)) {
    const manifest = path.join(npx, entry, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(path.basename(work))) {
      rmSync(path.join(npx, entry), { recursive: true, force: true });
    }
  }
}
