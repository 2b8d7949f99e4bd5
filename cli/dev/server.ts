import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DEV_CDK_OUT, newestAssembly } from '../../inspect/assembly.js';
import { CliError, usageError } from '../../inspect/errors.js';
import type { CommandIo } from '../commands/command.js';
import { ownPackage } from '../commands/init.js';
import { MCP_PATH, mcpMount } from '../mcp/mount.js';
import { type ChangePlan, type CodeRecord, HandlerCode, type RebuildOutcome } from './handler-code.js';
import { type CdkProject, prepareStateFolder, readCdkProject, withCommandContext } from './project.js';
import { reportUnrun, runReplacements } from './replaced-code.js';
import { changedFiles, entryPath, functionsRunning, printSynthError, reportRebuilt } from './report-lines.js';
import { SeenContents } from './rewrites.js';
import { clearSynthFailure, forgetRunningApp, keepRunningApp, recordSynthFailure, startingDev } from './running-app.js';
import { StandbySynth, synthesizeWithStandby } from './standby.js';
import { SynthError, type SynthState, synthEnvironment, synthFailureLine } from './synth.js';
import { loadRecord, type SynthRecord, saveRecord, staleness } from './synth-record.js';
import { TypeCheck } from './type-check.js';
import { excludingFolder, SourceWatcher } from './watch.js';

/** local/launcher.ts, which cli/commands/dev.ts loads on Node 24 only (it opens node:sqlite). */
type Launcher = typeof import('../../local/launcher.js');
type Runtime = Awaited<ReturnType<Launcher['launchRuntime']>>;

export interface DevServerOptions {
  readonly root: string;
  readonly settings: ReturnType<Launcher['launchSettings']>;
  /** --data; @default <root>/.switchyard/data */
  readonly data?: string;
  /** Synthesize before starting when the app changed since the last synthesis (else the last synthesized app runs). */
  readonly synth: boolean;
  /** Watch the sources and reload on changes. */
  readonly watch: boolean;
  /** `--context key=value` values, over cdk.json's context. @default none */
  readonly context?: readonly string[];
  /** Check the app's types in the background (its own tsc) at start and after each change, reporting errors without blocking. */
  readonly typecheck: boolean;
  /**
   * Start each next synthesis's process ahead of the edit that needs it (standby.ts): its
   * modules loaded while the user edits. Off, an infrastructure edit starts its synthesis then.
   * @default true
   */
  readonly standby?: boolean;
  readonly io: Pick<CommandIo, 'out' | 'err'>;
  readonly launcher: Launcher;
}

/** The longest dev's background processes wait for the runtime's warm-up (a compile waits for a pause in the requests). */
const BACKGROUND_WAIT_MS = 3_000;

/** What dev keeps in the project's .switchyard/ besides the assembly and the data folder. */
interface DevState extends SynthState {
  /** What the last synthesis read and how it bundled each function (synth-record.ts). */
  readonly record: string;
  /** Bundles rebuilt since the last synthesis (handler-code.ts). */
  readonly code: string;
}

/** Everything one `switchyard dev` works with. */
export interface Dev {
  readonly project: CdkProject;
  readonly outdir: string;
  readonly state: DevState;
  readonly code: HandlerCode;
  readonly io: DevServerOptions['io'];
  /** The app's type check, when it is on and the app has one (set once the options are read). */
  types?: TypeCheck;
  /** The last synthesis that succeeded, and the next synthesis's process started from it (standby.ts) while dev watches. */
  lastGood?: SynthRecord;
  standby?: StandbySynth;
  /** `--no-standby`: no synthesis process is started ahead. */
  standbyOff?: boolean;
}

/**
 * What dev does before it loads the runtime's modules (a second of CPU or more): the project
 * read, its sources watched, and its first synthesis started when one is due, a process of its
 * own that runs while the runtime loads (cli/commands/dev.ts). startDevServer goes on from it.
 */
export interface DevPrelude {
  /** Whether it synthesizes (else the last assembly runs: --no-synth) and watches (--no-watch). */
  readonly synth: boolean;
  readonly watch: boolean;
  readonly started: number;
  readonly dev: Dev;
  readonly changes?: Changes;
  /** The first synthesis (or the last one's assembly), under way; undefined with --no-synth. */
  readonly synthesis?: Promise<string>;
  /** Dev does not go on (a bad option): the watcher closes, the synthesis's process is stopped. */
  cancel(): void;
}

