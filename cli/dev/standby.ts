import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { firstChanged } from './file-stamps.js';
import type { CdkProject } from './project.js';
import { type AppRun, appRun, assemblyOf, clearAssembly, SynthError, type SynthState, startCommand, synthesize } from './synth.js';
import { isInside, type SynthRecord } from './synth-record.js';

/** What a synthesis returns (synth.ts's synthesize). */
type Synthesized = { cdkOut: string; record?: SynthRecord };

/** What the standby's app process wrote once it had loaded what it could ahead (cli/dev/synth-hook.cjs). */
interface Ready {
  readonly pid: number;
  readonly modules: readonly string[];
  readonly reads: readonly string[];
}

/** How often a standby's readiness (or its end) is looked for while a change waits on it. */
const READY_POLL_MS = 10;

/**
 * The next synthesis's process, started ahead of need (after a synthesis, while the user edits):
 * the app command runs with the preload, which at the app's first own module loads the modules of
 * node_modules the last synthesis's app process loaded (aws-cdk-lib's) and waits; `take` lets it go on into
 * the app's own modules, which a change has just edited. It does only what does not depend on
 * the app's files, and is used only if what it started with is still what a fresh synthesis
 * would get (the command, its environment and context, the dependency modules it loaded); else
 * it is stopped and the caller synthesizes afresh. Its processes are a process group of their
 * own, stopped (SIGKILL: none of the app's code ran) by `dispose`, when dev exits, and by the
 * preload itself when dev's process is gone.
 */
export class StandbySynth {
  readonly #project: CdkProject;
  readonly #run: AppRun & { readonly records: string };
  readonly #record: SynthRecord;
  readonly #child: ChildProcess;
  readonly #ended: Promise<void>;
  /** The file whose presence pauses the preloading (synth-hook.cjs), and how many holds keep it. */
  readonly #holdFile: string;
  #holds = 0;
  #exited = false;
  #taken = false;
  #disposed = false;
  readonly #onExit = () => this.dispose();

