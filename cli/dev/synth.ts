import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { CdkProject } from './project.js';
import { readSynthRecord, type SynthRecord } from './synth-record.js';

/** The preload that records what a synthesis read and how it bundled each function (it ships beside this file). */
const SYNTH_HOOK = path.join(import.meta.dirname, 'synth-hook.cjs');

/**
 * The context the CDK CLI adds to every synth (its defaults for `pathMetadata`,
 * `assetMetadata` and `bundlingStacks`): asset metadata is what maps each function to the
 * folder of its code in the assembly.
 */
const CLI_CONTEXT = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:bundling-stacks': ['**'],
};

/**
 * Defaults the user's environment overrides: the local account and region, for apps that pin
 * their stacks to the CLI's defaults (`CDK_DEFAULT_ACCOUNT`); and no CDK template validation
 * (as `cdk synth --no-validation`): aws-cdk-lib's built-in CloudFormation rules run in WASM for
 * seconds on every synth (measured: a 4-resource app 7 s with, 2 s without) and only warn by
 * default, which the local runtime does not read. CDK_VALIDATION=true turns it back on.
 */
const DEFAULT_ENV = { CDK_DEFAULT_ACCOUNT: '000000000000', CDK_DEFAULT_REGION: 'us-east-1', CDK_VALIDATION: 'false' };

/** The environment the app is synthesized in (what its record's variables are compared with). */
export function synthEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const synthEnv: NodeJS.ProcessEnv = { ...DEFAULT_ENV, ...env };
  // `npx --package <spec> switchyard dev` hands its packages to switchyard as npm_config_package;
  // the app's commands are not switchyard's, and a nested `npx --no-install esbuild`
  // (NodejsFunction's bundling) would look for esbuild among those packages and give up.
  delete synthEnv.npm_config_package;
  synthEnv.PATH = [synthEnv.PATH, ownEsbuildBin()].filter((part) => part !== undefined && part !== '').join(path.delimiter);
  return synthEnv;
}

/**
 * The folder of the esbuild this command runs on, last on the synthesis's PATH. CDK's
 * NodejsFunction bundles with the esbuild the app resolves, else with an `esbuild` on PATH,
 * else in Docker (aws-lambda-nodejs's PackageInstallation.detect): an app that never installed
 * esbuild (its README's `cdk deploy` would bundle in Docker) bundles with switchyard's, as it
 * would with switchyard-cli installed beside it (npm hoists its esbuild), not in a Docker that
 * may not be there. An esbuild of the app's own, or one already on PATH, still comes first.
 */
