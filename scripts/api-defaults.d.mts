/** An optional prop or option of an entry point's inputs. */
export interface OptionalProp {
  /** Where it is, as an app reaches it (`EffectLedger.count`, `TestApp.runUntilIdle(options).limit`). */
  readonly name: string;
  /** Its `@default` (or `@defaultValue`) text on one line; undefined when it has none. */
  readonly defaultValue: string | undefined;
  /** Its file and line, relative to the repository. */
  readonly where: string;
}

/** An entry point's defaults report. */
export interface EntryPointDefaults {
  readonly pkg: string;
  readonly entry: string;
  /** The entry point's source file. */
  readonly source: string;
  /** Its report, api-report/<report>.defaults.md. */
  readonly report: string;
  readonly props: readonly OptionalProp[];
  /** The report's text as the sources give it. */
  readonly text: string;
}

/** Every entry point (packages/index.mjs) with its source and report. */
export declare const DEFAULTS_ENTRY_POINTS: readonly Pick<EntryPointDefaults, 'pkg' | 'entry' | 'source' | 'report'>[];
/** Every entry point's optional input props and its report's text, read from the sources with the TypeScript compiler. */
export declare function publicDefaults(): EntryPointDefaults[];
