import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The entry file of one of the package's own handlers (the workflow starter, the file
 * trigger, change capture), found beside the construct that uses it: the TypeScript source
 * in a checkout of this repository, the compiled JavaScript in an installed package. Never
 * a path into the user's project, so the constructs work wherever the package is installed.
 */
export function packagedHandlerEntry(handler: string): string {
  const base = path.join(import.meta.dirname, '..', '..', 'lambdas', handler);
  for (const extension of ['.ts', '.js']) {
    if (existsSync(base + extension)) return base + extension;
  }
  throw new Error(`switchyard's handler ${handler} is missing at ${base}.js: the installed package is incomplete; reinstall it`);
}
