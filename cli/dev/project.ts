import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { STATE_FOLDER } from '../../inspect/assembly.js';
import { CliError } from '../../inspect/errors.js';

/** What `switchyard dev` needs from a CDK app's cdk.json (the keys the CDK CLI reads for synth and watch). */
export interface CdkProject {
  /** The folder holding cdk.json. */
  readonly root: string;
  /** The command that synthesizes the app (`app`), or the folder of an assembly synthesized already. */
  readonly app: string;
  /** A command to run before the app, as `cdk synth` runs cdk.json's `build`. */
  readonly build?: string;
  /** The context the app is synthesized with: cdk.context.json's values, then cdk.json's `context`, then `--context`'s (each winning over the one before). */
  readonly context: Readonly<Record<string, unknown>>;
  /** The values `switchyard dev --context key=value` gave (strings, as the CDK CLI passes them); kept apart so a synthesis records them. @default none */
  readonly commandContext?: Readonly<Record<string, string>>;
  /** cdk.json's `watch`, as `cdk watch` reads it; undefined when cdk.json has none. */
  readonly watch?: { readonly include: readonly string[]; readonly exclude: readonly string[] };
}

/**
 * Reads the CDK app in `root` (its cdk.json and cdk.context.json).
 * @throws CliError (exit 2) outside a CDK app or when cdk.json cannot be used, saying what to fix
 */
export function readCdkProject(root: string): CdkProject {
  const file = path.join(root, 'cdk.json');
  if (!existsSync(file)) {
    throw new CliError(
      `no cdk.json in ${root} or a folder above it: switchyard dev runs a CDK app; run it in the app's folder (the one with cdk.json, as for cdk synth)`,
      2,
    );
  }
  const config = readJsonObject(file);
  const app = config.app;
  if (typeof app !== 'string' || app.trim() === '') {
    throw new CliError(`${file} has no "app" command: add the command that synthesizes the app, e.g. "app": "npx tsx bin/app.ts"`, 2);
  }
  const build = config.build;
  if (build !== undefined && typeof build !== 'string') throw new CliError(`${file}: "build" must be a command (a string)`, 2);
  const contextFile = path.join(root, 'cdk.context.json');
  const context = {
    ...(existsSync(contextFile) ? readJsonObject(contextFile) : {}),
    ...objectOrEmpty(config.context, `${file}: "context"`),
  };
  return { root, app, ...(build ? { build } : {}), context, ...watchSettings(config.watch, file) };
}

/**
 * Creates the project's `.switchyard/` folder with a .gitignore that keeps all of it out of
 * git, and says so the first time. Returns the folder.
 */
export function prepareStateFolder(root: string, out: (line: string) => void): string {
  const folder = path.join(root, STATE_FOLDER);
  mkdirSync(folder, { recursive: true });
  const ignore = path.join(folder, '.gitignore');
  if (!existsSync(ignore)) {
    // `*` ignores the folder's own .gitignore too: nothing in it belongs in the repository.
    writeFileSync(ignore, '# Written by switchyard dev: local state (the synthesized app, the runtime data); never committed.\n*\n');
    out(`note: ${STATE_FOLDER}/ holds switchyard dev's local state (the synthesized app and the runtime's data) and is git-ignored`);
  }
  return folder;
}

function watchSettings(value: unknown, file: string): { watch?: CdkProject['watch'] } {
  if (value === undefined) return {};
  const watch = objectOrEmpty(value, `${file}: "watch"`);
  const list = (key: 'include' | 'exclude'): string[] => {
    const entry = watch[key];
    if (entry === undefined) return key === 'include' ? ['**'] : [];
    const items = typeof entry === 'string' ? [entry] : entry;
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
      throw new CliError(`${file}: "watch.${key}" must be a glob or a list of globs`, 2);
    }
    return items as string[];
  };
  return { watch: { include: list('include'), exclude: list('exclude') } };
}

function readJsonObject(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}; fix the JSON`, 2);
  }
  return objectOrEmpty(parsed, file);
}

function objectOrEmpty(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`${what} must be a JSON object`, 2);
  return value as Record<string, unknown>;
}

/**
 * The project with the context values the command line gives (`--context key=value`, as
 * `cdk deploy --context` and `cdk synth -c` take them): strings, over cdk.json's and
 * cdk.context.json's, as the CDK CLI merges them.
 * @throws CliError (exit 2) for a value that is not key=value
 */
export function withCommandContext(project: CdkProject, pairs: readonly string[]): CdkProject {
  if (pairs.length === 0) return project;
  const given: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--context ${JSON.stringify(pair)}: give it as key=value, as cdk deploy --context takes it`, 2);
    given[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { ...project, context: { ...project.context, ...given }, commandContext: given };
}

/** The `--context` (`-c`) values of a command line, before it is parsed (dev's prelude starts the synthesis first). */
export function contextPairs(argv: readonly string[]): string[] {
  const pairs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--context' || arg === '-c') {
      const next = argv[i + 1];
      if (next !== undefined) pairs.push(next);
      i++;
    } else if (arg.startsWith('--context=')) pairs.push(arg.slice('--context='.length));
  }
  return pairs;
}
