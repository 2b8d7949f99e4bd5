import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LambdaErrorPayload } from '../../core/function-definition.js';
import { ThrottledError } from '../../core/lambda-errors.js';
import { runtimeLanguage } from '../runtimes.js';
import { logRecord } from './console-format.mjs';
import type { EnvironmentHost, EnvironmentSettings, HostStart } from './environment-host.js';
import { execWrapperPath, WrappedWorkerHost } from './exec-wrapper.js';
import { lambdaHeapLimits } from './heap-limits.js';
import { readLines } from './line-reader.js';
import { metricsSummary } from './metrics-line.js';
import { startPythonHost } from './python-environment.js';

const WORKER_SCRIPT = path.join(import.meta.dirname, 'worker.mjs');
/** What each function's execution environment (its worker thread) is named, before the function's name. */
export const FUNCTION_THREAD_PREFIX = 'fn:';
/**
 * Lambda's limit on an on-demand environment's init phase (10 seconds: "the Init phase is limited
 * to 10 seconds", https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
 * a renewal switches to its new environment by then, ready or not.
 */
const INIT_LIMIT_MS = 10_000;

/** An execution environment's init phase as it ended. */
type Readiness = { error?: LambdaErrorPayload; payload?: string; initDurationMs: number };

export interface Environment {
  readonly host: EnvironmentHost;
  readonly ready: Promise<Readiness>;
  /** Whether an invocation ran here yet: the first one reports the Init Duration. */
  used: boolean;
  /** The init phase's own log lines (a failed init's error and INIT_REPORT): the first invocation's log starts with them. */
  readonly initLines: string[];
  /** Where the function's console lines go besides the console while an invocation runs here. */
  onLine?: (line: string) => void;
  /** `YYYY/MM/DD/[<version>]<32 hex>`, as Lambda names an environment's log stream. */
  readonly logStreamName: string;
  /** The version it runs (`$LATEST` or a published one): an environment serves one version, as in Lambda. */
  readonly version: string;
  /** The function's generation it was started with: one older than the generation that serves stops when it is released (`renew`). */
  readonly generation: number;
}

/**
 * The execution environments of one function: idle ones of the version asked for are
 * reused, new ones start while the function is under its concurrency, and beyond it an
 * invocation waits for one to be released (or is throttled, when asked to be). Each
 * environment runs one version (its `AWS_LAMBDA_FUNCTION_VERSION` and log stream say
 * which); at the concurrency, an idle one of another version gives its place up.
 */
export class EnvironmentPool {
  readonly #idle: Environment[] = [];
  readonly #waiting: { readonly version: string; readonly take: (env: Environment) => void }[] = [];
  #count = 0;
  #maxConcurrency: number;
  /** Bumped by `renew`: the generation new environments start in (the function's newest code). */
  #generation = 0;
  /** The oldest generation that still serves: until a renewal's switch, the code before it; older environments stop. */
  #live = 0;
  /** The newest generation's environment, started by `renew` and still initializing: counted, not yet handed out. */
  #pending: Environment | undefined;
  /** Callers of `renew` waiting for its switch. */
  #switchWaiters: (() => void)[] = [];

  constructor(
    maxConcurrency: number,
    /** The settings a new environment of a version starts with (read when it starts, so they follow `update`). */
    private readonly settings: (version: string) => EnvironmentSettings,
  ) {
    this.#maxConcurrency = maxConcurrency;
  }

  get maxConcurrency(): number {
    return this.#maxConcurrency;
  }

