import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type CopyRecord, copiedAssets, isDependencyFile, isInsideSource } from './copied-assets.js';
import { digest, type FileStamp, type FolderStamp, firstChanged, firstChangedFolder, stampFiles, stampFolders } from './file-stamps.js';

/**
 * How one function's code was bundled during the synthesis: esbuild's command line (as CDK's
 * NodejsFunction ran it), the files it read, and the asset folder of cdk.out it ended in.
 */
export interface BundleRecord {
  /**
   * An asset folder in cdk.out the assembly uses that holds this bundle (what the functions' `Code`
   * points at); a bundle in two folders (two functions of one entry) has a record for each.
   */
  readonly assetDir: string;
  /** The invocation's key in the bundle cache (synth-hook.cjs): a rebuild stores its output there for the next synthesis. */
  readonly key: string;
  /** esbuild's arguments, `--bundle <entry> --outfile=<temporary folder>/index.mjs ...`. */
  readonly esbuildArgs: readonly string[];
  /** The folder esbuild ran in (the project root CDK bundles from). */
  readonly cwd: string;
  /** The command that ran esbuild and its arguments before esbuild's own (`npx --no-install esbuild`). */
  readonly command: string;
  readonly runnerArgs: readonly string[];
  /** Where esbuild wrote the bundle during the synthesis (a temporary folder, renamed into assetDir). */
  readonly outfile: string;
  /** Every file esbuild read (its metafile's inputs), as they were. */
  readonly inputs: readonly FileStamp[];
}

/** What `switchyard dev` learned from one synthesis of the app (the preload cli/dev/synth-hook.cjs recorded it). */
export interface SynthRecord {
  readonly version: typeof RECORD_VERSION;
  /** The assembly this synthesis wrote. */
  readonly cdkOut: string;
  /**
   * Whether the record names everything the synthesis read: the app ran on a Node with module
   * hooks (22.15 or newer: the hook knows the app's process by its first module), and ran no command whose reads are unknown (one naming a folder, a
   * Docker build; a hook's copy of a file names what it reads), nor esbuild's JS API (its service
   * reads files out of sight). When false, every change synthesizes again.
   */
  readonly complete: boolean;
  /** The modules and files the synthesis read (cdk.json and cdk.context.json among them). */
  readonly read: readonly FileStamp[];
  /** The folders it listed. */
  readonly listed: readonly FolderStamp[];
  /** The environment variables the app read, with their values (null: unset). */
  readonly env: Readonly<Record<string, string | null>>;
  readonly bundles: readonly BundleRecord[];
  /**
   * The modules of node_modules the app's process loaded (aws-cdk-lib's), in order: what a
   * standby synthesis loads before the app's files change (cli/dev/standby.ts). @default none
   */
  readonly preload?: readonly string[];
  /** The asset folders that are copies of a project folder (Python functions' code). */
  readonly copies: readonly CopyRecord[];
  /** The `--context` values it ran with (cdk.json's context is among the files read). @default none */
  readonly context?: Readonly<Record<string, string>>;
}

/** 3: bundles matched to asset folders by all their outputs, one record per folder; copied folders. */
const RECORD_VERSION = 3;

/** Variables `switchyard dev` sets itself for each synthesis: not the user's environment. */
const OWN_VARIABLES = /^(CDK_OUTDIR|CDK_CONTEXT_JSON|NODE_OPTIONS|NODE_COMPILE_CACHE|SWITCHYARD_SYNTH_RECORD|SWITCHYARD_BUNDLE_CACHE)$/;

/** One process's record, as synth-hook.cjs writes it. */
interface ProcessRecord {
  readonly app: boolean;
  readonly modules: readonly string[];
  readonly reads: readonly string[];
  readonly listed: readonly string[];
  /** The modules of node_modules the app's process loaded, in order (absent in a record of an older hook). */
  readonly preload?: readonly string[];
  readonly env: Readonly<Record<string, string | null>>;
  readonly bundles: readonly {
    readonly key: string;
    readonly esbuildArgs: string[];
    readonly cwd: string;
    readonly command: string;
    readonly runnerArgs: string[];
    readonly outfile: string;
    readonly inputs: string[];
    /** The sha256 of each file esbuild wrote, by name. */
    readonly outputs?: Readonly<Record<string, string>>;
  }[];
  readonly commands: readonly string[];
  /** What ran out of the hook's sight (esbuild's JS API, whose service reads files itself); absent in a record of an older hook. */
  readonly unfollowed?: readonly string[];
}

