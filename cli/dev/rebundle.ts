import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { BuildContext, BuildFailure, BuildOptions, Message } from 'esbuild';
import { type CopyRecord, filesOf, pythonSyntaxErrors } from './copied-assets.js';
import { esbuildOptions } from './esbuild-options.js';
import { type FileStamp, stampFiles } from './file-stamps.js';
import type { BundleRecord } from './synth-record.js';

type Esbuild = typeof import('esbuild');

/** A bundle that did not build: esbuild's errors, each with its file and line. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(
    /** `lambdas/orders/handler.ts:12:4: Expected ";" but found "x"`, one line per error. */
    readonly lines: readonly string[],
    options?: ErrorOptions,
  ) {
    super(lines.join('\n'), options);
  }
}

/** A function's code built again from its sources: the folder to run, and what it was built from. */
export interface Rebuilt {
  readonly dir: string;
  /** esbuild's files in `dir` (the rest are the asset folder's). */
  readonly outputs: readonly string[];
  readonly inputs: readonly FileStamp[];
  readonly ms: number;
}

/** How many esbuild contexts stay open (each holds its bundle's parsed sources): the bundles edited last. */
const OPEN_CONTEXTS = 8;
/** How many of a bundle's folders are kept: the one running and the one before (an invocation may still finish on it). */
const KEPT_GENERATIONS = 2;

/**
 * Builds a function's bundle again with the esbuild command line its synthesis ran, into a
 * folder of its own under `root` (the asset folder's other files copied beside it), so that
 * the runtime can run it in place of cdk.out's until the next synthesis. Each bundle keeps an
 * esbuild context (incremental: its sources' parse is reused) while it is among the bundles
 * edited last; a command line this reader does not know is run as it is.
 */
export class Rebundler {
  readonly #contexts = new Map<string, Promise<BuildContext>>();
  readonly #generation = new Map<string, number>();

  constructor(private readonly root: string) {}