/**
 * Reads the project, watches its sources (from before the synthesis: a file saved while dev
 * starts is applied once the runtime runs) and starts the first synthesis unless nothing its
 * last one read has changed.
 * @throws CliError outside a CDK app (2), when a switchyard dev runs in the folder already (1)
 */
export function startDevPrelude(
  root: string,
  io: DevServerOptions['io'],
  options: { synth: boolean; watch: boolean; context?: readonly string[] },
): DevPrelude {
  const started = performance.now();
  const project = withCommandContext(readCdkProject(root), options.context ?? []);
  startingDev(root);
  const folder = prepareStateFolder(root, io.out);
  const state: DevState = {
    scratch: path.join(folder, 'tmp'),
    bundleCache: path.join(folder, 'bundle-cache'),
    compileCache: path.join(folder, 'compile-cache'),
    record: path.join(folder, 'synth-record.json'),
    code: path.join(folder, 'code'),
  };
  const saved = loadRecord(state.record);
  const dev: Dev = {
    project,
    outdir: path.join(root, DEV_CDK_OUT),
    state,
    code: new HandlerCode(root, state.code, saved, state.bundleCache),
    io,
    ...(saved ? { lastGood: saved } : {}),
  };
  const changes = options.watch ? new Changes(dev) : undefined;
  const abort = new AbortController();
  const synthesis = options.synth ? firstSynthesis(dev, abort.signal) : undefined;
  // Awaited by startDevServer; a cancelled one's failure is nobody's.
  synthesis?.catch(() => {});
  return {
    ...options,
    started,
    dev,
    ...(changes ? { changes } : {}),
    ...(synthesis ? { synthesis } : {}),
    cancel: () => {
      changes?.close();
      abort.abort();
    },
  };
}

/**
 * Synthesizes the app (unless nothing its last synthesis read has changed), starts the
 * runtime on it, and (with `watch`) reloads it whenever its sources change, until Ctrl-C:
 * a change only functions' bundles read rebuilds those bundles and runs them with no
 * synthesis; any other synthesizes again. Returns once the runtime runs. With `prelude`
 * (startDevPrelude's, for the same synth and watch), goes on from what it started.
 * @throws CliError outside a CDK app (2), when a switchyard dev runs in the folder already, the first synthesis fails, the port or the data folder is in use (1)
 */
export async function startDevServer(options: DevServerOptions, prelude?: DevPrelude): Promise<Runtime> {
  const { root, io, launcher } = options;
  let begun = prelude;
  if (begun !== undefined && (begun.synth !== options.synth || begun.watch !== options.watch)) {
    begun.cancel();
    begun = undefined;
  }
  begun ??= startDevPrelude(root, io, { synth: options.synth, watch: options.watch, context: options.context ?? [] });
  const { dev, changes, started } = begun;
  if (options.standby === false) dev.standbyOff = true;
  const typeCheck = options.typecheck ? typeCheckOf(root, path.dirname(dev.state.record), io) : undefined;
  const types = typeCheck?.check;
  if (types !== undefined) dev.types = types;
  const dataDir = path.resolve(options.data ?? path.join(path.dirname(dev.state.record), 'data'));
  let runtime: Runtime;
  try {
    runtime = await startRuntime(options, dev, dataDir, started, begun.synthesis);
  } catch (error) {
    // A runtime that failed to start (its port in use) stops the synthesis it no longer needs.
    begun.cancel();
    throw error;
  }
  // dev's background processes (the next synthesis's, the type check) start once the functions' first environments
  // have (or after BACKGROUND_WAIT_MS): on two cores they would take a core from the first event's invocation.
  const background = Promise.race([runtime.warmedUp(), new Promise<void>((resolve) => setTimeout(resolve, BACKGROUND_WAIT_MS).unref())]);
  changes?.run(runtime, dataDir, background);
  io.out(`mcp: ${runtime.url}${MCP_PATH} (Streamable HTTP for coding agents on this machine; docs/mcp.md)`);
  if (typeCheck) io.out(typeCheck.line);
  void background.then(() => types?.request());
  launcher.stopOnSignals(runtime, async () => {
    forgetRunningApp(root);
    changes?.close();
    types?.close();
    await dev.code.dispose();
  });
  return runtime;
}

/** The app's type check, and the line that says how its types are checked, or why they are not. */
function typeCheckOf(root: string, folder: string, io: DevServerOptions['io']): { readonly check?: TypeCheck; readonly line: string } {
  const check = TypeCheck.of(root, path.join(folder, 'tsbuildinfo'), io);
  if (check instanceof TypeCheck) {
    return {
      check,
      line: "types: checked by the app's tsc in the background, at start and after each change (errors are reported, never block)",
    };
  }
  return { line: `types: not checked: ${check.none} (esbuild runs the code without checking its types)` };
}