/**
 * Reads what the synthesis's processes recorded into `recordDir` into one record: what it
 * read (the project's files, and modules wherever they are), and each function bundle matched
 * to the asset folder it ended in (by its content: CDK names the folder after it).
 */
export function readSynthRecord(
  recordDir: string,
  root: string,
  cdkOut: string,
  projectFiles: readonly string[],
  context?: Readonly<Record<string, string>>,
): SynthRecord {
  const processes = readdirSync(recordDir)
    .filter((name) => /^\d+\.json$/.test(name))
    .map((name) => JSON.parse(readFileSync(path.join(recordDir, name), 'utf8')) as ProcessRecord);
  const apps = processes.filter((p) => p.app);
  const inProject = (file: string) => isInside(file, root) && !isInside(file, cdkOut) && !isInside(file, path.join(root, '.switchyard'));
  const read = new Set<string>(projectFiles);
  const listed = new Set<string>();
  const env: Record<string, string | null> = {};
  const preload = new Set(apps.flatMap((p) => p.preload ?? []));
  for (const p of processes) {
    for (const file of p.modules) read.add(file);
    for (const file of p.reads) if (inProject(file)) read.add(file);
    for (const folder of p.listed) if (inProject(folder)) listed.add(folder);
    if (p.app) for (const [key, value] of Object.entries(p.env)) if (!OWN_VARIABLES.test(key)) env[key] = value;
  }
  // A bundling hook's commands (SwitchyardFunction's copies of its asset files): the files they name are read.
  const commands = processes.flatMap((p) => p.commands).map((command) => filesNamed(command, cdkOut));
  for (const named of commands) for (const file of named.files) read.add(file);
  const usedFolders = assetFolders(cdkOut);
  const bundles = bundlesByAssetFolder(
    processes.flatMap((p) => p.bundles),
    usedFolders,
  );
  // A bundle found in no asset folder the app uses (an after-bundling hook changed its output): an
  // edit of its sources is not rebuilt here but synthesized, so what it read counts as the synthesis's.
  for (const unmatched of bundles.unmatched) for (const file of unmatched.inputs) read.add(file);
  // Python code copied into an asset folder: the synthesis read its files to fingerprint and copy
  // them, but an edit of one changes that function's code only, copied again with no synthesis.
  const bundled = new Set(bundles.matched.map((bundle) => bundle.assetDir));
  const copies = copiedAssets(
    usedFolders.filter((folder) => !bundled.has(folder)),
    listed,
  );
  for (const copy of copies) {
    // Its dependency files stay the synthesis's: a PythonFunction's bundling installs what they name.
    for (const file of read) if (isInsideSource(file, copy) && !isDependencyFile(file)) read.delete(file);
    for (const folder of listed) if (folder === copy.source || isInsideSource(folder, copy)) listed.delete(folder);
  }
  return {
    version: RECORD_VERSION,
    cdkOut,
    // The launchers' processes (npx, tsx's) load no module of the app: only the app's own must have been followed.
    // Nor may a process have run what reads files out of the hook's sight (esbuild's JS API).
    complete: apps.length > 0 && commands.every((named) => !named.opaque) && processes.every((p) => (p.unfollowed ?? []).length === 0),
    read: stampFiles(read),
    listed: stampFolders(listed),
    env,
    bundles: bundles.matched,
    preload: [...preload],
    copies,
    ...(context === undefined || Object.keys(context).length === 0 ? {} : { context }),
  };
}

type ProcessBundle = ProcessRecord['bundles'][number];

/**
 * Each asset folder of the assembly's that holds a bundle's outputs (every file esbuild wrote, by
 * content: CDK names the folder after it), with the bundle that wrote them; one record per folder,
 * so that two functions of one entry whose folders differ (a hook's other files beside the same
 * bundle) are both rebuilt. The bundles found in no folder are returned apart.
 */
function bundlesByAssetFolder(
  written: readonly ProcessBundle[],
  folders: readonly string[],
): { matched: BundleRecord[]; unmatched: ProcessBundle[] } {
  const matched: BundleRecord[] = [];
  const found = new Set<ProcessBundle>();
  for (const assetDir of folders) {
    // Two bundlings of one entry write the same outputs: the first is the folder's, both are found.
    const holding = written.filter((b) => b.inputs.length > 0 && holdsOutputs(assetDir, b.outputs));
    const bundle = holding[0];
    if (bundle === undefined) continue;
    for (const b of holding) found.add(b);
    const { key, esbuildArgs, cwd, command, runnerArgs, outfile } = bundle;
    matched.push({ key, esbuildArgs, cwd, command, runnerArgs, outfile, assetDir, inputs: stampFiles(bundle.inputs) });
  }
  return { matched, unmatched: written.filter((b) => !found.has(b)) };
}

