/**
 * The two apps `npm run bench:devloop` runs `switchyard dev` on, each prepared in a folder of
 * its own, and the edits it makes to them. See bench/devloop.ts.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { npmInstall, ok, packTarballs } from '../test/package/helpers.js';

const root = path.join(import.meta.dirname, '..');

/** A handler file the benchmark edits, and the function (its name in the local runtime) that runs it. */
export interface EditTarget {
  readonly file: string;
  readonly functionName: RegExp;
}

/** A command of the app's CLI, as a user types it (`npx switchyard ...`); `args(n)` for its n-th run. */
export interface AppCommand {
  readonly name: string;
  readonly args: (run: number) => string[];
}

export interface DevloopApp {
  readonly name: 'scaffold' | 'reference';
  /** What the report calls it. */
  readonly title: string;
  /** The app's folder (the one with cdk.json), where `switchyard dev` runs. */
  readonly folder: string;
  /** How a user starts `switchyard dev` in `folder`. */
  readonly dev: { readonly command: string; readonly args: readonly string[] };
  /** The handler files the benchmark edits; the first is edited most, the others now and then. */
  readonly targets: readonly [EditTarget, ...EditTarget[]];
  /** The stack file holding the first target's `environment: { [APP_ENV.` ... }`, which the infrastructure edit changes. */
  readonly infraFile: string;
  /** The app's own CLI commands timed (the scaffold's compiled CLI); none for the reference app. */
  readonly commands: readonly AppCommand[];
}

/** The variable the infrastructure edit sets in the first target's environment (its value is the edit's marker). */
export const INFRA_VARIABLE = 'SWITCHYARD_DEVLOOP_INFRA';
/** The event the probe answers instead of running the app's handler. */
export const PROBE_EVENT = { devloopProbe: true };
/** What the probe answers: the marker of the last handler edit, and the infrastructure edit's variable. */
export interface ProbeAnswer {
  readonly devloopEdit: string;
  readonly devloopInfra: string | null;
}

const SCAFFOLD_NAME = 'devloop-app';

/**
 * The scaffold as a new user makes it from the packed tarballs: the build (unless `build` is
 * false: pack/ as the last `npm run build` left it), the three tarballs packed into `work`,
 * `npm create switchyard` from the create-switchyard tarball, `npm install` in the app.
 */
export function prepareScaffold(work: string, env: NodeJS.ProcessEnv, build: boolean): DevloopApp {
  const tarballs = packTarballs(work, { build });
  ok('npm', ['exec', '--yes', '--package', tarballs.create, '--', 'create-switchyard', SCAFFOLD_NAME], work, env);
  const folder = path.join(work, SCAFFOLD_NAME);
  npmInstall(folder);
  const order = (run: number) => JSON.stringify({ orderId: `devloop-${run}`, amount: 42, currency: 'EUR' });
  return {
    name: 'scaffold',
    title: 'the scaffold (npm create switchyard from the packed tarballs)',
    folder,
    // The scaffold's README: `npx switchyard dev`.
    dev: { command: 'npx', args: ['switchyard', 'dev'] },
    targets: [{ file: path.join(folder, 'lambdas', 'record-order', 'handler.ts'), functionName: /RecordOrder/ }],
    infraFile: path.join(folder, 'lib', `${SCAFFOLD_NAME}-stack.ts`),
    // The three the README shows after `switchyard dev`.
    commands: [
      { name: 'executions', args: () => ['executions'] },
      { name: 'failures', args: () => ['failures'] },
      { name: 'send', args: (run) => ['send', 'OrderPlaced', '--detail', order(run)] },
    ],
  };
}

/**
 * The repository's reference app (cdk.json at the repository's root: `npx tsx bin/app.ts`),
 * copied as the working tree has it (tracked files and new ones git does not ignore) into
 * `work`, with the repository's node_modules linked: the benchmark's edits and `.switchyard/`
 * never touch the repository. `switchyard dev` runs as `npm run switchyard -- dev` runs it in
 * the repository: the repository's cli/bin.mjs (its sources, through tsx) on Node 24.
 */
