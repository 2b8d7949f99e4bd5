import * as path from 'node:path';
import { DEV_CDK_OUT } from '../../inspect/assembly.js';
import type { CommandIo } from '../commands/command.js';
import type { CodeRecord, RebuildOutcome } from './handler-code.js';
import { type SynthError, synthErrorLines } from './synth.js';
import type { BundleRecord } from './synth-record.js';

/**
 * What switchyard dev prints of a rebuild and a failed synthesis: the handlers rebuilt and the
 * functions that run them, a build's errors once each, the app's own error lines.
 */

/** The functions of a running app, as much of them as the lines need. */
export interface RunningFunctions {
  readonly definitions: { readonly functions: readonly { readonly name: string; readonly codePath: string }[] };
}

/** Where the lines go and the project their paths are relative to. */
export interface ReportTo {
  readonly io: Pick<CommandIo, 'out' | 'err'>;
  readonly project: { readonly root: string };
}

/** How many changed files a reload line names before it says "and N more". */
const FILES_NAMED = 3;

/** What happened to a file of a batch of changes, by whether it is there now and whether the last synthesis saw it. */
export interface FileChecks {
  readonly exists: (file: string) => boolean;
  readonly saw: (file: string) => boolean;
}

/**
 * The files of a batch the reload is for, in order (a start's changes come batch after batch),
 * and how its line names them: each removed one said so; one gone that the last synthesis never
 * saw (an editor's temporary or backup file, created and deleted since) left out, as no change.
 * Undefined when nothing is left: no reload, no line.
 */
export function changedFiles(files: readonly string[], checks: FileChecks): { files: string[]; named: string } | undefined {
  const kept = [...new Set(files)]
    .sort()
    .flatMap((file) => (checks.exists(file) ? [{ file, label: file }] : checks.saw(file) ? [{ file, label: `${file} (removed)` }] : []));
  if (kept.length === 0) return undefined;
  const more = kept.length > FILES_NAMED ? ` and ${kept.length - FILES_NAMED} more` : '';
  const named = kept
    .slice(0, FILES_NAMED)
    .map(({ label }) => label)
    .join(', ');
  return { files: kept.map(({ file }) => file), named: named + more };
}

/** The functions whose code is the asset folder (the template's code, which a rebuilt bundle replaces). */
export function functionsRunning(runtime: RunningFunctions, assetDir: string): string[] {
  return runtime.definitions.functions.filter((fn) => path.resolve(fn.codePath) === assetDir).map((fn) => fn.name);
}

/**
 * The rebuilt handlers (their entry files and the functions that run them), or the build errors
 * (each once, with its file and line). Without a runtime (at start, before it runs) no function
 * is named: the start-up report says which run code newer than the synthesis.
 */
export function reportRebuilt(dev: ReportTo, outcomes: readonly RebuildOutcome[], what: string, runtime?: RunningFunctions): void {
  const built = outcomes.flatMap((outcome) => ('rebuilt' in outcome ? [outcome] : []));
  const errors = [...new Set(outcomes.flatMap((outcome) => ('error' in outcome ? outcome.error.lines : [])))];
  if (built.length > 0) {
    const entries = [...new Set(built.map((b) => entryPath(dev, b.bundle)))].join(', ');
    const functions = runtime && [...new Set(built.flatMap((b) => functionsRunning(runtime, b.bundle.assetDir)))];
    const ms = Math.round(built.reduce((sum, b) => sum + b.rebuilt.ms, 0));
    const runs =
      functions === undefined ? '' : `: ${functions.join(', ')} ${functions.length === 1 ? 'runs' : 'run'} it from the next invocation`;
    dev.io.out(`${what}: rebuilt ${entries} in ${ms} ms, no synthesis${runs} (newer than ${DEV_CDK_OUT} until the next synthesis)`);
  }
  if (errors.length > 0) {
    dev.io.err(`${what}: the handler does not build; the last good code keeps running: fix it and save again`);
    for (const line of errors) dev.io.err(`  ${line}`);
  }
}

/** The bundle's entry file (a copied folder's source folder, with a slash), relative to the project. */
export function entryPath(dev: ReportTo, bundle: CodeRecord): string {
  if ('source' in bundle) return `${path.relative(dev.project.root, bundle.source)}/`;
  return path.relative(dev.project.root, path.resolve(bundle.cwd, entryOf(bundle)));
}

/** The bundle's entry file, as its esbuild command line names it. */
function entryOf(bundle: BundleRecord): string {
  return bundle.esbuildArgs.find((arg) => !arg.startsWith('--')) ?? bundle.outfile;
}

export function printSynthError(io: ReportTo['io'], error: SynthError): void {
  const lines = synthErrorLines(error.output);
  if (lines.length > 0) io.err(lines.join('\n'));
}