function ownEsbuildBin(): string | undefined {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('esbuild/package.json')), 'bin');
  } catch (error) {
    // esbuild is a dependency of switchyard-cli: missing, the synthesis bundles as CDK alone would.
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** A synthesis that failed: the app's own output says why. */
export class SynthError extends Error {
  override readonly name = 'SynthError';
  constructor(
    message: string,
    /** What the app (or the build command) wrote, stdout and stderr interleaved. */
    readonly output: string,
    /** What to do before running switchyard dev again (the app is not always at fault: Docker may be down). */
    readonly remedy = 'fix the app',
  ) {
    super(message);
  }
}

/** Where a synthesis keeps what it learns: its record's scratch folder and the esbuild outputs it may reuse. */
export interface SynthState {
  /** A folder the hook's per-process records go into (emptied each synthesis). */
  readonly scratch: string;
  /** esbuild's outputs by invocation (cli/dev/synth-hook.cjs): a function whose inputs did not change is not bundled again. */
  readonly bundleCache: string;
  /**
   * Node's module compile cache for the synthesis's processes (NODE_COMPILE_CACHE, unless the
   * user set one): V8's code for aws-cdk-lib and the app's modules, kept from one synthesis to
   * the next. Node checks each module's content against its entry, so a changed module is
   * compiled again, never run from a stale entry. @default none
   */
  readonly compileCache?: string;
}

/**
 * Synthesizes the app into `outdir` as `cdk synth` does, without needing the CDK CLI: runs
 * cdk.json's `build`, then its `app` command in the project folder with `CDK_OUTDIR` and
 * `CDK_CONTEXT_JSON` (cdk.json's context, cdk.context.json's, and the CLI's defaults) set.
 * An `app` that names a folder is an assembly synthesized already: it is used as it is.
 * With `state`, the app runs with the preload that records what it read and how each
 * function was bundled (the record returned), and bundles whose inputs did not change come
 * from the cache. Returns the assembly folder.
 * @throws SynthError when a command fails or writes no assembly
 */
export async function synthesize(
  project: CdkProject,
  outdir: string,
  state?: SynthState,
  /** Stops the commands' processes (SIGTERM): dev did not go on. */
  signal?: AbortSignal,
): Promise<{ cdkOut: string; record?: SynthRecord }> {
  const prebuilt = path.resolve(project.root, project.app);
  if (existsSync(prebuilt) && statSync(prebuilt).isDirectory()) {
    if (!existsSync(path.join(prebuilt, 'manifest.json'))) {
      throw new SynthError(`cdk.json's app ${project.app} is a folder without a cloud assembly (manifest.json is missing)`, '');
    }
    return { cdkOut: prebuilt };
  }
  const run = appRun(project, outdir, state);
  try {
    clearAssembly(outdir);
    if (project.build) await runCommand(project.build, project.root, run.env, 'the build command (cdk.json "build")', signal);
    await runCommand(run.command, project.root, run.appEnv, 'the app (cdk.json "app")', signal);
    return assemblyOf(project, outdir, run.records);
  } finally {
    if (run.records) rmSync(run.records, { recursive: true, force: true });
  }
}

/** How one synthesis runs the app: its command and environment, and the folder its processes' records go into. */
export interface AppRun {
  /** The environment of cdk.json's `build` (the app's, without the npx shortcut's PATH). */
  readonly env: NodeJS.ProcessEnv;
  /** The app command as run (withoutNpx) and its environment. */
  readonly command: string;
  readonly appEnv: NodeJS.ProcessEnv;
  /** With a state: a new folder for the hook's records (the caller removes it). */
  readonly records?: string;
}

/** The app command and environment of a synthesis into `outdir` (with `state`: the preload, its records folder and caches). */
export function appRun(project: CdkProject, outdir: string, state?: SynthState): AppRun {
  const env: NodeJS.ProcessEnv = {
    ...synthEnvironment(),
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ ...project.context, ...CLI_CONTEXT }),
  };
  let records: string | undefined;
  if (state !== undefined) {
    mkdirSync(state.scratch, { recursive: true });
    mkdirSync(state.bundleCache, { recursive: true });
    records = mkdtempSync(path.join(state.scratch, 'synth-'));
    env.SWITCHYARD_SYNTH_RECORD = records;
    env.SWITCHYARD_BUNDLE_CACHE = state.bundleCache;
    // Loading aws-cdk-lib is most of a small app's synthesis: its compiled code is kept (measured
    // on the scaffold: the app's process 5.3 -> 3.8 s of CPU from the second synthesis on).
    if (state.compileCache !== undefined && !env.NODE_COMPILE_CACHE) env.NODE_COMPILE_CACHE = state.compileCache;
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require=${JSON.stringify(SYNTH_HOOK)}`.trim();
  }
  const app = withoutNpx(project.app, project.root, env);
  return { env, command: app.command, appEnv: app.env, ...(records ? { records } : {}) };
}

/** Readies `outdir` for a synthesis: a manifest left by an earlier one must not pass for this one's if the app writes none. */
export function clearAssembly(outdir: string): void {
  mkdirSync(outdir, { recursive: true });
  rmSync(path.join(outdir, 'manifest.json'), { force: true });
}

/**
 * The assembly the app wrote into `outdir`, and with `records` what its processes recorded.
 * @throws SynthError when the app wrote no assembly
 */
export function assemblyOf(project: CdkProject, outdir: string, records: string | undefined): { cdkOut: string; record?: SynthRecord } {
  if (!existsSync(path.join(outdir, 'manifest.json'))) {
    throw new SynthError(
      `the app (${project.app}) ended without writing a cloud assembly: does it call app.synth()? (CDK apps do when the process ends)`,
      '',
    );
  }
  const projectFiles = ['cdk.json', 'cdk.context.json'].map((file) => path.join(project.root, file));
  return {
    cdkOut: outdir,
    ...(records ? { record: readSynthRecord(records, project.root, outdir, projectFiles, project.commandContext) } : {}),
  };
}

/**
 * The app command with a leading `npx <bin>` (the scaffold's `npx tsx bin/app.ts`, `cdk init`'s
 * `npx ts-node ...`) run as npx runs a bin the project installed: its node_modules/.bin/<bin>,
 * with that folder first on PATH; without npx's own start before every synthesis (npm's modules:
 * 0.4-0.7 s of CPU on the scaffold, seconds on a loaded machine). A command that gives npx
 * options, or names a bin the project has not installed (npx would fetch it), is left to npx.
 * `npx tsx <script>` runs as `node --import tsx <script>` (tsxDirect).
 */
export function withoutNpx(command: string, root: string, env: NodeJS.ProcessEnv): { command: string; env: NodeJS.ProcessEnv } {
  const match = /^npx\s+([A-Za-z0-9_][\w.-]*)(?=\s|$)/.exec(command);
  const name = match?.[1];
  if (match === null || name === undefined) return { command, env };
  const bins = path.join(root, 'node_modules', '.bin');
  const bin = path.join(bins, name);
  // On Windows the bin is <name>.cmd, and cmd.exe takes no single quotes: npx runs it there.
  if (process.platform === 'win32' || !existsSync(bin)) return { command, env };
  const rest = command.slice(match[0].length);
  const quoted = `'${bin.replaceAll("'", "'\\''")}'`;
  return {
    command: tsxDirect(name, rest, root) ?? `${quoted}${rest}`,
    env: { ...env, PATH: [bins, env.PATH].filter((part) => part !== undefined && part !== '').join(path.delimiter) },
  };
}

/** A script tsx runs: a file with a JavaScript or TypeScript extension (not an option, nor a subcommand such as `watch`). */
const TSX_SCRIPT = /^\s+[^\s'"-][^\s'"]*\.[cm]?[jt]sx?(?=\s|$)/;

/**
 * `tsx <script> [args]` as `node --import tsx <script> [args]`, tsx's documented way to run
 * Node with its loader, where the project has the tsx package: the same loader in the same
 * Node (the one first on PATH, which tsx's bin runs on too), without tsx's own command, a
 * Node process that only starts the one that runs the script (about 0.15 s of CPU and a
 * process start before each synthesis, measured on the scaffold). Undefined for another bin,
 * or when tsx is given options.
 *
 * An ES module script (`"type": "module"`, not .cts or .cjs) runs with `tsx/esm`, tsx's ES
 * module loader alone: its CommonJS hook reads and lexes every .js file a `require` loads,
 * aws-cdk-lib's ~1,500 of them, about 0.3 s of CPU a synthesis (the scaffold's 2.2-2.6 s became
 * 1.8-2.0 s; docs/benchmarks.md). On Node 24 the ES module loader's hooks serve `require` too:
 * the one difference is a .cts file `require`d from an ES module, which comes wrapped as
 * `{ default: module.exports }` (docs/local-runtime.md says so, and how to keep tsx whole).
 */
function tsxDirect(bin: string, rest: string, root: string): string | undefined {
  const tsx = path.join(root, 'node_modules', 'tsx', 'package.json');
  if (bin !== 'tsx' || !TSX_SCRIPT.test(rest) || !existsSync(tsx)) return undefined;
  const script = rest.trim().split(/\s/)[0] ?? '';
  return `node --import ${isEsModule(path.resolve(root, script), root) && hasEsmLoader(tsx) ? 'tsx/esm' : 'tsx'}${rest}`;
}

/** Whether Node loads the script as an ES module: .mjs/.mts, or a .js/.ts whose nearest package.json says `"type": "module"`. */
function isEsModule(script: string, root: string): boolean {
  if (/\.[cC][jt]sx?$/.test(script)) return false;
  if (/\.m[jt]s$/.test(script)) return true;
  for (let folder = path.dirname(script); ; folder = path.dirname(folder)) {
    const manifest = readJson(path.join(folder, 'package.json'));
    if (manifest !== undefined) return manifest.type === 'module';
    if (folder === root || path.dirname(folder) === folder) return false;
  }
}

/** Whether the project's tsx exports its ES module loader alone (`tsx/esm`, tsx 4). */
function hasEsmLoader(manifest: string): boolean {
  const exports = readJson(manifest)?.exports;
  return typeof exports === 'object' && exports !== null && './esm' in exports;
}

/** A JSON file's object, or undefined when there is none (or it is not JSON: tsx whole runs it, and the app's own run reports that). */
function readJson(file: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Runs a cdk.json command through the shell, as the CDK CLI does, keeping its output for the error. */
function runCommand(command: string, cwd: string, env: NodeJS.ProcessEnv, what: string, signal?: AbortSignal): Promise<void> {
  // Stoppable (POSIX): in a process group of its own, so that a stop reaches the app under the shell (npx, tsx, node).
  const group = signal !== undefined && process.platform !== 'win32';
  const { child, ended } = startCommand(command, cwd, env, what, group);
  const release = group ? stoppable(child, signal) : () => {};
  return ended.finally(release);
}

/**
 * Starts a cdk.json command through the shell (with `group`, in a process group of its own);
 * `ended` settles when it ends, rejecting with a SynthError that holds its output when it fails.
 */
export function startCommand(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  what: string,
  group: boolean,
): { child: ChildProcess; ended: Promise<void> } {
  const child = spawn(command, { cwd, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  const ended = new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', (error) => reject(new SynthError(`${what} could not run (${command}): ${error.message}`, output)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const docker = dockerBundling(output);
      reject(
        new SynthError(
          `${what} failed (${command}: ${signal ? `killed by ${signal}` : `exit ${code}`})${npxRefusal(output, cwd)}${docker}`,
          output,
          docker === '' ? undefined : 'start Docker',
        ),
      );
    });
  });
  return { child, ended };
}

/**
 * What to do when npx refused to fetch a package the project does not install (npm's `yes`
 * setting false, as `npx --no` or an .npmrc sets it; without a terminal npx would fetch it):
 * the app's command names a bin, `npx tsx` say, that `npm install` never put in node_modules.
 * One the project's package.json declares was not installed: its `npm install` was not run, or
 * failed (a dependency with no matching version), so installing it again is not the fix.
 */
function npxRefusal(output: string, cwd: string): string {
  const listed = /npx canceled due to missing packages and no YES option: (\[[^\]\n]*\])/.exec(output)?.[1];
  if (listed === undefined) return '';
  let specs: string[];
  try {
    specs = (JSON.parse(listed) as unknown[]).map(String);
  } catch {
    return '';
  }
  // `tsx@4.23.15` -> `tsx`, `@scope/pkg@1` -> `@scope/pkg`.
  const names = specs.map((spec) => spec.replace(/(?<=.)@[^@/]*$/, ''));
  const declared = declaredDependencies(cwd);
  if (names.every((name) => declared.has(name))) {
    return `: npx would fetch ${names.join(', ')}, which the project's package.json declares but its node_modules does not hold, and npm's \`yes\` setting refused it; run npm install in ${cwd} (if it fails, its error names what it cannot install)`;
  }
  return `: npx would fetch ${names.join(', ')}, which the project does not install, and npm's \`yes\` setting refused it; install it in the project (npm install --save-dev ${names.join(' ')})`;
}