/** The first synthesis (or the last one's assembly), the handlers saved since, and the runtime on them. */
async function startRuntime(
  options: DevServerOptions,
  dev: Dev,
  dataDir: string,
  started: number,
  synthesis: Promise<string> | undefined,
): Promise<Runtime> {
  const { root, io, launcher } = options;
  // --no-synth's assembly is looked for before anything starts.
  const first = synthesis ?? lastAssembly(dev);
  // The runtime starts meanwhile (its endpoint, its services' work that needs no template) and loads this once it is there.
  const assembly = (async () => {
    const cdkOut = await first;
    launcher.startMark('synthesized (or the last synthesis reused)');
    // Handlers saved while dev was not running run too, rebuilt before the runtime loads the app.
    reportRebuilt(dev, await dev.code.rebuild(dev.code.stale()), 'handlers saved since the last synthesis');
    dev.code.storeRebuilt();
    launcher.startMark('handlers saved since rebuilt');
    return cdkOut;
  })();
  // Awaited by the runtime's start; one that failed first (its port in use) leaves it to nobody.
  assembly.catch(() => {});
  let runtime: Runtime;
  try {
    runtime = await launcher.launchRuntime({
      cdkOut: assembly,
      dataDir,
      settings: options.settings,
      root,
      started,
      out: io.out,
      warn: io.err,
      // The handlers rebuilt since the last synthesis: their functions start on them (no switch after the start).
      replacedCode: () => dev.code.replacements(),
      prepare: async (running) => {
        reportUnrun(dev.project.root, dev.io, running, dev.code.replacements());
      },
      mcp: mcpMount(ownPackage().manifest.version ?? '0.0.0'),
    });
  } catch (error) {
    if (error instanceof launcher.LaunchError) throw new CliError(error.message);
    throw error;
  }
  keepForTools(dev, await assembly, runtime.url);
  launcher.startMark('assembly kept for the other commands');
  return runtime;
}

/** The assembly the runtime now runs, kept where the other commands find it while a later synthesis fails (running-app.ts). */
function keepForTools(dev: Dev, cdkOut: string, endpoint: string): void {
  try {
    keepRunningApp(dev.project.root, cdkOut, endpoint);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    dev.io.err(`switchyard dev: could not keep a copy of the app that runs for the other commands (${reason}); they read ${DEV_CDK_OUT}`);
  }
}

/** The assembly to start from: the last synthesis when nothing it read has changed, else a new one. */
async function firstSynthesis(dev: Dev, signal: AbortSignal): Promise<string> {
  const { record } = dev.code;
  const reason = record === undefined ? undefined : staleness(record, synthEnvironment(), dev.project.commandContext);
  if (record !== undefined && reason === undefined) {
    dev.io.out(`starting from the last synthesis (${path.relative(dev.project.root, record.cdkOut)}): nothing it read has changed`);
    return record.cdkOut;
  }
  dev.io.out(`synthesizing the app (${dev.project.app})${reason ? `: ${reason}` : ''}...`);
  try {
    return await synthesizeInto(dev, signal);
  } catch (error) {
    if (!(error instanceof SynthError)) throw error;
    if (signal.aborted) throw new CliError('the synthesis was stopped: switchyard dev did not start');
    printSynthError(dev.io, error);
    throw new CliError(`${error.message}: ${error.remedy} and run switchyard dev again`);
  }
}

/** --no-synth: the newest assembly, whoever synthesized it; the record is used only if it is that one's. */
function lastAssembly(dev: Dev): string {
  const newest = newestAssembly(dev.project.root);
  if (newest === undefined) {
    throw usageError(
      `--no-synth: there is no synthesized app in ${dev.outdir} or ${path.join(dev.project.root, 'cdk.out')} yet; run switchyard dev without --no-synth once (or npx cdk synth)`,
    );
  }
  if (dev.code.record?.cdkOut !== newest) dev.code.synthesized(undefined);
  return newest;
}

