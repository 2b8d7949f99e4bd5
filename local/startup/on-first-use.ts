import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package loaded at its first use rather than with the runtime's modules, for one that only
 * some requests need and whose loading is a measurable part of every start (typebox, for
 * Bedrock's structured outputs, was 235 of the 1,285 modules the runtime loaded). The
 * package is required (Node 24 requires an ES module as it imports it: the same module, not a
 * copy), so that a synchronous check can load it where it is called; a module with top-level
 * await cannot be loaded so, and has its caller `await import()` it instead. The type is the
 * package's as `import()` gives it: `onFirstUse<typeof import('typebox/schema')>('typebox/schema')`.
 * switchyard-cdk's constructs have their twin for aws-cdk-lib's services (lib/constructs/on-first-use.ts):
 * the runtime loads none of the constructs' modules.
 * @returns what loads the package on its first call, and gives the loaded one after
 */
export function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