/**
 * What to do when an asset's bundling in Docker failed for want of Docker (a `Code.fromAsset`
 * whose `bundling` names an image, a PythonFunction, ...): CDK's own error names the asset and
 * docker's exit status, which reads as the app's fault. Without Docker switchyard dev has no
 * bundle to run, as `cdk synth` has none.
 */
function dockerBundling(output: string): string {
  const asset = /Failed to bundle asset (\S+?),/.exec(output)?.[1];
  // A construct that builds its bundling image first (DockerImage.fromBuild: the Go and Python
  // alpha functions' GoFunction, PythonFunction, when no local toolchain serves) fails before any asset is named.
  const imageBuild = asset === undefined && /--> Command: docker build /.test(output);
  if (asset === undefined && !imageBuild) return '';
  const why = /Cannot connect to the Docker daemon/.test(output)
    ? 'no Docker daemon answers'
    : /spawnSync docker ENOENT|docker: (command )?not found/.test(output)
      ? 'docker is not installed'
      : undefined;
  if (why === undefined) return '';
  if (imageBuild) {
    return `: a function's bundling image is built with Docker (docker build, as cdk synth runs it; the construct's frame above names which), and ${why} (switchyard dev runs the bundle it builds, and cannot build it without Docker)`;
  }
  return `: ${asset} is bundled in a Docker container (its \`bundling\` names an image, as cdk synth runs it), and ${why} (switchyard dev runs the bundle it builds, and cannot build it without Docker)`;
}

