import { readFileSync } from 'node:fs';

/**
 * Whether a process runs, for what a process leaves on disk for others while it runs: the
 * runtime's data folder lock (local/store/data-folder-lock.ts) and what `switchyard dev` keeps
 * for the other commands (inspect/assembly.ts's chooseAssembly). Here because both packages
 * carry contracts/ and both the runtime and inspect/ may import this file (biome.json); it
 * knows nothing of the app.
 */

/**
 * Whether a process with this pid runs (signal 0 checks without signalling; EPERM: it runs, as
 * another user's). A zombie has ended: its parent has not reaped it yet, and where pid 1 does not
 * reap (a container's init), a dev killed with its npx by SIGKILL stays one, its pid still taken.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !ended(pid);
}

/** Whether the process table's entry for `pid` is a zombie's (Linux's /proc; elsewhere none is told apart). */
function ended(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    // Reaped since the signal's check: gone.
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  // "pid (comm) state ...": the command may hold spaces and parentheses, the state follows the last ") ".
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state === 'Z' || state === 'X';
}
