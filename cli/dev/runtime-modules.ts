// biome-ignore-all lint/style/noRestrictedImports: dev hosts the runtime in-process (its launcher, like local/main.ts): types, and the sources' modules when dev runs from them
/**
 * The one place that chooses which of the runtime's modules `switchyard dev` loads. The package
 * ships them bundled too (scripts/bundle-runtime.mjs makes RUNTIME_BUNDLE at the build): one
 * module instead of some 750 took 0.15-0.2 s off each start (docs/benchmarks.md), most of what
 * Node's loader spent resolving, stat-ing and compiling them one by one. From the sources (tsx:
 * the tests, `npm run switchyard`) there is no bundle, and dev loads the modules themselves.
 */

type Launcher = typeof import('../../local/launcher.js');
type EarlyThreads = typeof import('../../local/startup/early-threads.js');

/**
 * Where the build writes the bundle, under dist/ (the package's root for its compiled files), and
 * its entries: each name is a file of the bundle's folder, made from the compiled module it names.
 * Both entries are of one bundle (split, so that what both import is one module: the engine thread
 * begun early is the one the launcher's runtime takes).
 */
export const RUNTIME_BUNDLE = {
  folder: 'local/launcher-bundle',
  entries: { launcher: 'local/launcher.js', 'early-threads': 'local/startup/early-threads.js' },
} as const;

const FROM_SOURCES = import.meta.filename.endsWith('.ts');

/** The runtime's launcher (local/launcher.ts). */
export async function loadLauncher(): Promise<Launcher> {
  return FROM_SOURCES ? await import('../../local/launcher.js') : ((await import(bundled('launcher'))) as Launcher);
}

/** What begins before the launcher loads (local/startup/early-threads.ts). */
export async function loadEarlyThreads(): Promise<EarlyThreads> {
  return FROM_SOURCES ? await import('../../local/startup/early-threads.js') : ((await import(bundled('early-threads'))) as EarlyThreads);
}

/** An entry of the bundle, from this compiled file (dist/cli/dev/) up to dist/. */
function bundled(entry: keyof typeof RUNTIME_BUNDLE.entries): string {
  return new URL(`../../${RUNTIME_BUNDLE.folder}/${entry}.js`, import.meta.url).href;
}
