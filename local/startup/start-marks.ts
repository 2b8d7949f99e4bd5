/**
 * Where a start's time goes, for whoever makes it faster: with SWITCHYARD_DEBUG_START=1, each
 * mark prints one line to stderr, `start: <what> at <wall> ms, cpu <ms>`: the wall time since
 * the process began (performance.now()) and this process's CPU time so far (user and system),
 * so that on a loaded machine waiting can be told from working. Off (the default), a mark costs
 * one property read. `switchyard dev` (cli/dev/server.ts, through local/launcher.ts) and the
 * runtime's own start mark their steps; docs/local-runtime.md says how to read them.
 */
const enabled = process.env.SWITCHYARD_DEBUG_START === '1';

export function startMark(what: string): void {
  if (!enabled) return;
  const { user, system } = process.cpuUsage();
  process.stderr.write(`start: ${what} at ${Math.round(performance.now())} ms, cpu ${Math.round((user + system) / 1000)} ms\n`);
}
