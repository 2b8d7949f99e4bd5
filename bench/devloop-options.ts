/** `npm run bench:devloop`'s options, from the environment, checked (bench/devloop.ts lists them). */
import { DEFAULT_LOAD } from './devloop-report.js';

export const APPS = ['scaffold', 'reference'] as const;

/** The counts of a full run, and of BENCH_QUICK=1's short one (the counts docs/benchmarks.md quotes). */
const COUNTS = {
  full: { BENCH_EDITS: 10, BENCH_IDLE_EDITS: 5, BENCH_INFRA_EDITS: 3, BENCH_STARTS: 3, BENCH_RUNS: 5 },
  quick: { BENCH_EDITS: 3, BENCH_IDLE_EDITS: 2, BENCH_INFRA_EDITS: 1, BENCH_STARTS: 1, BENCH_RUNS: 3 },
} as const;

/**
 * How long the load runs before its column starts, so that the 1-minute load average (which
 * follows a change over about a minute) shows it; the spinners take their CPU at once.
 */
const LOAD_WARMUP_S = 20;

/**
 * The options; `env` is process.env unless given.
 * @throws Error naming the variable, what it held and what it takes
 */
export function options(env: NodeJS.ProcessEnv = process.env) {
  const quick = flag(env, 'BENCH_QUICK');
  const counts = quick ? COUNTS.quick : COUNTS.full;
  const count = (name: string, fallback: number, min = 1): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: expected a whole number of at least ${min}`);
    return value;
  };
  const apps = (env.BENCH_APPS ?? APPS.join(',')).split(',').map((name) => name.trim());
  for (const name of apps) {
    if (!(APPS as readonly string[]).includes(name)) throw new Error(`BENCH_APPS: unknown app "${name}"; the apps are ${APPS.join(', ')}`);
  }
  return {
    apps: apps as (typeof APPS)[number][],
    quick,
    loads: loads(env.BENCH_LOAD),
    loadWarmupMs: count('BENCH_LOAD_WARMUP_S', LOAD_WARMUP_S, 0) * 1000,
    edits: count('BENCH_EDITS', counts.BENCH_EDITS),
    idleEdits: count('BENCH_IDLE_EDITS', counts.BENCH_IDLE_EDITS, 0),
    infraEdits: count('BENCH_INFRA_EDITS', counts.BENCH_INFRA_EDITS, 0),
    starts: count('BENCH_STARTS', counts.BENCH_STARTS),
    runs: count('BENCH_RUNS', counts.BENCH_RUNS),
    port: count('BENCH_PORT', 0, 0),
    timeoutMs: count('BENCH_TIMEOUT_S', 600) * 1000,
    build: !flag(env, 'BENCH_NO_BUILD'),
    keep: flag(env, 'BENCH_KEEP'),
    strict: flag(env, 'BENCH_STRICT'),
  };
}
export type Options = ReturnType<typeof options>;

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new Error(`${name}=${raw}: expected 1 (on) or 0 (off)`);
}

/**
 * BENCH_LOAD: the columns, each a number of spinning processes (0: at rest), comma-separated,
 * run in that order; by default at rest, then under a load of 3.
 */
export function loads(raw: string | undefined): number[] {
  if (raw === undefined || raw === '') return [0, DEFAULT_LOAD];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 0) || new Set(values).size !== values.length) {
    throw new Error(
      `BENCH_LOAD=${raw}: expected distinct whole numbers of at least 0, comma-separated (0 is at rest; e.g. 0,${DEFAULT_LOAD})`,
    );
  }
  return values;
}
