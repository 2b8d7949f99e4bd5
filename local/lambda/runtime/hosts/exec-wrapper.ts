import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import type { EnvironmentHost } from './environment-host.js';

/**
 * AWS_LAMBDA_EXEC_WRAPPER (Lambda's "wrapper scripts", runtimes-modify.html#runtime-wrapper):
 * Lambda starts the runtime through the script the variable names, with the runtime's own
 * command line as the script's arguments, so the script can change the environment and the
 * arguments before it `exec`s them. Its path names the function's package (`/var/task/...`) or
 * its layers (`/opt/...`); here those are the code's folder and the layers' folders.
 */

/**
 * The wrapper script the function's environment names, where it is here: under the code's
 * folder for `/var/task/...`, under the last of its layers holding it for `/opt/...` (later layers
 * overwrite earlier ones in /opt), any other path as it is. None when unset, or for an `/opt/...`
 * script no layer holds: a public layer the local runtime stands in for (the OpenTelemetry
 * layers' `/opt/otel-handler`) has no files, and its function runs unwrapped. A script that is
 * not there otherwise is run all the same, and fails as Lambda's runtime does (exit status 127).
 */
export function execWrapperPath(
  environment: Readonly<Record<string, string>>,
  taskRoot: string,
  layerRoots: readonly string[],
): string | undefined {
  const named = environment.AWS_LAMBDA_EXEC_WRAPPER;
  if (!named) return undefined;
  if (named.startsWith('/var/task/')) return path.join(taskRoot, named.slice('/var/task/'.length));
  if (!named.startsWith('/opt/')) return named;
  return [...layerRoots]
    .reverse()
    .map((root) => path.join(root, named.slice('/opt/'.length)))
    .find((file) => {
      try {
        return statSync(file).isFile();
      } catch {
        return false;
      }
    });
}

/**
 * The exit status of a script that could not be started, as a shell's `exec` reports it (127:
 * not found, 126: found but not runnable), which Lambda reports as the runtime's exit.
 */
export function execFailureStatus(error: NodeJS.ErrnoException): number {
  return error.code === 'ENOENT' ? 127 : 126;
}

/** The script that stands in for the Node.js runtime under a wrapper: it reports the environment and Node options it was started with. */
const CAPTURE_SCRIPT = path.join(import.meta.dirname, 'wrapped-node-environment.mjs');
/** The file descriptor the capture script writes its report on; 0-2 are the wrapper's own. */
const REPORT_FD = 3;

/** What a wrapper handed the runtime it started: the environment, and the options given to `node`. */
interface WrappedStart {
  readonly env: Record<string, string>;
  readonly execArgv: string[];
}

/**
 * A Node.js environment started through a wrapper. A Node.js function runs in a worker thread
 * of the local runtime, which a script cannot `exec`: the wrapper runs with `node` and a script
 * that reports what the wrapper handed it as its arguments, and the worker then starts with
 * that environment and those Node options (what wrappers change: variables, `NODE_OPTIONS`,
 * `--require`). What the wrapper writes goes to the function's log, as in Lambda.
 */
export class WrappedWorkerHost extends EventEmitter implements EnvironmentHost {
  readonly stdout: Readable = new PassThrough();
  readonly stderr: Readable = new PassThrough();
  readonly #worker: Promise<Worker | undefined>;
  #stopped = false;
  /** The wrapper while it runs (stopped with the environment). */
  #wrapper: ChildProcess | undefined;

  constructor(wrapper: string, environment: Readonly<Record<string, string>>, start: (wrapped: WrappedStart) => Worker) {
    super();
    this.#worker = this.#run(wrapper, environment).then(
      (wrapped) => {
        if (this.#stopped) return undefined;
        const worker = start(wrapped);
        worker.stdout.pipe(this.stdout as PassThrough);
        worker.stderr.pipe(this.stderr as PassThrough);
        for (const event of ['message', 'error', 'exit']) worker.on(event, (value) => this.emit(event, value));
        return worker;
      },
      (status: number | string) => {
        // The wrapper ended without starting the runtime: the environment ends with its status.
        this.emit('exit', status);
        return undefined;
      },
    );
  }

  postMessage(message: unknown): void {
    void this.#worker.then((worker) => worker?.postMessage(message));
  }

  async terminate(): Promise<unknown> {
    this.#stopped = true;
    if (this.#wrapper?.exitCode === null) this.#wrapper.kill('SIGKILL');
    return (await this.#worker)?.terminate();
  }

  /** Runs the wrapper with the stand-in; resolves with what it handed the runtime, rejects with its exit status. */
  #run(wrapper: string, environment: Readonly<Record<string, string>>): Promise<WrappedStart> {
    return new Promise((resolve, reject) => {
      const child = spawn(wrapper, [process.execPath, CAPTURE_SCRIPT], { env: environment, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      this.#wrapper = child;
      child.stdout?.pipe(this.stdout as PassThrough, { end: false });
      child.stderr?.pipe(this.stderr as PassThrough, { end: false });
      let report = '';
      const channel = child.stdio[REPORT_FD] as Readable;
      channel.setEncoding('utf8');
      channel.on('data', (chunk: string) => {
        report += chunk;
      });
      child.once('error', (error) => reject(execFailureStatus(error)));
      child.once('close', (code, signal) => {
        if (report !== '') resolve(JSON.parse(report) as WrappedStart);
        else reject(code ?? `signal: ${signal}`);
      });
    });
  }
}
