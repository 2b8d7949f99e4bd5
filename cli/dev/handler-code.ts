import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type CopyRecord, isInsideSource } from './copied-assets.js';
import { type FileStamp, firstChanged } from './file-stamps.js';
import { BundleError, type Rebuilt, Rebundler } from './rebundle.js';
import type { BundleRecord, SynthRecord } from './synth-record.js';

/** A function's code dev updates without a synthesis: an esbuild bundle, or a copied source folder (Python). */
export type CodeRecord = BundleRecord | CopyRecord;

/** What a batch of changed files asks for. */
export type ChangePlan =
  /** The app's synthesis read one of them (or what it read is not known): synthesize and reload. */
  | { readonly kind: 'synth'; readonly reason: string }
  /** Only functions' code reads them: rebuild those bundles (copy those folders), no synthesis. */
  | { readonly kind: 'code'; readonly bundles: readonly CodeRecord[] }
  /** Nothing reads them (a new file nothing imports yet, an editor's temporary file). */
  | { readonly kind: 'none' };

/** A bundle rebuilt since the last synthesis: the folder its functions run, and what it was built from. */
interface Replacement {
  readonly dir: string;
  readonly inputs: readonly FileStamp[];
}

/** The outcome of rebuilding a bundle for the reload line. */
export type RebuildOutcome =
  | { readonly bundle: CodeRecord; readonly rebuilt: Rebuilt }
  | { readonly bundle: CodeRecord; readonly error: BundleError };

/**
 * The functions' code as `switchyard dev` runs it between syntheses: the bundles of the last
 * synthesis, and those rebuilt since from saved handler edits (kept in `<state>/code`, with
 * what each was built from, so that a restart runs them too). Tells a handler edit from an
 * infrastructure edit by what the synthesis and each bundle read.
 */
export class HandlerCode {
  readonly #rebundler: Rebundler;
  readonly #stateFile: string;
  #record: SynthRecord | undefined;
  /** By asset folder. */
  #replaced = new Map<string, Replacement>();
  /** Bundles whose last rebuild failed: any new file may be the one they lack. */
  readonly #failing = new Set<string>();
  #read = new Set<string>();
  #listed = new Set<string>();
  /** The bundles that read each file, by the inputs they were built from last. */
  #readers = new Map<string, Set<CodeRecord>>();
  /** The files the last good synthesis (and the rebuilds since) saw: kept through a failed synthesis, whose own reads are unknown. */
  #saw = new Set<string>();
  /** Bundles rebuilt and not yet stored in the bundle cache (storeRebuilt). */
  #unstored: (() => void)[] = [];

  constructor(
    /** The project folder (changed files are named relative to it). */
    private readonly project: string,
    /** Where rebuilt bundles and what was rebuilt are kept. */
    folder: string,
    record: SynthRecord | undefined,
    /** The synthesis's bundle cache: a rebuilt bundle is stored there, so the next synthesis need not build it again. */
    private readonly bundleCache?: string,
  ) {
    this.#rebundler = new Rebundler(folder);
    this.#stateFile = path.join(folder, 'replaced.json');
    if (record !== undefined) this.#replaced = loadReplacements(this.#stateFile, record);
    this.#setRecord(record);
  }

  get record(): SynthRecord | undefined {
    return this.#record;
  }

  /** A new synthesis: its bundles are the code now, and nothing is replaced. */
  synthesized(record: SynthRecord | undefined): void {
    this.#replaced.clear();
    this.#failing.clear();
    this.#setRecord(record);
    this.#save();
  }

  /** A synthesis that failed: until one succeeds, every change synthesizes. */
  failed(): void {
    this.#setRecord(undefined);
  }

