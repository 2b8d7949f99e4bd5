/**
 * The CPU load `npm run bench:devloop` makes itself (BENCH_LOAD): n child processes that spin,
 * at nice 0 as a user's other work runs, so the machine's load average reaches about n on top
 * of its own; and the load average read through a column of the benchmark, which its report
 * prints. See bench/devloop.ts.
 *
 * No spinner outlives the benchmark: `stop` kills them all and waits until they are gone, the
 * exit handler kills them however the benchmark exits (a failure, Ctrl-C), and each spinner ends
 * by itself once the process it watches (the benchmark) is gone, even after a SIGKILL, which
 * runs no handler.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';

/**
 * A spinner: busy for 200 ms slices, between which it checks that the watched process (argv[1])
 * still exists, and exits when it does not.
 */
const SPINNER = `
const watched = Number(process.argv[1]);
for (;;) {
  const end = Date.now() + 200;
  while (Date.now() < end) {}
  try { process.kill(watched, 0); } catch { process.exit(0); }
}`;

/** Every spinner still running, for the exit handler. */
const spinning = new Set<ChildProcess>();
let exitHandlerInstalled = false;

function killAll(children: Iterable<ChildProcess>): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** A load the benchmark started: its spinners' pids, and `stop`, which ends them all. */
export interface Load {
  readonly processes: number;
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

/**
 * Starts `processes` spinners watching `watched` (this process unless given). With 0, nothing
 * runs and `stop` has nothing to do: the machine at rest.
 */
export function startLoad(processes: number, watched: number = process.pid): Load {
  if (!Number.isInteger(processes) || processes < 0)
    throw new Error(`bench:devloop: a load of ${processes} processes: expected a whole number of at least 0`);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', () => killAll(spinning));
  }
  const children: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) {
    // process.execPath: the Node running the benchmark; stdio ignored, so nothing holds a pipe open.
    const child = spawn(process.execPath, ['-e', SPINNER, String(watched)], { stdio: 'ignore' });
    spinning.add(child);
    child.once('exit', () => spinning.delete(child));
    children.push(child);
  }
  return {
    processes,
    pids: children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
    stop: async () => {
      const exits = children
        .filter((child) => child.exitCode === null && child.signalCode === null)
        .map((child) => new Promise((resolve) => child.once('exit', resolve)));
      killAll(children);
      await Promise.all(exits);
    },
  };
}

/** The 1-minute load average through a column: its mean and range. */
export interface LoadReading {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** Reads the 1-minute load average every `everyMs` until `stop`, which returns what it read (at least one reading). */
export function readLoad(everyMs = 2000): { stop(): LoadReading } {
  const samples = [loadavg()[0] ?? 0];
  const timer = setInterval(() => samples.push(loadavg()[0] ?? 0), everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      samples.push(loadavg()[0] ?? 0);
      return summarize(samples);
    },
  };
}

/** The mean and range of load averages read. */
export function summarize(samples: readonly number[]): LoadReading {
  if (samples.length === 0) throw new Error('bench:devloop: no load average read');
  return {
    mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}
