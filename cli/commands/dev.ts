import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { projectFolder } from '../../inspect/assembly.js';
import { CliError, usageError } from '../../inspect/errors.js';
// biome-ignore lint/style/noRestrictedImports: a type only (erased at run time), of the launcher dev hosts in-process
import type { RuntimeOptionValues } from '../../local/launcher.js';
import { contextPairs } from '../dev/project.js';
import { loadEarlyThreads, loadLauncher } from '../dev/runtime-modules.js';
import { type DevPrelude, startDevPrelude, startDevServer } from '../dev/server.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard dev [--port 4566] [--data .switchyard/data] [--no-synth] [--no-watch] [--parameters Name=Value] [--context key=value]

Runs the CDK app of this folder (the nearest one up with cdk.json) on this machine, behind an
AWS-compatible endpoint, and reloads it as you edit it:
  1. synthesizes the app with cdk.json's "app" command (and its context) into .switchyard/cdk.out,
     unless nothing its last synthesis read has changed (its files, the folders it listed, the
     environment variables it read): then it starts from that synthesis. Functions bundled by
     esbuild (NodejsFunction) whose sources did not change are not bundled again
  2. starts the local runtime on it and prints what it runs, the endpoint and the console URL
  3. watches the app's sources (cdk.json's "watch" include/exclude, as cdk watch uses them; else
     the folder without node_modules, cdk.out, dist and dot-folders). A change only functions'
     bundles read (a handler and what it imports) rebuilds those bundles with the options of
     the synthesis, and one in a Python function's folder (Code.fromAsset's copy) copies it
     again once its Python compiles; the functions run it from the next invocation, with no
     synthesis (the start-up
     report says which functions run code newer than cdk.out). Any other change synthesizes
     again and reloads the changed functions, event source mappings, rules and state machines
     in place: queued messages, running executions and table items stay, the next event runs
     the new code. A failed synthesis or build is shown and the last good app keeps running.
Local state lives in .switchyard/ (git-ignored): the synthesized app, what its synthesis read,
the rebuilt handlers and the data folder.

  --data       folder holding the runtime's state (default .switchyard/data); env SWITCHYARD_DATA
  --no-synth   start from the app synthesized last even if it changed since: the newer of
               .switchyard/cdk.out and ./cdk.out (npx cdk synth's), as the other commands read
               it; changes are still synthesized (into .switchyard/cdk.out) and reloaded
  --no-watch   do not watch the sources: run the app as it was synthesized at start
  --context key=value, -c key=value
               a context value the app is synthesized with, over cdk.json's (as cdk deploy
               --context gives it; a string); repeat it for several. A start with other values
               than the last synthesis's synthesizes again
  --no-typecheck
               do not check the app's types. By default the app's own tsc (its typescript and
               tsconfig.json; incremental, at a lower priority, in the background) checks them
               at start and after each change, and its errors are printed once; they never stop
               the code from running, as esbuild (and a deploy's bundling) runs it unchecked
  --no-standby do not start the next synthesis's process ahead. By default, after each
               synthesis, one waits with Node, the TS loader and the app's packages loaded (about
               2 s of CPU while you edit, and its memory), so an infrastructure edit goes on from it`;

/**
 * `switchyard dev`: the local runtime's launcher for any CDK app (as local/main.ts is for
 * this repository's own app), with synth-on-change and reload in place. It hosts the runtime
 * in this process, so it needs Node 24 (bin.mjs runs itself again on one).
 */
export const dev: Command = async (argv, io) => {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < 24) {
    throw new CliError(
      `the local runtime needs Node 24 or newer (this is Node ${process.versions.node}): run switchyard through its bin (npx switchyard dev), which uses the package's Node 24`,
    );
  }
  // The synthesis is a process of its own: started before the runtime's modules load (a second of
  // CPU or more), it runs meanwhile. The options are read once they have loaded (the runtime's are
  // its modules'): what the prelude assumed of --no-synth and --no-watch is checked then.
  const prelude = argv.some((arg) => arg === '--help' || arg === '-h') ? undefined : devPrelude(argv, io);
  // The prelude's way to the synthesis's spawn is promise continuations only, and a dynamic
  // import loads its whole module graph in one run of the microtask queue, ahead of them: the
  // app's process started 0.3-0.4 s late, after the runtime's 1,100 modules (measured on the
  // scaffold with SWITCHYARD_DEBUG_START=1). One turn of the event loop lets it start first.
  await new Promise((resolve) => setImmediate(resolve));
  // DynamoDB's engine thread boots on the other core while the runtime's modules load on this one.
  // The package's bundle of the runtime or the sources' modules: ../dev/runtime-modules.ts chooses.
  (await loadEarlyThreads()).beginEarlyThreads();
  // The runtime's launcher, not a client of it: dev is what starts the runtime, as npm start is.
  const launcher = await loadLauncher();
  launcher.startMark('the runtime loaded');
  let settings: ReturnType<typeof launcher.launchSettings>;
  let values: DevValues;
  try {
    const parsed = parseDevArgs(argv, launcher.RUNTIME_OPTIONS);
    values = parsed.values;
    if (values.help) {
      prelude?.begun?.cancel();
      return io.out(`${HELP}\n${launcher.RUNTIME_HELP}\n${launcher.TRUST_HELP}`);
    }
    if (parsed.positionals.length > 0) {
      throw usageError(`dev takes no arguments (got "${parsed.positionals[0]}"); run it in the app's folder`);
    }
    settings = launchSettings(launcher, values);
    if (prelude?.error !== undefined) throw prelude.error;
  } catch (error) {
    prelude?.begun?.cancel();
    throw error;
  }
  await startDevServer(
    {
      root: projectFolder(process.cwd()),
      settings,
      data: values.data,
      synth: values.synth !== false,
      watch: values.watch !== false,
      typecheck: values.typecheck !== false,
      standby: values.standby !== false,
      context: values.context ?? [],
      io,
      launcher,
    },
    prelude?.begun,
  );
};

/** startDevPrelude on what the command line says of --no-synth and --no-watch, before it is parsed; its error, kept for after the options' own. */
function devPrelude(argv: readonly string[], io: Parameters<Command>[1]): { begun?: DevPrelude; error?: unknown } {
  try {
    return {
      begun: startDevPrelude(projectFolder(process.cwd()), io, {
        synth: !argv.includes('--no-synth'),
        watch: !argv.includes('--no-watch'),
        context: contextPairs(argv),
      }),
    };
  } catch (error) {
    return { error };
  }
}

function launchSettings(launcher: typeof import('../../local/launcher.js'), values: DevValues) {
  try {
    return launcher.launchSettings(values);
  } catch (error) {
    if (error instanceof launcher.LaunchError) throw usageError(error.message);
    throw error;
  }
}

function parseDevArgs(argv: readonly string[], runtimeOptions: ParseArgsOptionsConfig): { values: DevValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        ...runtimeOptions,
        watch: { type: 'boolean', default: true },
        typecheck: { type: 'boolean', default: true },
        standby: { type: 'boolean', default: true },
        context: { type: 'string', short: 'c', multiple: true },
      },
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
    return { values: values as DevValues, positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option'));
  }
}

/** The options' values: the runtime's (local/launcher.ts's RUNTIME_OPTIONS), and dev's own. */
interface DevValues extends RuntimeOptionValues {
  data?: string;
  synth?: boolean;
  watch?: boolean;
  typecheck?: boolean;
  standby?: boolean;
  context?: string[];
  help?: boolean;
}