  /** @throws BundleError when esbuild reports errors (the code that runs stays as it was) */
  async rebuild(bundle: BundleRecord): Promise<Rebuilt> {
    const started = performance.now();
    const name = path.basename(bundle.assetDir);
    const generation = (this.#generation.get(name) ?? this.#lastGeneration(name)) + 1;
    const dir = path.join(this.root, name, String(generation));
    const options = esbuildOptions(bundle.esbuildArgs);
    const outputs = options
      ? await this.#buildInContext(bundle, options)
      : await this.#buildByCommand(bundle, path.join(this.root, name, `${generation}.out`));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // What the bundling put beside esbuild's output (a hook's copies, a package.json) stays as the synthesis left it.
    cpSync(bundle.assetDir, dir, { recursive: true, filter: (source) => !outputs.files.has(path.basename(source)) });
    for (const [file, contents] of outputs.files) writeFileSync(path.join(dir, file), contents);
    this.#generation.set(name, generation);
    this.#prune(name, generation);
    return { dir, outputs: [...outputs.files.keys()], inputs: stampFiles(outputs.inputs), ms: performance.now() - started };
  }

  /**
   * Copies a copied asset's source folder again (a Python function's code) into a folder of its
   * own, over what the asset folder held beside it, once every Python file of it compiles.
   * @param project the folder errors name files relative to
   * @throws BundleError naming each file, line and column that does not compile (the code that runs stays as it was)
   */
  async recopy(copy: CopyRecord, project: string): Promise<Rebuilt> {
    const started = performance.now();
    const files = filesOf(copy.source);
    const python = files.filter((file) => file.endsWith('.py')).map((file) => path.relative(project, path.join(copy.source, file)));
    let errors: string[];
    try {
      errors = await pythonSyntaxErrors(python, project);
    } catch (error) {
      throw new BundleError([(error as Error).message], { cause: error });
    }
    if (errors.length > 0) throw new BundleError(errors);
    const dir = this.#nextFolder(copy.assetDir);
    // What the asset held beside the copy (what a bundling added) stays; the source's files are copied anew.
    cpSync(copy.assetDir, dir, { recursive: true });
    for (const stamp of copy.files) rmSync(path.join(dir, path.relative(copy.source, stamp.file)), { force: true });
    for (const file of files) cpSync(path.join(copy.source, file), path.join(dir, file));
    return { dir, outputs: [], inputs: stampFiles(files.map((file) => path.join(copy.source, file))), ms: performance.now() - started };
  }

  /** A new generation's folder for the asset's code (empty), the older ones but the last pruned. */
  #nextFolder(assetDir: string): string {
    const name = path.basename(assetDir);
    const generation = (this.#generation.get(name) ?? this.#lastGeneration(name)) + 1;
    const dir = path.join(this.root, name, String(generation));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.#generation.set(name, generation);
    this.#prune(name, generation);
    return dir;
  }

  /** Closes the esbuild contexts. */
  async dispose(): Promise<void> {
    const contexts = [...this.#contexts.values()];
    this.#contexts.clear();
    await Promise.allSettled(contexts.map(async (context) => (await context).dispose()));
  }

  async #buildInContext(bundle: BundleRecord, options: BuildOptions): Promise<{ files: Map<string, Uint8Array>; inputs: string[] }> {
    const key = bundle.assetDir;
    let context = this.#contexts.get(key);
    // The bundle is written to a generation's folder (<root>/<asset>/<n>/): built for a folder at that
    // depth, its source map's relative paths name the sources from wherever a generation lands.
    const outdir = path.join(this.root, path.basename(bundle.assetDir), 'build');
    if (context === undefined) {
      const outfile = path.join(outdir, path.basename(bundle.outfile));
      context = esbuildFor(bundle.cwd).context({
        ...options,
        outfile,
        absWorkingDir: bundle.cwd,
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      context.catch(() => this.#contexts.delete(key));
    }
    // The most recently used last: the first is the one to close when too many are open.
    this.#contexts.delete(key);
    this.#contexts.set(key, context);
    for (const [oldest, stale] of this.#contexts) {
      if (this.#contexts.size <= OPEN_CONTEXTS) break;
      this.#contexts.delete(oldest);
      void stale.then((c) => c.dispose()).catch(() => undefined);
    }
    let result: Awaited<ReturnType<BuildContext['rebuild']>>;
    try {
      result = await (await context).rebuild();
    } catch (error) {
      if (isBuildFailure(error))
        throw new BundleError(
          error.errors.map((m) => located(m, bundle.cwd)),
          { cause: error },
        );
      throw error;
    }
    const files = new Map<string, Uint8Array>();
    for (const output of result.outputFiles ?? []) {
      // Outputs go where the synthesis wrote them: the bundle's folder.
      if (path.dirname(output.path) === outdir) files.set(path.basename(output.path), output.contents);
    }
    return { files, inputs: metafileInputs(result.metafile, bundle.cwd) };
  }

  /** The recorded command line, writing to a folder of this generation's: for flags esbuildOptions does not read. */
  async #buildByCommand(bundle: BundleRecord, outdir: string): Promise<{ files: Map<string, Uint8Array>; inputs: string[] }> {
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(outdir, { recursive: true });
    const from = path.dirname(bundle.outfile);
    const metafile = path.join(outdir, '.switchyard-meta.json');
    const args = [
      ...bundle.esbuildArgs.filter((arg) => !arg.startsWith('--metafile=')).map((arg) => arg.split(from).join(outdir)),
      `--metafile=${metafile}`,
      '--log-level=error',
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(bundle.command, [...bundle.runnerArgs, ...args], { cwd: bundle.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new BundleError(errorLines(output)))));
    });
    const meta = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs?: Record<string, unknown> };
    rmSync(metafile);
    const files = new Map(readdirSync(outdir).map((file) => [file, readFileSync(path.join(outdir, file))] as const));
    rmSync(outdir, { recursive: true, force: true });
    return { files, inputs: metafileInputs(meta, bundle.cwd) };
  }

  #lastGeneration(name: string): number {
    const folder = path.join(this.root, name);
    if (!existsSync(folder)) return 0;
    return Math.max(0, ...readdirSync(folder).map(Number).filter(Number.isInteger));
  }

  #prune(name: string, current: number): void {
    const folder = path.join(this.root, name);
    for (const entry of readdirSync(folder)) {
      const generation = Number.parseInt(entry, 10);
      if (Number.isInteger(generation) && generation <= current - KEPT_GENERATIONS)
        rmSync(path.join(folder, entry), { recursive: true, force: true });
    }
  }
}

/** The app's own esbuild (the one its synthesis bundled with), else the command's. */
function esbuildFor(cwd: string): Esbuild {
  try {
    return createRequire(path.join(cwd, 'package.json'))('esbuild') as Esbuild;
  } catch {
    return createRequire(import.meta.url)('esbuild') as Esbuild;
  }
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

function located(message: Message, cwd: string): string {
  const where = message.location;
  if (!where) return message.text;
  return `${path.relative(cwd, path.resolve(cwd, where.file))}:${where.line}:${where.column + 1}: ${message.text}`;
}

/** esbuild's error lines from its command line's output (`✘ [ERROR] text` then `    file:line:col:`). */
function errorLines(output: string): string[] {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length > 0 ? lines.slice(0, 10) : ['esbuild failed without saying why'];
}

function metafileInputs(meta: { inputs?: Record<string, unknown> } | undefined, cwd: string): string[] {
  return Object.keys(meta?.inputs ?? {}).map((file) => path.resolve(cwd, file.replace(/^[a-z-]+:/, '')));
}