  private constructor(project: CdkProject, run: AppRun & { readonly records: string }, record: SynthRecord) {
    this.#project = project;
    this.#run = run;
    this.#record = record;
    const go = path.join(run.records, 'go');
    // A file, not a variable: thousands of paths are more than a variable may hold (128 KiB on Linux).
    const preload = path.join(run.records, 'preload.json');
    writeFileSync(preload, JSON.stringify(record.preload ?? []));
    this.#holdFile = path.join(run.records, 'hold');
    const env = { ...run.appEnv, SWITCHYARD_SYNTH_STANDBY: JSON.stringify({ go, owner: process.pid, preload, hold: this.#holdFile }) };
    const { child, ended } = startCommand(run.command, project.root, env, 'the app (cdk.json "app")', true);
    this.#child = child;
    this.#ended = ended;
    // Its failure is the caller's once it takes it; one never taken ends unseen (disposed).
    ended.then(
      () => this.#end(),
      () => this.#end(),
    );
    process.on('exit', this.#onExit);
  }

  /**
   * A standby for the next synthesis of `project`, or undefined where none can be kept: a
   * `build` command (it reads the app's files), an assembly folder as the app, no complete
   * record of a synthesis (the app's process was not followed: not a Node app, or a Node
   * without module hooks), or Windows (no process groups to stop).
   */
  static start(project: CdkProject, outdir: string, state: SynthState, record: SynthRecord | undefined): StandbySynth | undefined {
    if (record === undefined || !record.complete || project.build !== undefined || process.platform === 'win32') return undefined;
    const prebuilt = path.resolve(project.root, project.app);
    if (existsSync(prebuilt) && statSync(prebuilt).isDirectory()) return undefined;
    const run = appRun(project, outdir, state);
    if (run.records === undefined) return undefined;
    return new StandbySynth(project, { ...run, records: run.records }, record);
  }

  /** The process id of the standby's shell (its process group). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Pauses the standby's preloading (between two modules) until the returned function is called,
   * for work a user waits on: a handler edit's rebuild and the new code's init would otherwise
   * share the cores with the loading of aws-cdk-lib, which takes one for seconds after a start
   * or a synthesis. A standby waiting already, or ended, takes no CPU: a hold changes nothing.
   * Holds nest; `take` ends them all (the synthesis is then what the user waits on).
   */
  hold(): () => void {
    if (this.#taken || this.#exited || this.#disposed) return () => {};
    if (this.#holds++ === 0) writeFileSync(this.#holdFile, '');
    let released = false;
    return () => {
      if (released || this.#taken || this.#disposed) return;
      released = true;
      if (--this.#holds === 0) rmSync(this.#holdFile, { force: true });
    };
  }

  /**
   * The synthesis of `project` into `outdir`, by this standby: undefined (the standby stopped)
   * when it cannot serve it: it ended, or what it started with is not what a fresh synthesis
   * would get now. Once given, a failure of the app is the synthesis's (the caller synthesizes
   * afresh to show the app's own error as it would without a standby). Only once.
   */
  async take(project: CdkProject, outdir: string, state: SynthState): Promise<{ readonly synthesis: Promise<Synthesized> } | undefined> {
    if (this.#taken) return undefined;
    this.#taken = true;
    // Held, it would never say it is ready.
    this.#holds = 0;
    rmSync(this.#holdFile, { force: true });
    const fresh = appRun(project, outdir, state);
    if (fresh.records !== undefined) rmSync(fresh.records, { recursive: true, force: true });
    const ready = this.#exited || !sameRun(fresh, this.#run) ? undefined : await this.#ready();
    if (ready === undefined || this.#loadedChanged(ready)) {
      this.dispose();
      return undefined;
    }
    clearAssembly(outdir);
    writeFileSync(path.join(this.#run.records, 'go'), '');
    // Wrapped: an async function's promise would adopt this one, and its failure would be take's own.
    return { synthesis: this.#ended.then(() => assemblyOf(this.#project, outdir, this.#run.records)).finally(() => this.dispose()) };
  }

  /** Stops the standby's processes (if they run) and removes its records. */
  dispose(): void {
    this.#disposed = true;
    process.off('exit', this.#onExit);
    const pid = this.#child.pid;
    if (!this.#exited && pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (error) {
        // The group ended already.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    rmSync(this.#run.records, { recursive: true, force: true });
  }

  #end(): void {
    this.#exited = true;
    process.off('exit', this.#onExit);
  }

  /** What the app's process loaded before it waited, once it waits; undefined if it ended first. */
  async #ready(): Promise<Ready | undefined> {
    const file = path.join(this.#run.records, 'ready.json');
    while (!this.#exited) {
      if (existsSync(file)) {
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as Ready;
        } catch (error) {
          // Being written: read again next time.
          if (!(error instanceof SyntaxError)) throw error;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    return undefined;
  }

  /**
   * Whether a module the standby loaded ahead (or a project file it read, tsconfig.json) is not
   * as the last synthesis read it: an install since, say. One the last synthesis did not read
   * at all counts as changed. The app's own modules are not loaded before it goes on.
   */
  #loadedChanged(ready: Ready): boolean {
    const root = this.#project.root;
    const own = (file: string) => isInside(file, root) && !file.split(path.sep).includes('node_modules');
    // The record leaves out what the synthesis read of dev's own state (its records, the compile cache).
    const state = path.join(root, '.switchyard');
    const stamps = new Map(this.#record.read.map((stamp) => [stamp.file, stamp]));
    const files = [...ready.modules.filter((file) => !own(file)), ...ready.reads.filter((file) => isInside(file, root))];
    const checked = [];
    for (const file of new Set(files)) {
      if (isInside(file, state)) continue;
      const stamp = stamps.get(file);
      if (stamp === undefined) return true;
      checked.push(stamp);
    }
    return firstChanged(checked) !== undefined;
  }
}

/**
 * Synthesizes `project` as synthesize does, by the standby process when it can serve it (the
 * start of Node, the TS loader and aws-cdk-lib done already), else afresh. A standby whose app
 * fails is not trusted with the error: a fresh synthesis shows the app's own error as it would
 * have without a standby.
 * @throws SynthError as synthesize
 */
export async function synthesizeWithStandby(
  standby: StandbySynth | undefined,
  project: CdkProject,
  outdir: string,
  state: SynthState,
  signal?: AbortSignal,
): Promise<Synthesized> {
  const served = await standby?.take(project, outdir, state);
  if (served !== undefined && standby !== undefined) {
    // Stopped as a fresh synthesis's processes are (synth.ts's stoppable), and not followed by a fresh one.
    const stop = () => standby.dispose();
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted === true) stop();
    try {
      return await served.synthesis;
    } catch (error) {
      if (!(error instanceof SynthError) || signal?.aborted === true) throw error;
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }
  return synthesize(project, outdir, state, signal);
}

/** Whether two runs start the same processes with the same environment (their records folders aside). */
function sameRun(a: AppRun, b: AppRun): boolean {
  const key = (run: AppRun) => {
    const { SWITCHYARD_SYNTH_RECORD: _records, ...env } = run.appEnv;
    return JSON.stringify([run.command, Object.entries(env).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))]);
  };
  return key(a) === key(b);
}
