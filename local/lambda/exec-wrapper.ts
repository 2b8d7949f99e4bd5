import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { accessSync, constants, statSync } from 'node:fs';
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
 * overwrite earlier ones in /opt). None when unset, or when neither holds it: a public layer the
 * local runtime stands in for (the OpenTelemetry layers' `/opt/otel-handler`) has no files, and
 * its function runs unwrapped as before.
 */
export function execWrapperPath(
  environment: Readonly<Record<string, string>>,
  taskRoot: string,
  layerRoots: readonly string[],
): string | undefined {
  const named = environment.AWS_LAMBDA_EXEC_WRAPPER;
  if (!named) return undefined;
  const under = (prefix: string) => (named.startsWith(prefix) ? named.slice(prefix.length) : undefined);
  const inTask = under('/var/task/');
  const inOpt = under('/opt/');
  const candidates =
    inTask !== undefined
      ? [path.join(taskRoot, inTask)]
      : inOpt !== undefined
        ? [...layerRoots].reverse().map((root) => path.join(root, inOpt))
        : [named];
  return candidates.find((file) => {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Whether the script may be run (Lambda's runtime fails to start one that may not, as a shell would). */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
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
      (error: Error) => {
        this.emit('error', error);
        return undefined;
      },
    );
  }

  postMessage(message: unknown): void {
    void this.#worker.then((worker) => worker?.postMessage(message));
  }

  async terminate(): Promise<unknown> {
    this.#stopped = true;
    return (await this.#worker)?.terminate();
  }

  #run(wrapper: string, environment: Readonly<Record<string, string>>): Promise<WrappedStart> {
    return new Promise((resolve, reject) => {
      if (!isExecutable(wrapper)) {
        reject(new WrapperError(`${environment.AWS_LAMBDA_EXEC_WRAPPER}: permission denied`));
        return;
      }
      const child = spawn(wrapper, [process.execPath, CAPTURE_SCRIPT], { env: environment, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      child.stdout?.pipe(this.stdout as PassThrough, { end: false });
      child.stderr?.pipe(this.stderr as PassThrough, { end: false });
      let report = '';
      const channel = child.stdio[REPORT_FD] as Readable;
      channel.setEncoding('utf8');
      channel.on('data', (chunk: string) => {
        report += chunk;
      });
      child.once('error', (error) => reject(new WrapperError(`${environment.AWS_LAMBDA_EXEC_WRAPPER}: ${error.message}`)));
      child.once('close', (code) => {
        if (report === '') reject(new WrapperError(`${environment.AWS_LAMBDA_EXEC_WRAPPER} exited (${code}) without starting the runtime`));
        else resolve(JSON.parse(report) as WrappedStart);
      });
    });
  }
}

/** A wrapper script that could not start the runtime (not executable, failed, or ended without `exec`ing it). */
export class WrapperError extends Error {
  override readonly name = 'WrapperError';
}
