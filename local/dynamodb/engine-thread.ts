import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { engineBundle } from './engine-bundle.js';

/** The engine's thread: `engine-worker.js` in the package; in a checkout its TypeScript sources, bundled (engine-bundle.ts). */
const FROM_SOURCES = import.meta.filename.endsWith('.ts');
/** The engine thread's name. */
export const THREAD_NAME = 'dynamodb';

/**
 * Starts the engine's thread: Node's bootstrap of a thread and the engine's modules, about 0.1 s
 * of CPU. It opens its database and listens once its first message configures it
 * (DynamoDbHost.start), so it can be started before the runtime knows its options.
 */
export async function startEngineThread(): Promise<Worker> {
  const script = FROM_SOURCES ? await engineBundle() : path.join(import.meta.dirname, 'engine-worker.js');
  return new Worker(script, {
    // The thread's name in the operating system's view (top -H, /proc/<pid>/task): bench:runtime counts CPU by it.
    name: THREAD_NAME,
    // The bundle's inline source map names the TypeScript sources in stack traces, as tsx did.
    execArgv: [...(FROM_SOURCES ? ['--enable-source-maps'] : []), ...profilerFlags(process.execArgv)],
  });
}

/**
 * The runtime's `--cpu-prof*` flags, for the engine's thread too: a worker given an execArgv
 * inherits none of the process's, and bench:runtime's profiles (BENCH_NODE_FLAGS) should show
 * the engine's per-request cost beside the main thread's.
 */
export function profilerFlags(execArgv: readonly string[]): string[] {
  return execArgv.filter((flag) => flag.startsWith('--cpu-prof'));
}

/** A thread begun early, how it ended if it did before it was taken, and how to stop watching it end. */
interface EarlyThread {
  readonly thread: Promise<Worker>;
  ended?: Error;
  readonly watching: (worker: Worker) => void;
}
let early: EarlyThread | undefined;

/**
 * Begins the engine's thread ahead of the runtime (`switchyard dev`, before the runtime's modules
 * load: half a second of the main thread's CPU, during which the thread's bootstrap takes the
 * other core). The next DynamoDbHost.start of this process takes it. Until then it keeps no
 * process alive, and a thread that fails to start is left for a new one, whose failure is the
 * start's.
 */
export function startEngineThreadEarly(): void {
  if (early !== undefined) return;
  const onError = (error: Error) => {
    begun.ended = error;
  };
  const onExit = (code: number) => {
    begun.ended ??= new Error(`the engine's thread begun early stopped with code ${code}`);
  };
  const begun: EarlyThread = {
    thread: startEngineThread().then((worker) => {
      worker.unref();
      worker.on('error', onError).on('exit', onExit);
      return worker;
    }),
    watching: (worker) => worker.off('error', onError).off('exit', onExit),
  };
  early = begun;
  // A bundling that failed (sources that do not compile) fails the runtime's own start instead.
  begun.thread.catch(() => {});
}

/** The thread startEngineThreadEarly began, once, unless it has ended; undefined otherwise. */
export async function takeEarlyEngineThread(): Promise<Worker | undefined> {
  const begun = early;
  early = undefined;
  if (begun === undefined) return undefined;
  const worker = await begun.thread.catch(() => undefined);
  if (worker === undefined || begun.ended !== undefined) return undefined;
  begun.watching(worker);
  worker.ref();
  return worker;
}