  plan(files: readonly string[]): ChangePlan {
    const record = this.#record;
    if (record === undefined) return { kind: 'synth', reason: 'the last synthesis failed' };
    if (!record.complete) return { kind: 'synth', reason: 'what the synthesis reads is not known' };
    const bundles = new Set<CodeRecord>();
    for (const file of files) {
      if (this.#read.has(file) || this.#listed.has(path.dirname(file))) {
        return { kind: 'synth', reason: `the app's synthesis reads ${path.relative(this.project, file)}` };
      }
      const readers = this.#readers.get(file) ?? new Set();
      // A file added to (or removed from) a copied folder is that function's code too.
      for (const copy of record.copies) if (isInsideSource(file, copy)) readers.add(copy);
      for (const bundle of readers) bundles.add(bundle);
      if (readers.size === 0 && existsSync(file)) {
        for (const bundle of record.bundles) if (this.#failing.has(bundle.assetDir)) bundles.add(bundle);
      }
    }
    return bundles.size > 0 ? { kind: 'code', bundles: [...bundles] } : { kind: 'none' };
  }

  /** The folders the last synthesis listed (those of the assets it fingerprinted and copied). */
  listedFolders(): readonly string[] {
    return [...this.#listed];
  }

  /** Whether the synthesis or a bundle read the file, or it is in a folder the synthesis listed or a function's code is a copy of. */
  reads(file: string): boolean {
    const record = this.#record;
    if (record === undefined) return false;
    // A file added to a folder the synthesis listed (an asset it copied: Code.fromAsset's folder) changes what it writes.
    return (
      this.#read.has(file) ||
      this.#listed.has(path.dirname(file)) ||
      this.#readers.has(file) ||
      record.copies.some((copy) => isInsideSource(file, copy))
    );
  }

  /**
   * Whether the file was there when the last good synthesis, or a rebuild since, looked: read,
   * listed in a folder, a bundle's input or a copied file. One gone now was removed; one none of
   * them saw and gone now (an editor's temporary file) came and went unseen: no change at all.
   */
  saw(file: string): boolean {
    return this.#saw.has(file);
  }

  /** The bundles whose inputs changed since they were built (while dev was not running, say). */
  stale(): CodeRecord[] {
    return this.#code().filter((bundle) => firstChanged(this.#inputsOf(bundle)) !== undefined);
  }

  /**
   * Rebuilds each bundle; one that fails keeps its last good code (the outcome says why). What
   * it rebuilt is stored for the next synthesis by `storeRebuilt`, once the functions run it.
   */
  async rebuild(bundles: readonly CodeRecord[]): Promise<RebuildOutcome[]> {
    const outcomes: RebuildOutcome[] = [];
    for (const bundle of bundles) {
      try {
        const rebuilt = 'source' in bundle ? await this.#rebundler.recopy(bundle, this.project) : await this.#rebundler.rebuild(bundle);
        this.#replaced.set(bundle.assetDir, { dir: rebuilt.dir, inputs: rebuilt.inputs });
        this.#indexReaders();
        if (!('source' in bundle)) this.#unstored.push(() => this.#cache(bundle, rebuilt));
        this.#failing.delete(bundle.assetDir);
        outcomes.push({ bundle, rebuilt });
      } catch (error) {
        if (!(error instanceof BundleError)) throw error;
        this.#failing.add(bundle.assetDir);
        outcomes.push({ bundle, error });
      }
    }
    this.#save();
    return outcomes;
  }

  /**
   * Stores the bundles rebuilt since the last call in the synthesis's bundle cache, so that the
   * next synthesis need not build them again. Apart from `rebuild`: the copy (a bundle, its
   * source map rewritten) is no part of an edit's wait, so dev runs the new code first. Called
   * before each synthesis, whatever came before.
   */
  storeRebuilt(): void {
    for (const store of this.#unstored.splice(0)) store();
  }

  /** The folder each replaced asset folder's functions run instead, by asset folder. */
  replacements(): ReadonlyMap<string, string> {
    return new Map([...this.#replaced].map(([asset, replacement]) => [asset, replacement.dir]));
  }

  dispose(): Promise<void> {
    return this.#rebundler.dispose();
  }

  /** As synth-hook.cjs's cache keeps a bundle: esbuild's outputs, and the inputs they were built from. */
  #cache(bundle: BundleRecord, rebuilt: Rebuilt): void {
    if (this.bundleCache === undefined) return;
    const entry = path.join(this.bundleCache, bundle.key);
    rmSync(entry, { recursive: true, force: true });
    mkdirSync(path.join(entry, 'out'), { recursive: true });
    for (const file of rebuilt.outputs) {
      const from = path.join(rebuilt.dir, file);
      const to = path.join(entry, 'out', file);
      // The synthesis writes the bundle where its own esbuild did: a source map names the sources from there.
      if (file.endsWith('.map')) writeFileSync(to, sourceMapFrom(readFileSync(from, 'utf8'), rebuilt.dir, path.dirname(bundle.outfile)));
      else copyFileSync(from, to);
    }
    writeFileSync(path.join(entry, 'inputs.json'), JSON.stringify(rebuilt.inputs));
  }

  #inputsOf(bundle: CodeRecord): readonly FileStamp[] {
    return this.#replaced.get(bundle.assetDir)?.inputs ?? ('source' in bundle ? bundle.files : bundle.inputs);
  }

  /** Every function's code the record knows: its bundles and its copied folders. */
  #code(): CodeRecord[] {
    return [...(this.#record?.bundles ?? []), ...(this.#record?.copies ?? [])];
  }

  #setRecord(record: SynthRecord | undefined): void {
    this.#record = record;
    this.#read = new Set(record?.read.map((stamp) => stamp.file));
    this.#listed = new Set(record?.listed.map((stamp) => stamp.folder));
    if (record !== undefined) {
      this.#saw = new Set([
        ...this.#read,
        ...record.listed.flatMap((stamp) => stamp.entries.map((entry) => path.join(stamp.folder, entry))),
        ...record.copies.flatMap((copy) => copy.files.map((stamp) => stamp.file)),
      ]);
    }
    this.#indexReaders();
  }

  #indexReaders(): void {
    this.#readers = new Map();
    for (const bundle of this.#code()) {
      for (const { file } of this.#inputsOf(bundle)) {
        this.#saw.add(file);
        const readers = this.#readers.get(file) ?? new Set();
        readers.add(bundle);
        this.#readers.set(file, readers);
      }
    }
  }