/** The packages the project's package.json names as dependencies of any kind; none when it has no readable one. */
function declaredDependencies(cwd: string): Set<string> {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // No package.json (or not JSON): nothing is declared, and npx's refusal is told as for an undeclared bin.
    return new Set();
  }
  const groups = ['dependencies', 'devDependencies', 'optionalDependencies'].map((key) => manifest[key]);
  return new Set(groups.flatMap((group) => (group !== null && typeof group === 'object' ? Object.keys(group) : [])));
}

/**
 * Stops the child's process group when `signal` aborts. Its own group no longer gets the
 * terminal's Ctrl-C: until it ends, a SIGINT, SIGTERM or SIGHUP to dev is passed on to it, and
 * dev then ends by that signal as it would have. Returns what undoes it.
 */
function stoppable(child: ChildProcess, signal: AbortSignal): () => void {
  const kill = (name: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, name);
    } catch (error) {
      // The group ended already.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  const stop = () => kill('SIGTERM');
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const passOn = (name: NodeJS.Signals) => {
    kill(name);
    release();
    process.kill(process.pid, name);
  };
  const release = () => {
    signal.removeEventListener('abort', stop);
    for (const name of signals) process.off(name, passOn);
  };
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });
  for (const name of signals) process.on(name, passOn);
  return release;
}

