import type { startDevServer } from '../../cli/dev/server.js';

type Launcher = Parameters<typeof startDevServer>[0]['launcher'];

/**
 * A stand-in launcher for startDevServer whose runtime is what `launchRuntime` answers, and the
 * io that collects every line dev prints (`lines`); `stop` runs what dev gave to run on a signal.
 */
/** What dev gives the launcher, as the stand-in passes it on (the assembly awaited). */
export interface StandInLaunch {
  readonly cdkOut: string;
  readonly prepare?: (runtime: unknown) => Promise<unknown>;
  readonly replacedCode?: () => ReadonlyMap<string, string>;
}

export function standInLauncher(launchRuntime: (options: StandInLaunch) => Promise<unknown>) {
  const lines: string[] = [];
  let stop: (() => Promise<void> | void) | undefined;
  const launcher = {
    // As the runtime's start does, once the assembly (the first synthesis, under way at the launch) is there.
    // Its runtime's warm-up (which dev's background processes wait for) has ended at once, unless the runtime says otherwise.
    launchRuntime: async (options: Omit<StandInLaunch, 'cdkOut'> & { cdkOut: string | Promise<string> }) => ({
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
