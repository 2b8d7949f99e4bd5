import * as path from 'node:path';
import { newestAssembly } from '../assembly.js';
import type { CommandIo } from '../commands/command.js';
import { CliError, usageError } from '../errors.js';
import { DEV_CDK_OUT, prepareStateFolder, readCdkProject } from './project.js';
import { SynthError, synthesize } from './synth.js';
import { SourceWatcher } from './watch.js';

/** local/launcher.ts, which cli/commands/dev.ts loads on Node 24 only (it opens node:sqlite). */
type Launcher = typeof import('../../local/launcher.js');
type Runtime = Awaited<ReturnType<Launcher['launchRuntime']>>;

export interface DevServerOptions {
  readonly root: string;
  readonly settings: ReturnType<Launcher['launchSettings']>;
  /** --data; @default <root>/.switchyard/data */
  readonly data?: string;
  /** Synthesize before starting (else the last synthesized app runs). */
  readonly synth: boolean;
  /** Watch the sources and reload on changes. */
  readonly watch: boolean;
  readonly io: Pick<CommandIo, 'out' | 'err'>;
  readonly launcher: Launcher;
}

/** How many changed files a reload line names before it says "and N more". */
const FILES_NAMED = 3;

/**
 * Synthesizes the app, starts the runtime on it, and (with `watch`) reloads it whenever its
 * sources change, until Ctrl-C. Returns once the runtime runs.
 * @throws CliError outside a CDK app (2), when the first synthesis fails, the port or the data folder is in use (1)
 */
export async function startDevServer(options: DevServerOptions): Promise<Runtime> {
  const { root, io, launcher } = options;
  const started = performance.now();
  const project = readCdkProject(root);
  const state = prepareStateFolder(root, io.out);
  const outdir = path.join(root, DEV_CDK_OUT);
  const dataDir = path.resolve(options.data ?? path.join(state, 'data'));
  let cdkOut: string;
  if (options.synth) {
    io.out(`synthesizing the app (${project.app})...`);
    cdkOut = await synthesize(project, outdir).catch((error: unknown) => {
      if (!(error instanceof SynthError)) throw error;
      if (error.output.trim() !== '') io.err(error.output.trimEnd());
      throw new CliError(`${error.message}: fix the app and run switchyard dev again`);
    });
  } else {
    const newest = newestAssembly(root);
    if (newest === undefined) {
      throw usageError(
        `--no-synth: there is no synthesized app in ${outdir} or ${path.join(root, 'cdk.out')} yet; run switchyard dev without --no-synth once (or npx cdk synth)`,
      );
    }
    cdkOut = newest;
  }
  let runtime: Runtime;
  try {
    runtime = await launcher.launchRuntime({ cdkOut, dataDir, settings: options.settings, root, started, out: io.out, warn: io.err });
  } catch (error) {
    if (error instanceof launcher.LaunchError) throw new CliError(error.message);
    throw error;
  }
  const watcher = options.watch ? watchAndReload(runtime, project, outdir, io) : undefined;
  launcher.stopOnSignals(runtime, () => watcher?.close());
  return runtime;
}

/** Watches the sources; each quiet batch of changes synthesizes again and reloads, one at a time. */
function watchAndReload(
  runtime: Runtime,
  project: ReturnType<typeof readCdkProject>,
  outdir: string,
  io: DevServerOptions['io'],
): SourceWatcher {
  let running: Promise<void> | undefined;
  let queued: string[] = [];
  const next = (): void => {
    if (running !== undefined || queued.length === 0) return;
    const files = queued;
    queued = [];
    running = reloadOnce(runtime, project, outdir, files, io).finally(() => {
      running = undefined;
      next();
    });
  };
  const watcher = new SourceWatcher(
    project.root,
    project.watch,
    (files) => {
      // Changes during a synthesis are synthesized once it ends, together.
      queued.push(...files);
      next();
    },
    (error) => io.err(`switchyard dev: watching the sources failed (${error.message}); changes may go unnoticed: restart switchyard dev`),
  );
  const what = project.watch
    ? `cdk.json's watch.include ${project.watch.include.join(', ')}`
    : 'all but node_modules, cdk.out, dist and dot-folders';
  io.out(`watching ${project.root} for changes (${what}); Ctrl-C stops`);
  return watcher;
}

/** One change: synthesize, reload, say what was reloaded; a failure leaves the last good app running. */
async function reloadOnce(
  runtime: Runtime,
  project: ReturnType<typeof readCdkProject>,
  outdir: string,
  files: readonly string[],
  io: DevServerOptions['io'],
): Promise<void> {
  const unique = [...new Set(files)];
  const named = unique.slice(0, FILES_NAMED).join(', ') + (unique.length > FILES_NAMED ? ` and ${unique.length - FILES_NAMED} more` : '');
  io.out(`changed: ${named}; synthesizing...`);
  const started = performance.now();
  try {
    const cdkOut = await synthesize(project, outdir);
    const summary = await runtime.reload(cdkOut);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.out(
      summary.reloaded.length > 0
        ? `reloaded in ${seconds} s: ${summary.reloaded.join(', ')}`
        : `reloaded in ${seconds} s: nothing that runs locally changed`,
    );
    for (const line of summary.needsRestart) io.out(`  not reloaded: ${line}`);
  } catch (error) {
    if (error instanceof SynthError) {
      if (error.output.trim() !== '') io.err(error.output.trimEnd());
      io.err(`switchyard dev: ${error.message}; the last good app keeps running: fix the error and save again`);
      return;
    }
    // A template the runtime cannot load (TemplateError, ...): nothing was changed.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.err(`switchyard dev: the new app could not be reloaded (${reason}); the last good app keeps running`);
  }
}