  #save(): void {
    mkdirSync(path.dirname(this.#stateFile), { recursive: true });
    if (this.#replaced.size === 0) rmSync(this.#stateFile, { force: true });
    else writeFileSync(this.#stateFile, JSON.stringify({ cdkOut: this.#record?.cdkOut, replaced: Object.fromEntries(this.#replaced) }));
  }
}

/** The bundles rebuilt since the record's synthesis, as saved by an earlier run (those whose folder is still there). */
function loadReplacements(file: string, record: SynthRecord): Map<string, Replacement> {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { cdkOut?: string; replaced?: Record<string, Replacement> };
    if (saved.cdkOut !== record.cdkOut) return new Map();
    const assets = new Set([...record.bundles, ...record.copies].map((code) => code.assetDir));
    return new Map(Object.entries(saved.replaced ?? {}).filter(([asset, replacement]) => assets.has(asset) && existsSync(replacement.dir)));
  } catch {
    return new Map();
  }
}

/**
 * A source map built for one folder as esbuild would have written it for another at the same
 * sources: its `sources` made relative to `to`, the rest as it was. A rebuilt bundle is written
 * one folder deeper than the synthesis's (so that it names the sources from where it runs);
 * cached with that map, the next synthesis's asset named them one folder off, and held the
 * same index.mjs as a fresh build beside another map, in another asset folder.
 */
function sourceMapFrom(map: string, from: string, to: string): string {
  const { sources } = JSON.parse(map) as { sources?: unknown };
  if (!Array.isArray(sources)) return map;
  const moved = sources.map((source) =>
    typeof source === 'string' ? path.relative(to, path.resolve(from, source)).split(path.sep).join('/') : source,
  );
  // esbuild's own layout (one `"sources": [...]` line), so that the cached map is the bytes a build writes.
  return map.replace(/"sources":\s*\[[^\]]*\]/, `"sources": [${moved.map((source) => JSON.stringify(source)).join(', ')}]`);
}
