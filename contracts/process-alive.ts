/**
 * Whether a process runs, for what a process leaves on disk for others while it runs: the
 * runtime's data folder lock (local/store/data-folder-lock.ts) and what `switchyard dev` keeps
 * for the other commands (inspect/assembly.ts's chooseAssembly). Here because both packages
 * carry contracts/ and both the runtime and inspect/ may import this file (biome.json); it
 * knows nothing of the app.
 */

/** Whether a process with this pid runs (signal 0 checks without signalling; EPERM: it runs, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
