import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/**
 * An esbuild plugin that keeps `import.meta.url`, `dirname` and `filename` each module's own: in a
 * bundle they would name the bundle, and modules find the files of the package beside them by
 * them (the endpoint's API models, IAM's managed policies, Lambda's host `worker.mjs`, DynamoDB's
 * `engine-worker.js`, the console's prebuilt site, `createRequire`'s starting point).
 *
 * - Without `bundleFolder` (a bundle used where it is made: DynamoDB's engine thread from the
 *   sources, ../dynamodb/engine-bundle.ts) each becomes the module's absolute path.
 * - With the folder every output of the bundle is written to (the package's runtime bundle, made by
 *   scripts/build-package.mjs and installed anywhere), each becomes the module's path relative to
 *   the bundle's own `import.meta.url`: the bundled modules' files ship beside it, unbundled, so
 *   what a module finds by its folder is where it was before bundling.
 */
export function importMetaOfEachModule(bundleFolder?: string): Plugin {
  return {
    name: 'import-meta-of-each-module',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta')) return undefined;
        const loader = args.path.endsWith('ts') ? 'ts' : 'js';
        if (bundleFolder === undefined) {
          const contents = source
            .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
            .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
            .replaceAll('import.meta.filename', JSON.stringify(args.path));
          return { contents, loader };
        }
        const relative = path.relative(bundleFolder, args.path).split(path.sep).join('/');
        // The module's own URL, resolved at run time against the bundle's, wherever it is installed.
        const url = `new URL(${JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`)}, import.meta.url)`;
        const contents = [
          "import { fileURLToPath as __ownFileURLToPath } from 'node:url';",
          "import { dirname as __ownDirname } from 'node:path';",
          source
            .replaceAll('import.meta.url', `${url}.href`)
            .replaceAll('import.meta.dirname', `__ownDirname(__ownFileURLToPath(${url}))`)
            .replaceAll('import.meta.filename', `__ownFileURLToPath(${url})`),
        ].join('\n');
        return { contents, loader };
      });
    },
  };
}
