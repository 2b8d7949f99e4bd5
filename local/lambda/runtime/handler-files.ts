import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { MODULE_EXTENSIONS, parseHandlerString } from './hosts/user-function.mjs';
import { runtimeLanguage } from './runtimes.js';

/** Sources a build turns into a handler's module: a function whose code holds only these has not been built. */
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];

/**
 * A start-up warning for each Node.js function whose handler module is TypeScript only in its
 * code (`handler.ts` and no `handler.js`): Lambda's runtime loads JavaScript, so its init fails
 * with Runtime.ImportModuleError, here as on AWS. Said at start rather than at the first
 * invocation, with the cause: the app's build (a `tsc` its README runs before `cdk deploy`) has
 * not run, or the function should be a NodejsFunction, which bundles it.
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
    if (source === undefined) return [];
    const file = path.join(parsed.moduleRoot, `${parsed.moduleName}${source}`);
    return [
      `[as in AWS] function ${fn.name}: its handler ${fn.handler} names ${file}, which is TypeScript, and its code has no ${parsed.moduleName}.js: ` +
        "Lambda's Node.js runtime loads JavaScript, so every invocation fails its init with Runtime.ImportModuleError, as on AWS. " +
        'Run the build that compiles it (the app\'s "npm run build", often tsc) before switchyard dev or cdk deploy, or make it a NodejsFunction, which bundles it',
    ];
  });
}
