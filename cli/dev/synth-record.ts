import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { digest, type FileStamp, type FolderStamp, firstChanged, firstChangedFolder, stampFiles, stampFolders } from './file-stamps.js';

/**
 * How one function's code was bundled during the synthesis: esbuild's command line (as CDK's
 * NodejsFunction ran it), the files it read, and the asset folder of cdk.out it ended in.
 */
export interface BundleRecord {
  /** The asset folder in cdk.out holding this bundle (what the functions' `Code` points at). */
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
   * Docker build; a hook's copy of a file names what it reads). When false, every change
   * synthesizes again.
   */
  readonly complete: boolean;
  /** The modules and files the synthesis read (cdk.json and cdk.context.json among them). */
  readonly read: readonly FileStamp[];
  /** The folders it listed. */
  readonly listed: readonly FolderStamp[];
  /** The environment variables the app read, with their values (null: unset). */
  readonly env: Readonly<Record<string, string | null>>;
  readonly bundles: readonly BundleRecord[];
}

const RECORD_VERSION = 1;

/** Variables `switchyard dev` sets itself for each synthesis: not the user's environment. */
const OWN_VARIABLES = /^(CDK_OUTDIR|CDK_CONTEXT_JSON|NODE_OPTIONS|SWITCHYARD_SYNTH_RECORD|SWITCHYARD_BUNDLE_CACHE)$/;

/** One process's record, as synth-hook.cjs writes it. */
interface ProcessRecord {
  readonly app: boolean;
  readonly modules: readonly string[];
  readonly reads: readonly string[];
  readonly listed: readonly string[];
  readonly env: Readonly<Record<string, string | null>>;
  readonly bundles: readonly {
    readonly key: string;
    readonly esbuildArgs: string[];
    readonly cwd: string;
    readonly command: string;
    readonly runnerArgs: string[];
    readonly outfile: string;
    readonly inputs: string[];
    readonly digest?: string;
  }[];
  readonly commands: readonly string[];
}

/**
 * Reads what the synthesis's processes recorded into `recordDir` into one record: what it
 * read (the project's files, and modules wherever they are), and each function bundle matched
 * to the asset folder it ended in (by its content: CDK names the folder after it).
 */
export function readSynthRecord(recordDir: string, root: string, cdkOut: string, projectFiles: readonly string[]): SynthRecord {
  const processes = readdirSync(recordDir)
    .filter((name) => /^\d+\.json$/.test(name))
    .map((name) => JSON.parse(readFileSync(path.join(recordDir, name), 'utf8')) as ProcessRecord);
  const apps = processes.filter((p) => p.app);
  const inProject = (file: string) => isInside(file, root) && !isInside(file, cdkOut) && !isInside(file, path.join(root, '.switchyard'));
  const read = new Set<string>(projectFiles);
  const listed = new Set<string>();
  const env: Record<string, string | null> = {};
  for (const p of processes) {
    for (const file of p.modules) read.add(file);
    for (const file of p.reads) if (inProject(file)) read.add(file);
    for (const folder of p.listed) if (inProject(folder)) listed.add(folder);
    if (p.app) for (const [key, value] of Object.entries(p.env)) if (!OWN_VARIABLES.test(key)) env[key] = value;
  }
  // A bundling hook's commands (SwitchyardFunction's copies of its asset files): the files they name are read.
  const commands = processes.flatMap((p) => p.commands).map((command) => filesNamed(command, cdkOut));
  for (const named of commands) for (const file of named.files) read.add(file);
  const assets = assetFolders(cdkOut);
  const bundles: BundleRecord[] = [];
  for (const bundle of processes.flatMap((p) => p.bundles)) {
    const assetDir = bundle.digest === undefined ? undefined : assets.get(`${bundle.digest}/${path.basename(bundle.outfile)}`);
    // A bundle an after-bundling hook changed is not esbuild's output alone: it is synthesized again, not rebuilt here.
    if (assetDir === undefined || bundle.inputs.length === 0) continue;
    const { key, esbuildArgs, cwd, command, runnerArgs, outfile } = bundle;
    bundles.push({ key, esbuildArgs, cwd, command, runnerArgs, outfile, assetDir, inputs: stampFiles(bundle.inputs) });
  }
  return {
    version: RECORD_VERSION,
    cdkOut,
    // The launchers' processes (npx, tsx's) load no module of the app: only the app's own must have been followed.
    complete: apps.length > 0 && commands.every((named) => !named.opaque),
    read: stampFiles(read),
    listed: stampFolders(listed),
    env,
    bundles,
  };
}

/** Each asset folder's files by `<sha256 of content>/<file name>`, for the files a bundle may have written. */
function assetFolders(cdkOut: string): Map<string, string> {
  const byContent = new Map<string, string>();
  const visit = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const folder = path.join(dir, entry.name);
      if (entry.name.startsWith('asset.')) {
        for (const file of readdirSync(folder)) {
          if (/\.(m|c)?js$/.test(file)) byContent.set(`${digest(readFileSync(path.join(folder, file)))}/${file}`, folder);
        }
      } else if (depth === 0 && entry.name.startsWith('assembly-')) visit(folder, 1);
    }
  };
  visit(cdkOut, 0);
  return byContent;
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

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Why the app must be synthesized again before it runs (a file it read changed, a folder it
 * listed, a variable it read, the assembly gone), or undefined when the record's assembly is
 * still the app.
 */
export function staleness(record: SynthRecord, env: NodeJS.ProcessEnv): string | undefined {
  if (!record.complete) return 'the last synthesis could not be followed';
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
