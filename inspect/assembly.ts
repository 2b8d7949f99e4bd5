import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { type AssemblyStack, assemblyStack, type CloudAssembly } from '../clients/assembly/template.js';
import { processAlive } from '../contracts/process-alive.js';
import { CliError } from './errors.js';

// The templates' model is pure and shared with the local runtime (clients/assembly/template.ts): the
// commands keep importing it from here, beside the reading of an assembly's folder.
export {
  type AssemblyStack,
  assemblyStack,
  type CloudAssembly,
  constructPathOf,
  referencedId,
  resourcesOfType,
  stateMachineDefinition,
  type TemplateResource,
} from '../clients/assembly/template.js';

/** The folder, inside the project, where `switchyard dev` keeps everything it writes. */
export const STATE_FOLDER = '.switchyard';
/** Where in the project `switchyard dev` synthesizes the app; the other commands read it from there too. */
export const DEV_CDK_OUT = path.join(STATE_FOLDER, 'cdk.out');
/**
 * Where a running `switchyard dev` keeps a copy of the assembly it runs (its manifest and
 * templates, no assets): a synthesis that fails empties DEV_CDK_OUT, and the tools then read
 * the app that is running from here. Dev removes it when it stops.
 */
export const RUNNING_CDK_OUT = path.join(STATE_FOLDER, 'running.out');
/**
 * Beside RUNNING_CDK_OUT, the `switchyard dev` that keeps it: its pid and when it started (JSON).
 * A dev killed with SIGKILL removes neither; the pid says whether the app still runs.
 */
export const RUNNING_DEV = path.join(STATE_FOLDER, 'running.json');

/** The `switchyard dev` that keeps RUNNING_CDK_OUT, as it wrote itself down. */
export interface RunningDev {
  readonly pid: number;
  /** When it started (ISO 8601). */
  readonly startedAt: string;
  /** Its runtime's endpoint (`--port`): the commands run in the project's folder call it when no endpoint is set. */
  readonly endpoint?: string;
}
/**
 * The file `switchyard dev` writes when the app's source does not synthesize: the first line of
 * the error, as text. The next synthesis that works removes it.
 */
export const SYNTH_FAILED = path.join(STATE_FOLDER, 'synth-failed.txt');

/** The assembly a command reads, and what it says once about the choice (the source does not synthesize). */
export interface AssemblyChoice {
  readonly dir: string;
  readonly notice?: string;
}

/**
 * The one place that decides which assembly every command and MCP tool reads: --cdk-out, then
 * SWITCHYARD_CDK_OUT, then the project's. While the source does not synthesize (dev's
 * SYNTH_FAILED), that is the app `switchyard dev` runs (RUNNING_CDK_OUT), not the emptied
 * DEV_CDK_OUT nor an older ./cdk.out; the notice says so.
 */
export function chooseAssembly(option: string | undefined, env: NodeJS.ProcessEnv = process.env, from = process.cwd()): AssemblyChoice {
  const chosen = option ?? env.SWITCHYARD_CDK_OUT;
  if (chosen !== undefined && chosen !== '') return { dir: path.resolve(from, chosen) };
  const cwd = projectFolder(from);
  const failure = synthFailure(cwd);
  const running = path.resolve(cwd, RUNNING_CDK_OUT);
  const left = failure !== undefined && hasAssembly(running) ? runningDevOf(cwd) : undefined;
  if (left?.alive === true) {
    return { dir: running, notice: `the source does not synthesize (${failure}); using the app that is running` };
  }
  const newest = newestAssembly(cwd);
  // A dev that ended without removing its copy (killed): no app runs, and the notice says so.
  const ended = left === undefined ? '' : `; ${left.ended}`;
  if (newest === undefined) {
    if (left !== undefined) {
      return {
        dir: running,
        notice: `the source does not synthesize (${failure})${ended}; using the app it ran last, in ${RUNNING_CDK_OUT}`,
      };
    }
    return { dir: path.resolve(cwd, failure === undefined ? 'cdk.out' : DEV_CDK_OUT) };
  }
  if (failure === undefined) return { dir: newest };
  return {
    dir: newest,
    notice: `the source does not synthesize (${failure})${ended}; using the app synthesized before it broke, in ${path.relative(cwd, newest)}`,
  };
}

