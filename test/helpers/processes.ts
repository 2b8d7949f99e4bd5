import { processAlive } from '../../contracts/process-alive.js';

/**
 * Whether process `pid` still runs: the product's own check (a zombie has ended: a process whose
 * shell was stopped with it is reparented, and where pid 1 does not reap, a container's init or
 * CI's, `kill(pid, 0)` keeps succeeding for it).
 */
export const processRuns = processAlive;

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
