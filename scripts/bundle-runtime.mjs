// Bundles the runtime's modules switchyard dev loads (cli/dev/runtime-modules.ts's RUNTIME_BUNDLE:
// the launcher and its early threads) into one module each, from the compiled dist/, for the
// package (scripts/build-package.mjs calls it once dist/ is compiled). Node's loader spent most of
// a start's CPU up to the ready report resolving, stat-ing and compiling the launcher's ~750
// modules one by one; one module loads in half the time (docs/benchmarks.md).
//   - our own code only: the packages stay imports (--packages=external), each under its own
//     licence in node_modules; the build fails if a package's file is bundled;
//   - split: what both entries import is one shared chunk (the engine thread early-threads begins
//     is the one the launcher's runtime takes), and what the launcher imports dynamically (loaded on
//     first use) is a chunk of its own, loaded only then;
//   - every module keeps its own import.meta (local/bundling/import-meta.ts): what a module finds
//     by its folder (the API models, the workers, the console's site) it finds beside its
//     unbundled file, which ships as before;
//   - a module dev's own code loads too (the CLI's graph: an error class it checks with
//     instanceof, anything with state) stays an import of that file, so that there is one of it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * @param {string} dist the compiled dist/
 * @returns {Promise<{ folder: string, modules: number, shared: string[] }>} the bundle's folder (relative to dist/), how many modules it holds, and the modules left to the CLI's copy
 */
export async function bundleRuntime(dist) {
  const { RUNTIME_BUNDLE } = await import(path.join(dist, 'cli', 'dev', 'runtime-modules.js'));
  const { importMetaOfEachModule } = await import(path.join(dist, 'local', 'bundling', 'import-meta.js'));
  const entries = Object.fromEntries(Object.entries(RUNTIME_BUNDLE.entries).map(([name, file]) => [name, path.join(dist, file)]));
  const outdir = path.join(dist, RUNTIME_BUNDLE.folder);
  const cli = await cliGraph(dist, new Set(Object.values(entries)));
  /** The CLI's modules the bundle imports: left to their files. */
  const shared = new Set();
  const result = await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    logLevel: 'warning',
    plugins: [sharedWithCli(cli, shared, outdir), importMetaOfEachModule(outdir)],
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(input));
  const foreign = inputs.filter((file) => !file.startsWith(`${dist}${path.sep}`) || file.includes(`${path.sep}node_modules${path.sep}`));
  if (foreign.length > 0)
    throw new Error(`the runtime's bundle holds files that are not the package's own compiled code: ${foreign.join(', ')}`);
  // Each module's own file, which the bundle names for its import.meta, is where the package has it.
  for (const output of Object.keys(result.metafile.outputs)) {
    for (const [, own] of readFileSync(output, 'utf8').matchAll(/\bnew URL\("(\.{1,2}\/[^"]+)", import\.meta\.url\)/g)) {
      if (!existsSync(path.resolve(path.dirname(output), own)))
        throw new Error(`${output} names ${own} as a module's own file, which is not in dist/`);
    }
  }
  return {
    folder: RUNTIME_BUNDLE.folder,
    modules: inputs.length,
    shared: [...shared].map((file) => path.relative(dist, file)).sort(),
  };
}

/**
 * The compiled files of our own the CLI loads in a switchyard dev process: cli/main.js's static
 * imports, and dev's (cli/commands/dev.js) static and dynamic ones, short of the bundle's entries.
 * @param {string} dist
 * @param {Set<string>} entries
 * @returns {Promise<Set<string>>}
 */
async function cliGraph(dist, entries) {
  const main = path.join(dist, 'cli', 'main.js');
  const dev = path.join(dist, 'cli', 'commands', 'dev.js');
  const result = await build({
    entryPoints: [main, dev],
    outdir: path.join(dist, '.cli-graph'),
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'stop-at-the-runtime-bundle',
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, (args) => {
            const file = path.resolve(args.resolveDir, args.path);
            return entries.has(file) ? { path: file, external: true } : undefined;
          });
        },
      },
    ],
  });
  const imports = new Map(
    Object.entries(result.metafile.inputs).map(([input, { imports: list }]) => [
      path.resolve(input),
      list.filter((i) => !i.external).map((i) => ({ file: path.resolve(i.path), dynamic: i.kind === 'dynamic-import' })),
    ]),
  );
  const graph = new Set();
  const follow = (file, dynamic) => {
    if (graph.has(file)) return;
    graph.add(file);
    for (const next of imports.get(file) ?? []) if (dynamic || !next.dynamic) follow(next.file, dynamic);
  };
  follow(dev, true);
  follow(main, false);
  return graph;
}

/** Leaves the CLI's modules to their files: the bundle imports them relative to its folder. */
function sharedWithCli(cli, shared, outdir) {
  return {
    name: 'shared-with-the-cli',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = path.resolve(args.resolveDir, args.path);
        if (!cli.has(file)) return undefined;
        shared.add(file);
        const relative = path.relative(outdir, file).split(path.sep).join('/');
        return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
      });
    },
  };
}