  /**
   * A new generation of the function (its new code or settings). With `prestart`, its first
   * environment starts now, ahead of any event, as provisioned concurrency keeps one ready:
   * meanwhile the idle environments of the code before serve the events that come, and once it
   * is ready (or its init failed, or outlived Lambda's init limit) the function switches to it:
   * the idle old ones stop, busy ones when they are released, and no event runs the old code
   * after one ran the new. An event that needs an environment before the switch takes the new
   * one (ready or still initializing), which switches at once. Without `prestart` (or at
   * concurrency 0, or with no environment running yet) it switches at once and the next event starts the new code. Resolves at the
   * switch.
   */
  renew(maxConcurrency: number, prestart: boolean): Promise<void> {
    this.#maxConcurrency = maxConcurrency;
    this.#generation++;
    // An environment of a renewal a newer one overtook never serves: its code is older than the newest.
    this.#dropPending();
    const switched = new Promise<void>((resolve) => this.#switchWaiters.push(resolve));
    // With no environment yet, no event runs old code meanwhile: the next one (or the warm-up, `prepare`) starts the new.
    if (!prestart || maxConcurrency === 0 || this.#count === 0) {
      this.#switch();
      return switched;
    }
    const generation = this.#generation;
    const env = this.#spawn('$LATEST');
    this.#count++;
    this.#pending = env;
    const ready = () => {
      clearTimeout(limit);
      // Taken by an event meanwhile (which switched), or overtaken by a newer renewal: nothing to do.
      if (this.#pending === env && this.#generation === generation) this.#switch();
    };
    // An init that never ends must not keep the old code running: past Lambda's limit the next event waits for it.
    const limit = setTimeout(ready, INIT_LIMIT_MS);
    limit.unref();
    void Promise.race([env.ready, new Promise((resolve) => env.host.once('exit', resolve))]).then(ready);
    return switched;
  }

  /** Stops every idle execution environment. */
  async stop(): Promise<void> {
    this.#dropPending();
    // A renewal the stop interrupted ends too: its caller (a reload) must not wait for an environment that never comes.
    for (const resolve of this.#switchWaiters.splice(0)) resolve();
    const all = this.#idle.splice(0);
    await Promise.all(all.map((env) => env.host.terminate()));
  }

  /**
   * Starts an environment of `$LATEST` ahead of any invocation when the function has none (a
   * reload stops the idle ones at once, a busy one when it ends) and may have one: its init phase runs
   * now, and the next invocation takes it, ready or still initializing. Lambda may do the same
   * for an on-demand function ("pre-initialize execution environments ahead of invocation
   * requests", the execution environment lifecycle); the first invocation still reports the
   * Init Duration. Resolves once its init phase has ended (or it stopped).
   */
  async prepare(): Promise<void> {
    if (this.#count > 0 || this.#maxConcurrency === 0) return;
    this.#count++;
    const env = this.#spawn('$LATEST');
    this.#idle.push(env);
    await Promise.race([env.ready, new Promise((resolve) => env.host.once('exit', resolve))]);
  }

  async acquire(throttle: boolean, signal?: AbortSignal, version = '$LATEST'): Promise<Environment> {
    signal?.throwIfAborted();
    const at = this.#idle.findLastIndex((env) => env.version === version);
    if (at >= 0) {
      const [idle] = this.#idle.splice(at, 1) as [Environment];
      return this.#handOut(idle);
    }
    const pending = this.#pending;
    if (pending !== undefined && version === pending.version && this.#count - this.#idle.length - 1 < this.#maxConcurrency) {
      this.#pending = undefined;
      return this.#handOut(pending);
    }
    if (this.#count < this.#maxConcurrency) {
      this.#count++;
      return this.#handOut(this.#spawn(version));
    }
    const other = this.#idle.shift();
    if (other) {
      // Its place goes to the version asked for.
      void other.host.terminate();
      return this.#handOut(this.#spawn(version));
    }
    if (throttle) {
      const reserved = this.settings(version).definition.reservedConcurrency !== undefined;
      throw new ThrottledError(reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded');
    }
    return new Promise((resolve, reject) => {
      const abandon = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const waiter = {
        version,
        take: (env: Environment) => {
          signal?.removeEventListener('abort', abandon);
          resolve(env);
        },
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.#waiting.push(waiter);
    });
  }

  release(env: Environment, discard: boolean): void {
    const next = this.#waiting.shift();
    if (discard || env.generation < this.#live || (next && next.version !== env.version)) {
      void env.host.terminate();
      if (next) next.take(this.#handOut(this.#spawn(next.version)));
      else this.#count--;
      return;
    }
    if (next) {
      next.take(this.#handOut(env));
      return;
    }
    this.#idle.push(env);
  }

  /** A new environment of `version`, for the caller (its place already counted). */
  #spawn(version: string): Environment {
    return spawnEnvironment(this.settings(version), this.#generation, version);
  }

  /** An environment for an invocation: one of the newest generation runs the new code, so the function switches to it first. */
  #handOut(env: Environment): Environment {
    if (env.generation > this.#live) this.#switch();
    return env;
  }

  /** From now on only the newest generation serves: the started environment is idle for the next event, older idle ones stop. */
  #switch(): void {
    this.#live = this.#generation;
    const pending = this.#pending;
    this.#pending = undefined;
    const retired = this.#idle.filter((env) => env.generation < this.#live);
    for (const env of retired) this.#idle.splice(this.#idle.indexOf(env), 1);
    this.#count -= retired.length;
    for (const env of retired) void env.host.terminate();
    if (pending !== undefined) {
      const at = this.#waiting.findIndex((waiter) => waiter.version === pending.version);
      if (at >= 0) this.#waiting.splice(at, 1)[0]?.take(pending);
      else this.#idle.push(pending);
    }
    for (const resolve of this.#switchWaiters.splice(0)) resolve();
  }

  /** Stops the environment a renewal started, never handed out. */
  #dropPending(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    this.#count--;
    void pending.host.terminate();
  }
}

/** Starts an environment of the function's language running its code with its environment variables. */
function spawnEnvironment(settings: EnvironmentSettings, generation: number, version: string): Environment {
  const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[${version}]${randomUUID().replaceAll('-', '')}`;
  const start = { settings, version, logStreamName, environment: hostEnvironment(settings, version, logStreamName) };
  const host = runtimeLanguage(settings.definition.runtime) === 'python' ? startPythonHost(start) : startWorker(start);
  const initLines: string[] = [];
  // Assigned below; the console listeners only run once the host writes.
  let environment: Environment | undefined;
  forwardConsole(host, (line) => {
    // The runtime's log shows a metrics record in one short line; the log group keeps it whole (onLine).
    settings.log(metricsSummary(line, settings.definition.logGroupName) ?? line);
    environment?.onLine?.(line);
  });
  const ready = readiness(host, initLines, settings.log);
  environment = { host, ready, used: false, initLines, logStreamName, version, generation };
  return environment;
}

/**
 * A worker thread running a Node.js function's bundle (worker.mjs); under the function's
 * AWS_LAMBDA_EXEC_WRAPPER, with what the wrapper handed the runtime (exec-wrapper.ts).
 */
function startWorker({ settings, version, logStreamName, environment }: HostStart): EnvironmentHost {
  const { definition } = settings;
  const layerRoots = settings.sdk.layerRoots ?? definition.layers ?? [];
  const execArgv = definition.environment.NODE_OPTIONS?.includes('--enable-source-maps') ? ['--enable-source-maps'] : [];
  const start = (env: Readonly<Record<string, string>>, wrapperArgv: readonly string[] = []) => {
    const worker = new Worker(WORKER_SCRIPT, {
      // The thread's name in the operating system's view (top -H, /proc/<pid>/task; 15 bytes kept there): bench:runtime counts CPU by it.
      name: `${FUNCTION_THREAD_PREFIX}${definition.name}`,
      workerData: {
        taskRoot: definition.codePath,
        handlerString: definition.handler,
        runtime: definition.runtime,
        layerRoots,
        sdkRoots: settings.sdk.roots,
        sdkUnavailable: settings.sdk.unavailable,
        functionName: definition.name,
        functionVersion: version,
        invokedFunctionArn: definition.arn,
        memoryLimitInMB: String(definition.memorySize),
        logGroupName: definition.logGroupName,
        logStreamName,
        logging: settings.logging,
      },
      env: env,
      stdout: true,
      stderr: true,
      execArgv: [...new Set([...execArgv, ...wrapperArgv])],
      // Lambda's bootstrap sizes the heap from the function's memory and its NODE_OPTIONS as the function set them (before a wrapper's).
      resourceLimits: lambdaHeapLimits(definition.memorySize, environment.NODE_OPTIONS),
    });
    worker.unref();
    return worker;
  };
  const wrapper = execWrapperPath(environment, definition.codePath, layerRoots);
  return wrapper === undefined ? start(environment) : new WrappedWorkerHost(wrapper, environment, (w) => start(w.env, w.execArgv));
}

/** An environment's variables: the function's, what its public layers add, and the ones Lambda sets per environment. */
function hostEnvironment(settings: EnvironmentSettings, version: string, logStreamName: string): Record<string, string> {
  return {
    ...settings.environment,
    ...settings.sdk.environment,
    AWS_LAMBDA_FUNCTION_VERSION: version,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
  };
}

/** Hands each line the host writes to stdout or stderr on as it completes, as one log record. */
function forwardConsole(host: EnvironmentHost, onLine: (line: string) => void): void {
  for (const stream of [host.stdout, host.stderr]) {
    readLines(stream, (line) => {
      onLine(logRecord(line));
      // A console line announces no bytes after it.
      return undefined;
    });
  }
}

/**
 * The host's init phase: ready, or failed (its lines logged, and kept for the first invocation's
 * log). A host that logs its init failure in its own language's way sends those lines (`logLines`).
 */
function readiness(host: EnvironmentHost, initLines: string[], log: (line: string) => void): Promise<Readiness> {
  const spawned = performance.now();
  return new Promise<Readiness>((resolve) => {
    const onMessage = (message: {
      type: string;
      error?: LambdaErrorPayload;
      payload?: string;
      initDurationMs?: number;
      logLines?: string[];
    }) => {
      const initDurationMs = message.initDurationMs ?? performance.now() - spawned;
      if (message.type === 'ready') resolve({ initDurationMs });
      else if (message.type === 'init-error' && message.error) {
        initLines.push(
          ...(message.logLines ?? [uncaughtExceptionLine(message.error)]),
          `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${message.error.errorType}`,
        );
        for (const line of initLines) log(line);
        resolve({ error: message.error, payload: message.payload, initDurationMs });
      } else return;
      host.off('message', onMessage);
    };
    host.on('message', onMessage);
    // A runtime that ends before it is ready (a wrapper script that does not start it, a Python
    // module that exits as it loads) fails the init as Lambda reports it, with its exit status;
    // the invocation that meets it names itself (FunctionRuntime).
    host.once('exit', (code: number | string) =>
      resolve({
        error: { errorType: 'Runtime.ExitError', errorMessage: runtimeExitReason(code) },
        initDurationMs: performance.now() - spawned,
      }),
    );
    host.once('error', (error) =>
      resolve({
        error: { errorType: 'Runtime.ImportModuleError', errorMessage: error.message },
        initDurationMs: performance.now() - spawned,
      }),
    );
  });
}

/**
 * How Lambda says a runtime ended: exit status 0 (`sys.exit(0)`, `process.exit()`) is "without
 * providing a reason" (as recorded on AWS: TestLambdaErrors' runtime and handler exits); any other
 * status or a signal is named.
 */
export function runtimeExitReason(exit: number | string): string {
  if (exit === 0) return 'Runtime exited without providing a reason';
  return `Runtime exited with error: ${typeof exit === 'number' ? `exit status ${exit}` : exit}`;
}

/** A failed init as the invocation that met it reports it: a runtime that exited names the invocation's request id, as Lambda does. */
export function initErrorOf(error: LambdaErrorPayload, requestId: string): LambdaErrorPayload {
  return error.errorType === 'Runtime.ExitError'
    ? { ...error, errorMessage: `RequestId: ${requestId} Error: ${error.errorMessage}` }
    : error;
}

/** Node.js's runtime logs a failed init before the invocation that reports it, its frames as `stack` (Invoke answers them as `trace`). */
function uncaughtExceptionLine(error: LambdaErrorPayload): string {
  const { trace, ...logged } = error;
  return `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify({ ...logged, stack: trace ?? [] })}`;
}
