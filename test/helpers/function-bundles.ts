import * as path from 'node:path';
import { build } from 'esbuild';

const repo = path.resolve(import.meta.dirname, '..', '..');

/**
 * Bundles the TypeScript `source` (its imports resolved from the repository) into `outfile` as
 * CDK's NodejsFunction bundles a handler: CommonJS for Node 22, with `external` left out.
 */
export async function bundleAsNodejsFunction(source: string, outfile: string, external: readonly string[] = []): Promise<void> {
  await build({
    stdin: { contents: source, resolveDir: repo, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: [...external],
    outfile,
    logLevel: 'silent',
  });
}
