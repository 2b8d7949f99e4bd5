import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import * as path from 'node:path';

/** How many of a check's errors are printed; the rest are counted (`npx tsc` lists them all). */
const ERRORS_SHOWN = 10;
/** The niceness the check runs at: below the rebuilds and the runtime, which a user waits on. */
const BACKGROUND_PRIORITY = 10;

export interface TypeCheckIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * The app's type check beside the dev loop. esbuild strips types without checking them (as
 * `cdk synth` and a deploy's bundling do), so a handler with a type error still runs; this
 * runs the app's own TypeScript (`tsc --noEmit` on its tsconfig.json, incremental, at a lower
 * priority) once at start and after each change the loop applied, and reports its errors,
 * each set once, without holding anything back: the code runs regardless. A check never runs
 * while a change is applied (it is stopped, and starts again after), nor beside another.
 */
export class TypeCheck {
  #child: ChildProcess | undefined;
  #again = false;
  #closed = false;
  /** The errors last reported (undefined before the first check ends): the same set is not printed twice. */
  #reported: string | undefined;

  private constructor(
    private readonly root: string,
    private readonly tsc: string,
    private readonly args: readonly string[],
    private readonly io: TypeCheckIo,
  ) {}

  /**
   * The check of the app in `root`, or why there is none: no tsconfig.json in `root`, or no
   * `typescript` the app can import.
   * @param buildInfo where tsc keeps what it checked, so the next check is incremental
   */
  static of(root: string, buildInfo: string, io: TypeCheckIo): TypeCheck | { readonly none: string } {
    const tsconfig = path.join(root, 'tsconfig.json');
    if (!existsSync(tsconfig)) return { none: 'the app has no tsconfig.json' };
    let manifest: string;
    try {
      manifest = createRequire(path.join(root, 'package.json')).resolve('typescript/package.json');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
      return { none: 'the app does not depend on typescript (npm install --save-dev typescript checks its types)' };
    }
    const tsc = tscOf(manifest);
    if (typeof tsc !== 'string') return tsc;
    const args = ['--noEmit', '--pretty', 'false', '--incremental', '--tsBuildInfoFile', buildInfo, '--project', tsconfig];
    return new TypeCheck(root, tsc, args, io);
  }

