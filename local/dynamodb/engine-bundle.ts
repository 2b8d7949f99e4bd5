import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { changedSince, sourceInputs } from '../bundling/bundled-sources.js';
import { importMetaOfEachModule } from '../bundling/import-meta.js';

/**
 * The engine's thread from the sources (a checkout: the tests, `npm start`): its TypeScript bundled
 * with esbuild into one module, once per process and again when a source changed. Run through tsx,
 * each of the thread's sixty modules was resolved, read and looked up in tsx's cache on its own at
 * every start of the thread, and every runtime starts it: 265 ms of CPU a start, 80 ms for the bundle.
 */
const ENTRY = path.join(import.meta.dirname, 'engine-worker.ts');
/**
 * A folder per content of the bundle, under the checkout's node_modules/.cache like its other caches,
 * where the packages it imports resolve. It is built for a folder beside it ('building'): the source
 * map names the sources relative to the bundle.
 */
const CACHE = path.join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'switchyard-dynamodb-engine');
const FILE = 'engine-worker.mjs';

type Bundle = { readonly file: string; readonly inputs: ReadonlyMap<string, number> };
let bundled: Promise<Bundle> | undefined;

/** The engine's thread bundled from its sources, for `new Worker` (with `--enable-source-maps`, stack traces name the sources). */
export async function engineBundle(): Promise<string> {
  if (bundled === undefined) bundled = bundleOnce();
  const current = await bundled;
  if (!changedSince(current.inputs)) return current.file;
  bundled = bundleOnce();
  return (await bundled).file;
}

/** A bundling that failed (a source that does not compile) is tried again at the next start. */
function bundleOnce(): Promise<Bundle> {
  return bundle().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
}

async function bundle(): Promise<Bundle> {
  // esbuild is loaded only here: the package runs engine-worker.js, compiled by its build.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    write: false,
    outfile: path.join(CACHE, 'building', FILE),
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [importMetaOfEachModule()],
  });
  const hash = createHash('sha256');
  for (const output of result.outputFiles) hash.update(output.contents);
  const folder = path.join(CACHE, hash.digest('hex').slice(0, 16));
  if (!existsSync(path.join(folder, FILE))) {
    // Written beside and renamed into place: runtimes of other processes may be writing the same bundle.
    const staging = `${folder}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    mkdirSync(staging, { recursive: true });
    for (const output of result.outputFiles) writeFileSync(path.join(staging, path.basename(output.path)), output.contents);
    try {
      renameSync(staging, folder);
    } catch (error) {
      // Another process renamed its copy into place first.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(path.join(folder, FILE))) throw error;
    }
  }
  return { file: path.join(folder, FILE), inputs: sourceInputs(result.metafile) };
}