async function synthesizeInto(dev: Dev, signal?: AbortSignal): Promise<string> {
  try {
    // A rebuilt bundle the synthesis may take from the cache instead of building it again.
    dev.code.storeRebuilt();
    const { standby } = dev;
    dev.standby = undefined;
    const { cdkOut, record } = await synthesizeWithStandby(standby, dev.project, dev.outdir, dev.state, signal);
    clearSynthFailure(dev.project.root);
    dev.code.synthesized(record);
    dev.lastGood = record;
    if (record !== undefined) saveRecord(dev.state.record, record);
    return cdkOut;
  } catch (error) {
    dev.code.failed();
    // The other commands say so, and read the app that runs meanwhile (inspect/assembly.ts's chooseAssembly).
    // A synthesis dev stopped itself says nothing of the source.
    if (error instanceof SynthError && signal?.aborted !== true) recordSynthFailure(dev.project.root, synthFailureLine(error));
    throw error;
  }
}

/**
 * The sources' changes: watched from dev's start, each quiet batch planned and applied one at
 * a time once the runtime runs (`run`); those that come before are held until then.
 */
export class Changes {
  readonly #watcher: SourceWatcher;
  #runtime: Runtime | undefined;
  #running: Promise<void> | undefined;
  #queued: string[] = [];
  /** The data folder, project-relative, when it is inside the project: the runtime's writes there are not the app's changes. */
  #dataFolder: string | undefined;
  #closed = false;
  /** Whether a process may start ahead (the next synthesis's): once the runtime's warm-up has ended (run's `background`). */
  #ahead = false;
  /** A file written again with the bytes it had is no change (an app's synthesis rewriting its own output). */
  readonly #seen = new SeenContents();

  constructor(private readonly dev: Dev) {
    const { project, io } = dev;
    // Watched before the options (and so the data folder) are read: its files are left out once they are (run).
    this.#watcher = new SourceWatcher(
      project.root,
      project.watch,
      (files) => {
        // The rebuild or synthesis the change needs goes first: the check starts again once it is applied.
        dev.types?.interrupt();
        // Changes during a reload (or the start) are applied once it ends, together.
        this.#queued.push(...files);
        this.#next();
      },
      (error) => io.err(`switchyard dev: watching the sources failed (${error.message}); changes may go unnoticed: restart switchyard dev`),
      undefined,
      (file) => dev.code.reads(file),
    );
  }

  /** Applies the changes from now on; the next synthesis's process starts ahead once `background` resolves, and after each change from then on. */
  run(runtime: Runtime, dataDir: string, background: Promise<unknown>): void {
    const { project, io } = this.dev;
    const what = project.watch
      ? `cdk.json's watch.include ${project.watch.include.join(', ')}, and any file the app reads`
      : "all but node_modules (but a layer's the app copies), cdk.out, dist and dot-folders";
    io.out(`watching ${project.root} for changes (${what}); Ctrl-C stops`);
    this.#dataFolder = excludingFolder(project.watch, project.root, dataDir).ownFolders?.at(-1);
    this.#runtime = runtime;
    this.#watcher.watchListed(this.dev.code.listedFolders());
    void background.then(() => {
      this.#ahead = true;
      this.#standBy();
    });
    this.#next();
  }

  close(): void {
    this.#watcher.close();
    this.dev.standby?.dispose();
    this.dev.standby = undefined;
    this.#closed = true;
  }

  /** Starts the next synthesis's process ahead of the change that needs it, unless one waits already. */
  #standBy(): void {
    const { dev } = this;
    if (!this.#ahead || this.#closed || dev.standbyOff === true || dev.standby !== undefined) return;
    const standby = StandbySynth.start(dev.project, dev.outdir, dev.state, dev.lastGood);
    if (standby !== undefined) dev.standby = standby;
  }

  #next(): void {
    const runtime = this.#runtime;
    const data = this.#dataFolder;
    if (data !== undefined) this.#queued = this.#queued.filter((file) => file !== data && !file.startsWith(`${data}/`));
    if (runtime === undefined || this.#running !== undefined || this.#queued.length === 0) return;
    const root = this.dev.project.root;
    // After a failed synthesis a save of the same bytes is how a user retries: it still counts.
    const retrying = this.dev.code.record === undefined;
    const files = [...new Set(this.#queued)].filter((file) => this.#seen.changed(path.resolve(root, file)) || retrying);
    this.#queued = [];
    if (files.length === 0) return;
    this.#running = reloadOnce(runtime, this.dev, files, () => this.#standBy()).finally(() => {
      this.#running = undefined;
      // A synthesis may have listed new asset folders (a layer's nodejs/node_modules).
      this.#watcher.watchListed(this.dev.code.listedFolders());
      // Checked once what changed runs (any file may be one tsc reads: a test, a type).
      this.dev.types?.request();
      // After a change that did not synthesize, or whose synthesis failed, too.
      this.#standBy();
      this.#next();
    });
  }
}