  /** Checks the app now, or once the check under way ends. */
  request(): void {
    if (this.#closed) return;
    if (this.#child !== undefined) {
      this.#again = true;
      return;
    }
    this.#start();
  }

  /**
   * Stops a check under way, for a change being applied: a rebuild is what the user waits on,
   * and the check's answer was about the code before it. The next `request` checks again.
   */
  interrupt(): void {
    this.#again = false;
    this.#child?.kill();
  }

  /** Stops a check under way; no other starts. */
  close(): void {
    this.#closed = true;
    this.#child?.kill();
  }

  #start(): void {
    // In the app's folder: tsc names each file relative to it.
    const child = spawn(process.execPath, [this.tsc, ...this.args], { cwd: this.root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#lowerPriority(child);
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', (error) => this.io.err(`types: tsc could not run (${error.message}); types are not checked`));
    child.on('close', (code, signal) => {
      this.#child = undefined;
      if (this.#closed) return;
      // Stopped for a change (interrupt): nothing to report of code that has changed since.
      if (signal === null) this.#report(code, Buffer.concat(output).toString('utf8'));
      if (this.#again) {
        this.#again = false;
        this.#start();
      }
    });
  }

  #lowerPriority(child: ChildProcess): void {
    if (child.pid === undefined) return;
    try {
      setPriority(child.pid, BACKGROUND_PRIORITY);
    } catch (error) {
      // Only how soon the check ends depends on it: the check runs at the usual priority.
      this.io.err(`types: tsc runs at the usual priority (${(error as Error).message})`);
    }
  }

  /**
   * tsc exits 0 with no errors; else it prints one `file(line,col): error TS...` line each, and
   * the message's chain below it, indented (`Types of property 'consumer' are incompatible.`,
   * then what is wrong: `Property 'idempotency' is missing ...`), which is printed with it.
   */
  #report(code: number | null, output: string): void {
    if (code === 0) {
      if (this.#reported !== undefined && this.#reported !== '') this.io.out('types: no errors again');
      this.#reported = '';
      return;
    }
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const errors = diagnostics(lines);
    if (errors.length === 0) {
      this.io.err(`types: tsc failed (exit ${code}): ${lines.slice(0, 3).join(' ') || 'no output'}`);
      return;
    }
    const key = errors.map((error) => error.join('\n')).join('\n');
    if (key === this.#reported) return;
    this.#reported = key;
    const plural = errors.length === 1 ? '' : 's';
    this.io.err(
      errors.every(([first = '']) => inDependencies(first))
        ? `types: ${errors.length} error${plural}, all in node_modules' type declarations, none in the app's code: ` +
            `its libraries' types need a newer TypeScript than the app's (${typescriptVersion(this.tsc)}); a newer typescript, ` +
            `or "skipLibCheck": true in tsconfig.json, ends them (the code runs regardless)`
        : `types: ${errors.length} error${plural} (the code runs regardless: switchyard dev reports types, never blocks on them)`,
    );
    for (const error of errors.slice(0, ERRORS_SHOWN)) for (const line of error) this.io.err(`  ${line}`);
    if (errors.length > ERRORS_SHOWN) this.io.err(`  and ${errors.length - ERRORS_SHOWN} more (npx tsc --noEmit lists them all)`);
  }
}

/**
 * The `tsc` script of the typescript package whose package.json is `manifest`, from its `bin`:
 * TypeScript 7's `exports` no longer let `typescript/bin/tsc` be resolved (Node refuses it with
 * ERR_PACKAGE_PATH_NOT_EXPORTED), while every release names its `tsc` there.
 */
function tscOf(manifest: string): string | { readonly none: string } {
  const { bin, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: unknown; version?: unknown };
  const script = typeof bin === 'string' ? bin : typeof bin === 'object' && bin !== null ? (bin as Record<string, unknown>).tsc : undefined;
  if (typeof script !== 'string' || script === '') {
    return { none: `the app's typescript (${String(version)}, ${manifest}) names no tsc in its package.json's bin` };
  }
  return path.resolve(path.dirname(manifest), script);
}

/** Whether tsc's error line is in a dependency's file (`node_modules/aws-cdk-lib/...d.ts(7,111): error TS2304`). */
function inDependencies(errorLine: string): boolean {
  return /^(?:[^(]*[\\/])?node_modules[\\/]/.test(errorLine);
}

/** The version of the typescript whose tsc this is (`typescript 4.9.5`), or `typescript` when its package says none. */
function typescriptVersion(tsc: string): string {
  try {
    const { version } = JSON.parse(readFileSync(path.join(path.dirname(tsc), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? `typescript ${version}` : 'typescript';
  } catch (error) {
    // Only the message's detail depends on it: the errors are reported either way.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return 'typescript';
  }
}

/** How many lines of an error's message chain are printed below it (tsc's own chains rarely pass it). */
const CHAIN_LINES = 6;

/**
 * tsc's errors (`--pretty false`), each its first line and its message chain's lines as tsc
 * indents them; a chain longer than CHAIN_LINES keeps its first lines and its last (the
 * innermost reason, most often the one that says what to fix), the rest counted.
 */
function diagnostics(lines: readonly string[]): string[][] {
  const errors: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (/^\S.*\berror TS\d+:/.test(line)) {
      current = [line];
      errors.push(current);
    } else if (current !== undefined && /^\s/.test(line)) current.push(line);
    else current = undefined;
  }
  return errors.map(([first = '', ...chain]) => {
    if (chain.length <= CHAIN_LINES) return [first, ...chain];
    const left = chain.length - CHAIN_LINES + 1;
    return [
      first,
      ...chain.slice(0, CHAIN_LINES - 2),
      `  ... ${left} more line${left === 1 ? '' : 's'} (npx tsc --noEmit shows them)`,
      chain.at(-1) ?? '',
    ];
  });
}
