import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { MODULE_EXTENSIONS, parseHandlerString } from './hosts/user-function.mjs';
import { runtimeLanguage } from './runtimes.js';

/** Sources a build turns into a handler's module: a function whose code holds only these has not been built. */
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];

/**
 * A start-up warning for each Node.js function whose handler module is TypeScript only in its
 * code (`handler.ts` and no `handler.js`), or not in it at all: Lambda's runtime loads
 * JavaScript, so its init fails with Runtime.ImportModuleError, here as on AWS. Said at start
 * rather than at the first invocation, with the cause: the app's build (a `tsc` its README runs
 * before `cdk deploy`) has not run, the function should be a NodejsFunction, which bundles it,
 * or the module is a build output the repository does not hold.
 */
export function handlerFileWarnings(functions: readonly { name: string; runtime: string; handler: string; codePath: string }[]): string[] {
  return functions.flatMap((fn) => {
    if (runtimeLanguage(fn.runtime) !== 'nodejs') return [];
    let parsed: ReturnType<typeof parseHandlerString>;
    try {
      parsed = parseHandlerString(fn.handler);
    } catch {
      return [];
    }
    const module = path.join(fn.codePath, parsed.moduleRoot, parsed.moduleName);
    if (MODULE_EXTENSIONS.some((extension) => existsSync(`${module}${extension}`))) return [];
    const source = SOURCE_EXTENSIONS.find((extension) => existsSync(`${module}${extension}`));
    if (source === undefined) {
      // Code that is no folder (missing, or an archive) is named where the template is read; here only a folder without the module.
      if (
        !statSync(fn.codePath, { throwIfNoEntry: false })?.isDirectory() ||
        resolvesInside(fn.codePath, parsed.moduleRoot, parsed.moduleName)
      )
        return [];
      return [missingModule(fn, parsed)];
    }
    const file = path.join(parsed.moduleRoot, `${parsed.moduleName}${source}`);
    return [
      `[as in AWS] function ${fn.name}: its handler ${fn.handler} names ${file}, which is TypeScript, and its code has no ${parsed.moduleName}.js: ` +
        "Lambda's Node.js runtime loads JavaScript, so every invocation fails its init with Runtime.ImportModuleError, as on AWS. " +
        'Run the build that compiles it (the app\'s "npm run build", often tsc) before switchyard dev or cdk deploy, or make it a NodejsFunction, which bundles it',
    ];
  });
}

/**
 * Whether the runtime's last resort finds the module: Node resolving its name from the code's
 * root (a package in its node_modules), only inside the code, as user-function.mjs loads it.
 */
function resolvesInside(codePath: string, moduleRoot: string, moduleName: string): boolean {
  const root = path.resolve(codePath);
  try {
    const resolved = createRequire(path.join(root, 'noop.js')).resolve(moduleName, { paths: [root, path.join(root, moduleRoot)] });
    return resolved.startsWith(`${root}${path.sep}`);
  } catch {
    return false;
  }
}

/** How many of a code folder's entries the warning lists: enough to show a folder holding no build output. */
const LISTED_ENTRIES = 5;

/**
 * The warning for a handler whose module the code does not hold at all (no JavaScript, no
 * TypeScript): often a build output the repository ignores (`*.js` in .gitignore), so a clone
 * holds only what is beside it.
 */
function missingModule(
  fn: { name: string; handler: string; codePath: string },
  parsed: { moduleRoot: string; moduleName: string },
): string {
  const base = path.join(parsed.moduleRoot, parsed.moduleName);
  const entries = (() => {
    try {
      return readdirSync(path.join(fn.codePath, parsed.moduleRoot)).sort();
    } catch (error) {
      // The folder is missing, or is a file (ENOTDIR); any other failure (EACCES) is said as it is.
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? undefined : (error as Error);
    }
  })();
  const holds =
    entries === undefined
      ? `has no folder ${parsed.moduleRoot}`
      : entries instanceof Error
        ? `could not be read: ${entries.message}`
        : entries.length === 0
          ? 'is empty'
          : `holds ${entries.slice(0, LISTED_ENTRIES).join(', ')}${entries.length > LISTED_ENTRIES ? ` and ${entries.length - LISTED_ENTRIES} more` : ''}`;
  return (
    `[as in AWS] function ${fn.name}: its handler ${fn.handler} names the module ${base}, and its code has no ${base}.js, .mjs or .cjs ` +
    `(its folder ${path.join(fn.codePath, parsed.moduleRoot)} ${holds}): every invocation fails its init with Runtime.ImportModuleError ` +
    "(Cannot find module), as on AWS. Add the module, or run the build that writes it (a file the repository's .gitignore leaves out " +
    'is not in a clone) before switchyard dev or cdk deploy'
  );
}
