/**
 * The CPU time each thread of a process has used, from Linux's /proc/<pid>/task/<tid>/stat,
 * grouped by what the thread is: the local runtime names its threads (the DynamoDB engine's
 * `dynamodb`, each function environment's `fn:<name>`), Node and V8 name theirs. CPU time,
 * unlike throughput, hardly moves with what else the machine is doing, so it says where a
 * pipeline's work goes even on a shared machine.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { THREAD_NAME as DYNAMODB_THREAD } from '../local/dynamodb/engine-thread.js';
import { FUNCTION_THREAD_PREFIX } from '../local/lambda/runtime/hosts/environment-pool.js';

export const THREAD_GROUPS = ['main thread', 'functions', 'DynamoDB engine', 'V8 (GC, compiler)', 'libuv pool', 'other'] as const;
export type ThreadGroup = (typeof THREAD_GROUPS)[number];

/** Milliseconds of CPU (user and system) per thread id, with the thread's name. */
export type ThreadCpu = Map<string, { readonly name: string; readonly ms: number }>;

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export function threadCpu(pid: number): ThreadCpu {
  const threads: ThreadCpu = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended between the listing and the read
    }
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    // After the name: state is field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    threads.set(tid, { name, ms: (ticks * 1000) / TICKS_PER_SECOND });
  }
  return threads;
}

function groupOf(name: string): ThreadGroup {
  if (name === 'MainThread' || name === 'node') return 'main thread';
  if (name.startsWith(FUNCTION_THREAD_PREFIX)) return 'functions';
  if (name === DYNAMODB_THREAD) return 'DynamoDB engine';
  if (name.startsWith('V8') || name === 'DelayedTaskSche') return 'V8 (GC, compiler)';
  if (name.startsWith('libuv')) return 'libuv pool';
  return 'other';
}

/** The CPU used between two readings, by group (a thread that ended between them is not counted). */
export function cpuBetween(before: ThreadCpu, after: ThreadCpu): Record<ThreadGroup, number> {
  const used = Object.fromEntries(THREAD_GROUPS.map((group) => [group, 0])) as Record<ThreadGroup, number>;
  for (const [tid, { name, ms }] of after) used[groupOf(name)] += ms - (before.get(tid)?.ms ?? 0);
  return used;
}

/** The threads of `group` in `after` that were not in `before` (a function environment started between the readings). */
export function threadsStarted(before: ThreadCpu, after: ThreadCpu, group: ThreadGroup): number {
  return [...after].filter(([tid, { name }]) => !before.has(tid) && groupOf(name) === group).length;
}