/** One batch of changes: rebuild the handlers it touches, or synthesize again; a failure leaves the last good app running. */
async function reloadOnce(runtime: Runtime, dev: Dev, files: readonly string[], synthesized: () => void): Promise<void> {
  const absolute = (file: string) => path.resolve(dev.project.root, file);
  const changed = changedFiles(files, { exists: (file) => existsSync(absolute(file)), saw: (file) => dev.code.saw(absolute(file)) });
  if (changed === undefined) return;
  const { named } = changed;
  const plan: ChangePlan = dev.code.plan(changed.files.map(absolute));
  if (plan.kind === 'none') {
    dev.io.out(`changed: ${named}: neither the app's synthesis nor a function's bundle reads it; nothing to reload`);
    return;
  }
  let reason = plan.kind === 'synth' ? plan.reason : undefined;
  if (plan.kind === 'code') {
    reason = await rebuildInPlace(runtime, dev, plan.bundles, `changed: ${named}`);
    if (reason === undefined) return;
  }
  dev.io.out(`changed: ${named}; synthesizing (${reason})...`);
  await synthesizeAndReload(runtime, dev, synthesized);
}

/**
 * Rebuilds the bundles and runs each in every function whose code is its asset folder. Returns
 * why the app must be synthesized instead when a bundle that built runs in no function (dev
 * cannot tell which function's code came from it, so no function would run the edit), else
 * undefined.
 */
async function rebuildInPlace(runtime: Runtime, dev: Dev, bundles: readonly CodeRecord[], what: string): Promise<string | undefined> {
  // The next synthesis's process loads aws-cdk-lib for seconds after a start or a synthesis: it
  // pauses until the edit runs, so that the rebuild and the new code's init have the cores.
  const release = dev.standby?.hold();
  let outcomes: RebuildOutcome[];
  try {
    outcomes = await dev.code.rebuild(bundles);
    await runReplacements(runtime, dev.code.replacements());
  } finally {
    release?.();
  }
  // Once the functions run the new code: storing it for the next synthesis is no part of the edit's wait.
  dev.code.storeRebuilt();
  const unreached = outcomes.filter((outcome) => 'rebuilt' in outcome && functionsRunning(runtime, outcome.bundle.assetDir).length === 0);
  if (unreached.length > 0) {
    const entries = [...new Set(unreached.map((outcome) => entryPath(dev, outcome.bundle)))].join(', ');
    const folders = unreached.map((outcome) => path.relative(dev.project.root, outcome.bundle.assetDir)).join(', ');
    dev.io.err(
      `${what}: rebuilt ${entries}, but no function runs its asset folder (${folders}), so dev cannot tell which functions run it; synthesizing instead`,
    );
    return `no function runs the rebuilt ${entries}`;
  }
  reportRebuilt(dev, outcomes, what, runtime);
  // As after a reload: the new code's first environment starts ahead of its next event.
  void runtime.warm();
  return undefined;
}

/** Synthesizes the app (then calls `synthesized`) and reloads what changed in place; a failure leaves the last good app running. */
async function synthesizeAndReload(runtime: Runtime, dev: Dev, synthesized: () => void): Promise<void> {
  const started = performance.now();
  try {
    const cdkOut = await synthesizeInto(dev);
    // The next synthesis's process starts now, so that it is ready for an edit that follows soon.
    synthesized();
    const summary = await runtime.reload(cdkOut);
    keepForTools(dev, cdkOut, runtime.url);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    dev.io.out(
      summary.reloaded.length > 0
        ? `reloaded in ${seconds} s: ${summary.reloaded.join(', ')}`
        : `reloaded in ${seconds} s: nothing that runs locally changed`,
    );
    for (const line of summary.needsRestart) dev.io.out(`  not reloaded: ${line}`);
    for (const warning of summary.warnings) dev.io.err(warning);
    if (summary.needsRestart.length > 0) {
      dev.io.out(
        '  restart switchyard dev to run these (Ctrl-C, then npx switchyard dev: it starts from this synthesis, without synthesizing again)',
      );
    }
  } catch (error) {
    if (error instanceof SynthError) {
      printSynthError(dev.io, error);
      dev.io.err(`switchyard dev: ${error.message}; the last good app keeps running: fix the error and save again`);
      return;
    }
    // A template the runtime cannot load (TemplateError, ...): nothing was changed.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    dev.io.err(`switchyard dev: the new app could not be reloaded (${reason}); the last good app keeps running`);
  }
}
