import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';

/*
 * What a bundle made from the sources while the runtime runs from a checkout was made of, so that it
 * is made again when one of them changes: the console's (../console-site/console-site.ts) and DynamoDB's
 * engine thread's (../dynamodb/engine-bundle.ts).
 */

/** The source files (not the packages: those do not change under a running runtime) an esbuild build read, with their modification times. */
export function sourceInputs(metafile: Metafile): Map<string, number> {
  const inputs = new Map<string, number>();
  for (const input of Object.keys(metafile.inputs)) {
    if (input.includes(':')) continue; // a plugin's stub (`console-stub:ajv`), not a file
    const file = path.resolve(input);
    if (!file.includes(`${path.sep}node_modules${path.sep}`)) inputs.set(file, statSync(file).mtimeMs);
  }
  return inputs;
}

/** Whether a file of `inputs` was changed or removed since they were read. */
export function changedSince(inputs: ReadonlyMap<string, number>): boolean {
  for (const [file, mtime] of inputs) {
    try {
      if (statSync(file).mtimeMs !== mtime) return true;
    } catch {
      return true;
    }
  }
  return false;
}
