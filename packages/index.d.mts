/** One package built from this repository (packages/index.mjs documents each field). */
export interface PackageDefinition {
  readonly name: string;
  readonly description: string;
  readonly sources: readonly string[];
  readonly exports?: Readonly<Record<string, string>>;
  readonly bin?: Readonly<Record<string, string>>;
  readonly peerDependencies?: readonly string[];
  readonly optionalPeerDependencies?: readonly string[];
  readonly runs?: readonly string[];
  readonly prebuilt?: readonly string[];
  readonly readmeAppends?: readonly string[];
  readonly docs?: readonly string[];
  readonly sideEffects?: boolean | readonly string[];
  readonly forbidden?: readonly string[];
  readonly vendored?: readonly VendoredMaterial[];
  readonly engines: string;
}

/** Data or code of others a package's own files hold (THIRD-PARTY-NOTICES.md names each). */
export interface VendoredMaterial {
  readonly files: string;
  readonly name: string;
  readonly license: string;
  readonly notice: string;
  readonly source: string;
}

/** Copyleft packages used as test oracles only: devDependencies that no package may import. */
export declare const TEST_ORACLES: readonly string[];
export declare const PACKAGES: readonly PackageDefinition[];
export declare function allSources(): string[];
