import type { startDevServer } from '../../cli/dev/server.js';

type Launcher = Parameters<typeof startDevServer>[0]['launcher'];

/**
 * A stand-in launcher for startDevServer whose runtime is what `launchRuntime` answers, and the
 * io that collects every line dev prints (`lines`); `stop` runs what dev gave to run on a signal.
 */
export function standInLauncher(
  launchRuntime: (options: { cdkOut: string; prepare?: (runtime: unknown) => Promise<unknown> }) => Promise<unknown>,
) {
  const lines: string[] = [];
  let stop: (() => Promise<void> | void) | undefined;
  const launcher = {
    // As the runtime's start does, once the assembly (the first synthesis, under way at the launch) is there.
    // Its runtime's warm-up (which dev's background processes wait for) has ended at once, unless the runtime says otherwise.
    launchRuntime: async (options: { cdkOut: string | Promise<string>; prepare?: (runtime: unknown) => Promise<unknown> }) => ({
      warmedUp: async () => {},
      ...((await launchRuntime({ ...options, cdkOut: await options.cdkOut })) as object),
    }),
    LaunchError: class extends Error {},
    // switchyard dev's start marks (SWITCHYARD_DEBUG_START): nothing to print here.
    startMark: () => {},
    stopOnSignals: (_runtime: unknown, before: () => Promise<void> | void) => {
      stop = before;
    },
  } as unknown as Launcher;
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  return { lines, launcher, io, stop: async () => stop?.() };
}
