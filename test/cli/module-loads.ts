// Run by command-loading.test.ts in a child process of its own (a module loads once per
// process): runs each command line of argv[2] (JSON) with the CLI's `main` in turn, and prints
// the modules (and Node's built-in modules) each one loaded that those before it had not.
import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  load(url, context, next) {
    loaded.add(url);
    return next(url, context);
  },
});

/** Node's own modules loaded so far (`NativeModule <id>`): an undocumented list Node has kept since its first releases. */
const builtinsLoaded = (): readonly string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

// The first command line's step counts the CLI's own modules too, as a process running it alone loads them.
let before = new Set(loaded);
let builtinsBefore = new Set(builtinsLoaded());
const { main } = await import('../../cli/main.js');
const steps: { args: string[]; code: number; loaded: string[]; builtins: string[] }[] = [];
for (const args of JSON.parse(process.argv[2] ?? '[]') as string[][]) {
  const code = await main(args, { out: () => {}, err: () => {}, stdin: () => '' });
  const builtins = builtinsLoaded().filter((entry) => !builtinsBefore.has(entry));
  steps.push({ args, code, loaded: [...loaded].filter((url) => !before.has(url)), builtins });
  before = new Set(loaded);
  builtinsBefore = new Set(builtinsLoaded());
}
process.stdout.write(JSON.stringify(steps));
