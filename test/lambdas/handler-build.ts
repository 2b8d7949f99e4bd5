import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { type BundleAliasOptions, bundleAliases } from '../../lib/constructs/bundle-aliases.js';

const root = path.join(import.meta.dirname, '../..');

/**
 * esbuild's options for a handler as SwitchyardFunction builds it: one minified ESM file for
 * Node 24, the package's names through tsconfig.json's paths, its banner and its aliases
 * (`durableLambdaClient`, `eventStreams`), with a metafile and nothing written.
 */
export function handlerBuildOptions(entry: string, props: Omit<BundleAliasOptions, 'entry'> = {}): BuildOptions {
  return {
    bundle: true,
    write: false,
    outfile: 'index.mjs',
    format: 'esm',
    platform: 'node',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
    tsconfig: path.join(root, 'tsconfig.json'),
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    alias: bundleAliases({ entry, ...props }),
  };
}
