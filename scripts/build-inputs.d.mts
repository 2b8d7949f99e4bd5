/** Where the build keeps the digest of what it was built from (relative to the repository). */
export declare const BUILT_FROM: string;
/** The files and folders the build reads, relative to the repository. */
export declare function buildInputs(): string[];
/** A SHA-256 over the path and content of every file under `entries` (relative to `root`; node_modules left out). */
export declare function digestOf(root: string, entries: readonly string[]): string;
/** Whether pack/ holds every package, built from inputs whose digest is `digest`. */
export declare function packBuiltFrom(root: string, digest: string): boolean;