/** Whether the folder holds each of the files with the same content. */
function holdsOutputs(folder: string, outputs: Readonly<Record<string, string>> | undefined): boolean {
  const files = Object.entries(outputs ?? {});
  return (
    files.length > 0 &&
    files.every(([name, sha]) => {
      try {
        return digest(readFileSync(path.join(folder, name))) === sha;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    })
  );
}

/**
 * The asset folders the assembly (and its nested assemblies) uses: those its asset manifests or
 * its asset metadata name. The folder also keeps those of earlier syntheses (CDK never empties
 * it), and one of them may hold the same bundle as a folder in use: a function runs none of them.
 * An assembly that names none (an older synthesizer) has each of its asset folders taken.
 */
function assetFolders(cdkOut: string): string[] {
  const all: string[] = [];
  const used = new Set<string>();
  const visit = (dir: string, depth: number) => {
    for (const name of usedAssetPaths(dir)) used.add(path.resolve(dir, name));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const folder = path.join(dir, entry.name);
      if (entry.name.startsWith('asset.')) all.push(folder);
      else if (depth === 0 && entry.name.startsWith('assembly-')) visit(folder, 1);
    }
  };
  visit(cdkOut, 0);
  return used.size === 0 ? all.sort() : all.filter((folder) => used.has(folder)).sort();
}

/** The asset paths an assembly folder's `*.assets.json` files and its manifest's `aws:cdk:asset` metadata name. */
function usedAssetPaths(dir: string): string[] {
  const paths: string[] = [];
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.assets.json')) {
      const manifest = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
        files?: Record<string, { source?: { path?: unknown } }>;
      };
      for (const asset of Object.values(manifest.files ?? {})) if (typeof asset.source?.path === 'string') paths.push(asset.source.path);
    }
  }
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) return paths;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<string, { metadata?: Record<string, readonly { type?: string; data?: { path?: unknown } }[]> }>;
  };
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    for (const entries of Object.values(artifact.metadata ?? {})) {
      for (const entry of entries) if (entry.type === 'aws:cdk:asset' && typeof entry.data?.path === 'string') paths.push(entry.data.path);
    }
  }
  return paths;
}

/**
 * The files a command names by their absolute paths (a hook's `cp '<source>' '<output>'`): what
 * it reads, as far as can be told. A folder it names (other than the assembly's) could hold
 * anything it reads: the command is opaque then, and every change synthesizes again.
 */
function filesNamed(command: string, cdkOut: string): { files: string[]; opaque: boolean } {
  const files: string[] = [];
  let opaque = false;
  for (const match of command.matchAll(/'([^']+)'|"([^"]+)"|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? match[3] ?? '';
    if (!path.isAbsolute(word) || isInside(word, cdkOut)) continue;
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(word);
    } catch {
      continue;
    }
    if (stat.isFile()) files.push(word);
    else if (stat.isDirectory()) opaque = true;
  }
  return { files, opaque };
}

/** Whether `file` is `folder` or inside it. */
export function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Why the app must be synthesized again before it runs (a file it read changed, a folder it
 * listed, a variable it read, the assembly gone), or undefined when the record's assembly is
 * still the app.
 */
export function staleness(record: SynthRecord, env: NodeJS.ProcessEnv, context?: Readonly<Record<string, string>>): string | undefined {
  if (!record.complete) return 'the last synthesis could not be followed';
  if (contextText(record.context) !== contextText(context)) return 'the --context values changed';
  if (!existsSync(path.join(record.cdkOut, 'manifest.json'))) return `${record.cdkOut} is gone`;
  const file = firstChanged(record.read);
  if (file !== undefined) return `${file} changed`;
  const folder = firstChangedFolder(record.listed);
  if (folder !== undefined) return `the files in ${folder} changed`;
  for (const [key, value] of Object.entries(record.env)) {
    if ((env[key] ?? null) !== value) return `the environment variable ${key} changed`;
  }
  return undefined;
}

/** `--context` values as one text, key order aside: none and `{}` are the same. */
function contextText(context: Readonly<Record<string, string>> | undefined): string {
  return JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function saveRecord(file: string, record: SynthRecord): void {
  writeFileSync(file, JSON.stringify(record));
}

/** The record saved last, if it is one this version reads; undefined otherwise. */
export function loadRecord(file: string): SynthRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as SynthRecord;
    return record.version === RECORD_VERSION ? record : undefined;
  } catch {
    return undefined;
  }
}

export function forgetRecord(file: string): void {
  rmSync(file, { force: true });
}