/**
 * The CDK app's folder a command run in `from` means: the nearest folder up from it with a
 * cdk.json (a command run in the app's lambdas/ reads the app's assembly and reaches its dev, as
 * npm finds the package.json above), else `from` itself.
 */
export function projectFolder(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'cdk.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}

/**
 * Whether the `switchyard dev` that kept RUNNING_CDK_OUT still runs (RUNNING_DEV's pid), and
 * when not, what to say about it. A copy with no RUNNING_DEV beside it, or one that cannot be
 * read, names no running dev.
 */
function runningDevOf(cwd: string): { readonly alive: true } | { readonly alive: false; readonly ended: string } {
  const file = path.resolve(cwd, RUNNING_DEV);
  let dev: Partial<RunningDev> | undefined;
  try {
    dev = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunningDev>;
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no record of the dev that kept it' : `${RUNNING_DEV} is unreadable`;
    return { alive: false, ended: `the app is not running (${why} beside ${RUNNING_CDK_OUT})` };
  }
  if (runs(dev)) return { alive: true };
  const which =
    typeof dev.pid === 'number' ? `process ${dev.pid}${dev.startedAt === undefined ? '' : `, started ${dev.startedAt}`}` : 'its process';
  return { alive: false, ended: `the app is not running (switchyard dev, ${which}, has ended without removing ${RUNNING_CDK_OUT})` };
}

/**
 * The endpoint of the `switchyard dev` that runs in the project's folder (projectFolder of
 * `from`; RUNNING_DEV, its process alive), or undefined: a dev started with `--port 4599` is the
 * one the commands run beside it mean, not a runtime that is not there on the default port.
 */
export function runningDevEndpoint(from = process.cwd()): string | undefined {
  return runningDev(projectFolder(from))?.endpoint;
}

/**
 * The `switchyard dev` that runs in the project's folder `root` (RUNNING_DEV, its process alive):
 * its pid and, when it wrote a URL, its endpoint; undefined when there is none, it is being
 * swapped, or its dev ended.
 */
export function runningDev(root: string): { readonly pid: number; readonly endpoint?: string } | undefined {
  let dev: Partial<RunningDev>;
  try {
    dev = JSON.parse(readFileSync(path.resolve(root, RUNNING_DEV), 'utf8')) as Partial<RunningDev>;
  } catch (error) {
    // No dev runs here (none wrote it, or it is being swapped): the default endpoint, as before.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (!runs(dev)) return undefined;
  const pid = dev.pid as number;
  return typeof dev.endpoint === 'string' && URL.canParse(dev.endpoint) ? { pid, endpoint: dev.endpoint } : { pid };
}

/** Whether the process a RUNNING_DEV record names still runs. */
function runs(dev: Partial<RunningDev>): boolean {
  return typeof dev.pid === 'number' && Number.isInteger(dev.pid) && dev.pid > 0 && processAlive(dev.pid);
}

/** The assembly a command reads (chooseAssembly), saying its notice once per command run (withAssemblyNotices). */
export function defaultCdkOut(option: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const { dir, notice } = chooseAssembly(option, env, cwd);
  if (notice !== undefined) sayOnce(notice);
  return dir;
}

/** Where a command's notices go, and those it said already. */
interface NoticeSink {
  readonly say: (line: string) => void;
  readonly said: Set<string>;
}

const notices = new AsyncLocalStorage<NoticeSink>();
/** Outside any command's run (a reader called on its own): stderr, once per process. */
const processSink: NoticeSink = { say: (line) => void process.stderr.write(`${line}\n`), said: new Set() };

/**
 * Runs one command (or one MCP tool call) with its notices about the assembly going to `say`,
 * each once however many readers ask for the assembly; commands run concurrently (the MCP
 * server's tool calls) each have their own.
 */
export function withAssemblyNotices<T>(say: (line: string) => void, run: () => Promise<T>): Promise<T> {
  return notices.run({ say, said: new Set() }, run);
}

function sayOnce(notice: string): void {
  const sink = notices.getStore() ?? processSink;
  if (sink.said.has(notice)) return;
  sink.said.add(notice);
  sink.say(`note: ${notice}`);
}

/**
 * The first line of the error of the project's last synthesis, while it is the newest news
 * of the app: a synthesis written since (./cdk.out by `cdk synth`, or dev's) makes it old.
 */
export function synthFailure(cwd: string): string | undefined {
  const marker = path.resolve(cwd, SYNTH_FAILED);
  if (!existsSync(marker)) return undefined;
  const failedAt = statSync(marker).mtimeMs;
  const newer = [DEV_CDK_OUT, 'cdk.out'].some((dir) => {
    const manifest = path.resolve(cwd, dir, 'manifest.json');
    return existsSync(manifest) && statSync(manifest).mtimeMs > failedAt;
  });
  if (newer) return undefined;
  const line = readFileSync(marker, 'utf8').trim();
  return line === '' ? 'its error said nothing' : line;
}

/**
 * What to do when `dir` holds no assembly: the failure to fix when it is a project's default
 * folder and its source does not synthesize, else how to synthesize one.
 */
export function noAssemblyAdvice(dir: string): string {
  const root = path.basename(path.dirname(dir)) === STATE_FOLDER ? path.dirname(path.dirname(dir)) : path.dirname(dir);
  const failure = ['cdk.out', DEV_CDK_OUT].some((d) => path.resolve(root, d) === dir) ? synthFailure(root) : undefined;
  if (failure !== undefined) {
    return `the app's source does not synthesize (${failure}): fix it (npx switchyard dev shows the whole error and synthesizes again on save)`;
  }
  return 'run npx cdk synth (npx switchyard dev does too)';
}

/**
 * The project's assembly synthesized last, if it has one: `cdk synth` writes ./cdk.out,
 * `switchyard dev` .switchyard/cdk.out, and the newer is the app as it is now (the one a
 * running dev server reloaded last). `dev --no-synth` starts from it, and chooseAssembly
 * (every other command) does unless the source does not synthesize.
 */
export function newestAssembly(cwd: string): string | undefined {
  const candidates = [DEV_CDK_OUT, 'cdk.out']
    .map((dir) => path.resolve(cwd, dir))
    .filter(hasAssembly)
    .sort((a, b) => statSync(path.join(b, 'manifest.json')).mtimeMs - statSync(path.join(a, 'manifest.json')).mtimeMs);
  return candidates[0];
}

/** Whether `dir` holds a cloud assembly; commands that can work without one check first. */
export function hasAssembly(dir: string): boolean {
  return existsSync(path.join(dir, 'manifest.json'));
}

/**
 * Reads the stacks of a cloud assembly from its manifest. Only top-level stacks are read:
 * names inside nested stacks are not looked up (yet).
 */
export function readAssembly(dir: string): CloudAssembly {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(`no cloud assembly at ${dir}: ${noAssemblyAdvice(dir)}, or pass --cdk-out <dir>`, 2);
  }
  const manifest = readJson(manifestFile) as {
    artifacts?: Record<string, { type?: string; environment?: string; properties?: Record<string, unknown> }>;
  };
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const properties = artifact.properties ?? {};
    const stackName = typeof properties.stackName === 'string' ? properties.stackName : id;
    const template = readJson(path.join(dir, String(properties.templateFile)));
    const region = /^aws:\/\/[^/]*\/([a-z0-9-]+)$/.exec(artifact.environment ?? '')?.[1];
    stacks.push(assemblyStack(stackName, template, region === 'unknown-region' ? undefined : region));
  }
  return { dir, stacks };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
