import type { BuildOptions } from 'esbuild';

/**
 * esbuild's options SwitchyardFunction bundles a handler with (lib/constructs/switchyard-function.ts's
 * bundlingOptions, minus its aliases and source maps): one minified ESM file for Node 24, with the
 * banner that gives CommonJS dependencies a require().
 */
export const HANDLER_BUNDLE_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: 'error',
} as const satisfies BuildOptions;