/** Longer than this, a line of a failed synthesis's output is minified source Node quoted at the throw (aws-cdk-lib's). */
const SOURCE_LINE_CHARS = 400;

/**
 * What to show of a failed synthesis's output: the app's own messages and the error, without
 * the minified library line Node quotes where an error was thrown, the caret under it, and the
 * stack frames inside node_modules (one line says how many were left out).
 */
export function synthErrorLines(output: string): string[] {
  const lines: string[] = [];
  let frames = 0;
  const flushFrames = () => {
    if (frames > 0) lines.push(`    ... ${frames} frame${frames === 1 ? '' : 's'} in node_modules`);
    frames = 0;
  };
  for (const line of output.trimEnd().split('\n')) {
    if (line.length > SOURCE_LINE_CHARS) continue;
    if (/^\s*\^+\s*$/.test(line) || /^Node\.js v\d+/.test(line)) continue;
    if (/^\s+at .*[\\/]node_modules[\\/]/.test(line) || /^\s+at (node:|.*\(node:)/.test(line)) {
      frames++;
      continue;
    }
    flushFrames();
    lines.push(line);
  }
  flushFrames();
  // Node's quote of the throw site is its file:line, then the source line left out above.
  return lines.filter((line, i) => !(/^\S+:\d+$/.test(line) && (lines[i + 1] ?? '').trim() === ''));
}

/**
 * The one line that says why a synthesis failed, for the tools to quote (cli/dev/running-app.ts):
 * the app's error (`Error: ...`, `ValidationError: ...`) where its output has one, else the
 * failure's own message.
 */
export function synthFailureLine(error: SynthError): string {
  const named = synthErrorLines(error.output)
    .map((line) => line.trim())
    .find((line) => /^[A-Za-z.]*(Error|Exception)\b/.test(line));
  return named ?? error.message;
}
