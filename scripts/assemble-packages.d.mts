import type { PackageDefinition } from '../packages/index.mjs';

/** Assembles each package of packages/index.mjs in pack/<name>/ from the compiled dist/. */
export declare function assemblePackages(root: string): Promise<{ name: string; folder: string }[]>;

/** A package's dependencies and peers from what its files import (problems are pushed onto `problems`). */
export declare function dependenciesOf(
  definition: PackageDefinition,
  imported: Iterable<string>,
  context: { ownNames: Set<string>; ranges: Record<string, string>; version: string },
  problems: string[],
): { dependencies: Record<string, string>; peerDependencies: Record<string, string>; optionalPeers: readonly string[] };

/** What the files (compiled JavaScript or their TypeScript sources) import: packages by name, and the files they reach (absolute). */
export declare function importGraph(files: readonly string[]): { packages: Set<string>; files: string[] };
