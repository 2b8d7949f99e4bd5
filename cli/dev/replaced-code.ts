import * as path from 'node:path';

/**
 * The handlers rebuilt since the last synthesis, as the functions run them (HandlerCode's
 * replacements: the folder each replaced asset folder's functions run instead).
 */

/** local/launcher.ts's runtime (a type only: dev loads the launcher on Node 24). */
type Runtime = Awaited<ReturnType<typeof import('../../local/launcher.js')['launchRuntime']>>;

/**
 * Says so of a handler rebuilt since the last synthesis whose asset folder no function runs:
 * the edit would stay unrun without a word (while dev runs, such a rebuild synthesizes instead).
 */
export function reportUnrun(
  root: string,
  io: { readonly err: (line: string) => void },
  runtime: Runtime,
  replacements: ReadonlyMap<string, string>,
): void {
  const running = new Set(runtime.definitions.functions.map((fn) => path.resolve(fn.codePath)));
  const unrun = [...replacements.keys()].filter((asset) => !running.has(asset));
  if (unrun.length === 0) return;
  const folders = unrun.map((asset) => path.relative(root, asset)).join(', ');
  io.err(
    `switchyard dev: a handler rebuilt since the last synthesis runs in no function (its asset folder ${folders}), so its edit does not run ` +
      'until the app is synthesized again: save a file the synthesis reads (the stack, say) to run it',
  );
}

/**
 * Runs each rebuilt bundle in place of cdk.out's for every function whose code is that asset
 * folder and that does not run it yet (a function an earlier edit switched keeps its
 * environments: each rebuild is a folder of its own).
 */
export async function runReplacements(runtime: Runtime, replacements: ReadonlyMap<string, string>): Promise<void> {
  const template = runtime.definitions.functions;
  const running = new Map(runtime.lambda.updatedCode(template).map(({ name, codePath }) => [name, codePath]));
  const updated = template.flatMap((fn) => {
    const dir = replacements.get(path.resolve(fn.codePath));
    return dir === undefined || running.get(fn.name) === dir ? [] : [{ name: fn.name, dir }];
  });
  // Side by side: each resolves once its function's new environment is ready and events switched to it.
  await Promise.all(updated.map(({ name, dir }) => runtime.lambda.updateFunctionCode(name, dir)));
}