export function prepareReference(work: string): DevloopApp {
  const folder = path.join(work, 'reference');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '');
  for (const file of files) {
    // A file deleted in the working tree is still in the index.
    if (!existsSync(path.join(root, file))) continue;
    mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(folder, file));
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(folder, 'node_modules'));
  const lambdas = path.join(folder, 'lambdas');
  return {
    name: 'reference',
    title: 'the reference app (the repository, 25 functions)',
    folder,
    dev: { command: 'node', args: [path.join(root, 'cli', 'bin.mjs'), 'dev'] },
    targets: [
      { file: path.join(lambdas, 'routing', 'handler.ts'), functionName: /TicketRoutingAssign/ },
      { file: path.join(lambdas, 'agents', 'plan.ts'), functionName: /ResearchAgentsPlan/ },
      // One entry that six functions bundle (the content pipeline's stages).
      { file: path.join(lambdas, 'pipeline', 'stage-handler.ts'), functionName: /ContentPipelineStageScript/ },
      { file: path.join(lambdas, 'webhooks', 'payments.ts'), functionName: /WebhooksPayments/ },
    ],
    infraFile: path.join(folder, 'lib', 'flows', 'ticket-routing.ts'),
    commands: [],
  };
}

/** The probe appended to a handler file; its `devloopEdit` line is the one line each handler edit changes. */
function probeSource(marker: string): string {
  return `
// Written by bench/devloop.ts (npm run bench:devloop): the benchmark's own invocations get the
// marker of its last edit of this file and the variable its infrastructure edit sets; every
// other event runs the handler above.
export const handler = (event: unknown, context: unknown) =>
  (event as { devloopProbe?: unknown } | null)?.devloopProbe === true
    ? { devloopEdit: '${marker}', devloopInfra: process.env.${INFRA_VARIABLE} ?? null }
    : (devloopAppHandler as (event: unknown, context: unknown) => unknown)(event, context);
`;
}

/** How a handler file exports its handler, and what the probe renames it to. */
const HANDLER_EXPORTS: readonly (readonly [RegExp, string])[] = [
  [/^export const handler\b/m, 'const devloopAppHandler'],
  [/^export async function handler\(/m, 'async function devloopAppHandler('],
  [/^export function handler\(/m, 'function devloopAppHandler('],
];

/** Where in the infrastructure file the variable goes: the first target's environment, written as both apps write it. */
const INFRA_ANCHOR = 'environment: { [APP_ENV.';

/**
 * Readies the app's files for the benchmark before `switchyard dev` first starts: each target
 * file's handler wrapped by the probe (answering `initialMarker`), and the infrastructure
 * variable (`initialInfra`) added to the first target's environment.
 * @throws Error naming the file and what the benchmark looked for, when the app has changed under it
 */
export function instrument(app: DevloopApp, initialMarker: string, initialInfra: string): void {
  for (const file of new Set(app.targets.map((target) => target.file))) {
    const source = readFileSync(file, 'utf8');
    const form = HANDLER_EXPORTS.find(([pattern]) => pattern.test(source));
    if (form === undefined) {
      throw new Error(
        `bench:devloop: ${file} exports no handler the probe can wrap (export const handler, export [async] function handler): update bench/devloop-apps.ts`,
      );
    }
    writeFileSync(file, source.replace(form[0], form[1]) + probeSource(initialMarker));
  }
  const stack = readFileSync(app.infraFile, 'utf8');
  if (stack.split(INFRA_ANCHOR).length !== 2) {
    throw new Error(`bench:devloop: ${app.infraFile} does not hold "${INFRA_ANCHOR}" exactly once: update bench/devloop-apps.ts`);
  }
  writeFileSync(app.infraFile, stack.replace(INFRA_ANCHOR, `environment: { ${INFRA_VARIABLE}: '${initialInfra}', [APP_ENV.`));
}

/** A handler edit: the probe's marker line in `file` changed to `marker` (one line, written at once). */
export function editHandler(file: string, marker: string): void {
  replaceOnce(file, /devloopEdit: '[^']*'/, `devloopEdit: '${marker}'`);
}

/** An infrastructure edit: the first target's environment variable set to `marker` in the stack file. */
export function editInfra(app: DevloopApp, marker: string): void {
  replaceOnce(app.infraFile, new RegExp(`${INFRA_VARIABLE}: '[^']*'`), `${INFRA_VARIABLE}: '${marker}'`);
}

function replaceOnce(file: string, pattern: RegExp, replacement: string): void {
  const source = readFileSync(file, 'utf8');
  if (!pattern.test(source)) throw new Error(`bench:devloop: ${file} lost the benchmark's line (${pattern}); was it edited meanwhile?`);
  writeFileSync(file, source.replace(pattern, replacement));
}
