import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

// The runtime keeps its state with node:sqlite and runs functions on the Node that Lambda's
// nodejs24.x runs; `npm start` uses the repo's own Node 24, a bare `node` may be older.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 24) {
  console.error(
    `the local runtime needs Node 24 or newer (this is Node ${process.versions.node}); run it with npm start, which uses the repo's own Node 24 (node_modules/.bin/node)`,
  );
  process.exit(1);
}
const { LaunchError, RUNTIME_HELP, RUNTIME_OPTIONS, launchRuntime, launchSettings, stopOnSignals } = await import('./launcher.js');
const { TRUST_HELP } = await import('./endpoint/trust-options.js');

/**
 * `npm start`: synthesizes the app if its sources changed since the last synth, then
 * runs cdk.out locally until interrupted. Another app's assembly (`--cdk-out <dir>`) runs
 * as it is: only this project's own `cdk.out` is ever synthesized. The runtime's options,
 * start, report and stop are local/launcher.ts's, shared with `switchyard dev`.
 */
const { values } = parseArgs({
  options: { ...RUNTIME_OPTIONS, 'cdk-out': { type: 'string', default: 'cdk.out' } },
  allowNegative: true,
});

if (values.help) {
  console.log(`Usage: npm start -- [--port 4566] [--data .data] [--cdk-out cdk.out] [--no-synth]

Runs the synthesized app on this machine behind an AWS-compatible endpoint.
${RUNTIME_HELP}
  --data      folder holding all local state; env SWITCHYARD_DATA (default .data, and
              .data/apps/<app>-<hash> for another app's assembly, so apps never share state)
  --cdk-out   cloud assembly to run; any folder other than this project's cdk.out
              (another app's assembly) runs as it is, never synthesized
  --no-synth  run cdk.out as it is, even if the sources are newer
${TRUST_HELP}`);
  process.exit(0);
}

const root = process.cwd();
const cdkOut = path.resolve(values['cdk-out']);
const started = performance.now();

// Synthesizing writes this project's app into the folder: never into another app's assembly.
const ownCdkOut = path.resolve(root, 'cdk.out');
if (values.synth && cdkOut !== ownCdkOut) {
  console.log(`running the cloud assembly at ${cdkOut} as it is (only this project's own cdk.out is synthesized)`);
}
if (values.synth && cdkOut === ownCdkOut && existsSync(path.join(root, 'cdk.json')) && needsSynth(cdkOut)) {
  console.log('synthesizing the app (sources changed since the last synth)...');
  // Without aws-cdk-lib's template validation, as `switchyard dev` synthesizes (cli/dev/synth.ts):
  // its CloudFormation rules run in WASM on every synth (12 s of this app's 37 at load 6) and only
  // warn, which the local runtime does not read. `npm run synth` keeps them; CDK_VALIDATION=true here too.
  const env = { ...process.env, CDK_VALIDATION: process.env.CDK_VALIDATION ?? 'false' };
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', cdkOut], { stdio: 'inherit', cwd: root, env });
  if (result.status !== 0) {
    console.error('cdk synth failed; fix the errors above (or run the last build with --no-synth)');
    process.exit(result.status ?? 1);
  }
}
if (!existsSync(path.join(cdkOut, 'manifest.json'))) {
  console.error(
    cdkOut === ownCdkOut
      ? `no cloud assembly at ${cdkOut}: run npx cdk synth, or npm start without --no-synth`
      : `no cloud assembly at ${cdkOut} (manifest.json is missing): synthesize that app first (npx cdk synth in its folder)`,
  );
  process.exit(1);
}

// Another app's state never mixes with this project's: each assembly gets its own folder by default.
const dataDir = path.resolve(
  values.data ??
    (cdkOut === ownCdkOut
      ? path.join(root, '.data')
      : path.join(root, '.data', 'apps', `${appName(cdkOut)}-${createHash('sha256').update(cdkOut).digest('hex').slice(0, 8)}`)),
);

try {
  const settings = launchSettings(values);
  const runtime = await launchRuntime({ cdkOut, dataDir, settings, root, started });
  stopOnSignals(runtime);
} catch (error) {
  if (!(error instanceof LaunchError)) throw error;
  console.error(error.message);
  process.exit(1);
}

/** A readable name for an assembly's data folder: the app's folder for `<app>/cdk.out`, else the assembly's own. */
function appName(assembly: string): string {
  return path.basename(path.basename(assembly) === 'cdk.out' ? path.dirname(assembly) : assembly);
}

/** Whether any source file of the app is newer than the cloud assembly. */
function needsSynth(out: string): boolean {
  const manifest = path.join(out, 'manifest.json');
  if (!existsSync(manifest)) return true;
  const built = statSync(manifest).mtimeMs;
  const sources = ['bin', 'lib', 'lambdas', 'contracts', 'domain', 'cdk.json', 'package-lock.json'].map((p) => path.join(root, p));
  return sources.some((source) => newestMtime(source) > built);
}

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(file).reduce((newest, entry) => Math.max(newest, newestMtime(path.join(file, entry))), stat.mtimeMs);
}
