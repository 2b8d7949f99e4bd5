import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../cli/main.js';

const MAIN = path.resolve(import.meta.dirname, '../../cli/main.ts');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  /** What the command reads from stdin. */
  readonly input?: string;
  /** Variables of the command's environment (the test's own, less those that point the CLI elsewhere, otherwise). Implies `process`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Runs `node --import tsx cli/main.ts` as a child process, as a user would, instead of
   * calling `main` in this process. Each command keeps at least one such test: a child process
   * costs a second or two of CPU (Node, tsx, the AWS SDK), so the others call `main` directly.
   */
  readonly process?: boolean;
  /** Called with all a child process has printed on stdout so far, each time it prints, so a test can act once it printed something. */
  readonly onStdout?: (printed: string) => void;
}

/**
 * Runs the CLI with `args` and gives its exit status and output. By default it calls the
 * CLI's `main` in this process, with stdout and stderr collected as the process would print
 * them; with `process` (or `env`) it runs the real command line as a child process.
 */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return options.process || options.env !== undefined ? runCliProcess(args, options) : runCliInProcess(args, options);
}

/** Runs `node --import tsx cli/main.ts <args>` as a child process, as a user would. */
export function runCliProcess(args: readonly string[], options: Omit<RunCliOptions, 'process'> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { env: childEnv(options.env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    const { onStdout } = options;
    if (onStdout !== undefined) {
      let printed = '';
      child.stdout?.on('data', (chunk: Buffer | string) => {
        printed += chunk.toString();
        onStdout(printed);
      });
    }
  });
}

/** The CLI's `main` in this process: each line it prints ends in a newline, as `processIo` writes it. */
async function runCliInProcess(args: readonly string[], options: Pick<RunCliOptions, 'input'>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const restore = withoutPointers();
  try {
    const code = await main(args, {
      out: (line) => {
        stdout += `${line}\n`;
      },
      err: (line) => {
        stderr += `${line}\n`;
      },
      stdin: () => options.input ?? '',
    });
    return { code, stdout, stderr };
  } finally {
    restore();
  }
}

/** Whether a variable would point the CLI at another runtime, cloud assembly or target than the test's arguments name. */
function pointsElsewhere(name: string): boolean {
  return ['SWITCHYARD_ENDPOINT', 'SWITCHYARD_TARGET', 'SWITCHYARD_CDK_OUT'].includes(name) || name.startsWith('AWS_ENDPOINT_URL');
}

/** The test's environment without anything that would point the CLI elsewhere. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) {
    if (pointsElsewhere(name) && !(name in extra)) delete env[name];
  }
  return env;
}

/** In-process calls under way, and the variables they took out of this process's environment. */
let running = 0;
let saved: [string, string | undefined][] = [];

/**
 * Takes the variables that point elsewhere out of this process's environment while an
 * in-process command runs (as `childEnv` leaves them out of a child's), and puts them back
 * when the last one running ends; commands may run concurrently (Promise.all).
 */
function withoutPointers(): () => void {
  if (running++ === 0) {
    saved = Object.keys(process.env)
      .filter(pointsElsewhere)
      .map((name) => [name, process.env[name]]);
    for (const [name] of saved) delete process.env[name];
  }
  return () => {
    if (--running > 0) return;
    for (const [name, value] of saved) process.env[name] = value;
    saved = [];
  };
}
