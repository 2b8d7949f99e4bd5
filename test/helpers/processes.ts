import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` still runs. A zombie has ended: a process whose shell was stopped with it
 * is reparented, and where pid 1 does not reap (a container's init, CI's), `kill(pid, 0)` keeps
 * succeeding for it forever.
 */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  if (process.platform !== 'linux') return true;
  try {
    // /proc/<pid>/stat: "pid (comm) state ...", comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    // Reaped between the two reads.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Whether process `pid` is gone from the process table (reaped). For a child of this process
 * it is what says Node has seen its end (reaped it and emitted its `exit`): its zombie, which
 * processRuns already counts as ended, is there until then.
 */
export function processReaped(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
}
