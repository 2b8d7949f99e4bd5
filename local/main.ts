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
const { LocalRuntime } = await import('./runtime.js');
const { startupReport } = await import('./startup-report.js');
const { TRUST_HELP, trustSettings } = await import('./endpoint/trust-options.js');

/**
 * `npm start`: synthesizes the app if its sources changed since the last synth, then
 * runs cdk.out locally until interrupted. Another app's assembly (`--cdk-out <dir>`) runs
 * as it is: only this project's own `cdk.out` is ever synthesized.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.SWITCHYARD_PORT ?? '4566' },
    data: { type: 'string', default: process.env.SWITCHYARD_DATA },
    'cdk-out': { type: 'string', default: 'cdk.out' },
    synth: { type: 'boolean', default: true },
    parameters: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
    host: { type: 'string' },
    'allow-host': { type: 'string', multiple: true, default: [] },
    'verify-signatures': { type: 'boolean' },
    credentials: { type: 'string', multiple: true, default: [] },
    'keep-events': { type: 'string', default: '10000' },
    'keep-hours': { type: 'string', default: '24' },
  },
  allowNegative: true,
});

if (values.help) {
  console.log(`Usage: npm start -- [--port 4566] [--data .data] [--cdk-out cdk.out] [--no-synth]

Runs the synthesized app on this machine behind an AWS-compatible endpoint.
  --port      port of the endpoint (0: any free port); env SWITCHYARD_PORT
  --data      folder holding all local state; env SWITCHYARD_DATA (default .data, and
              .data/apps/<app>-<hash> for another app's assembly, so apps never share state)
  --cdk-out   cloud assembly to run; any folder other than this project's cdk.out
              (another app's assembly) runs as it is, never synthesized
  --no-synth  run cdk.out as it is, even if the sources are newer
  --parameters [Stack:]Name=Value
              a template parameter's value, as cdk deploy --parameters takes it (repeatable)
  --keep-events N, --keep-hours H
              what the read API (/_switchyard/v1: event records, lineage) keeps: the newest
              N events (default 10000), none older than H hours (default 24)
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
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', cdkOut], { stdio: 'inherit', cwd: root });
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

const parameters: Record<string, string> = {};
for (const given of values.parameters) {
  const match = /^([^=]+)=(.*)$/s.exec(given);
  if (!match?.[1]) {
    console.error(`--parameters ${JSON.stringify(given)}: expected [Stack:]Name=Value, as cdk deploy --parameters takes it`);
    process.exit(1);
  }
  parameters[match[1]] = match[2] ?? '';
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port is ${JSON.stringify(values.port)}; it must be a whole number from 0 to 65535 (0 picks a free port)`);
  process.exit(1);
}
const eventRecords = { maxEvents: Number(values['keep-events']), maxAgeHours: Number(values['keep-hours']) };
if (!Number.isInteger(eventRecords.maxEvents) || eventRecords.maxEvents < 1 || eventRecords.maxEvents > 10_000_000) {
  console.error(`--keep-events is ${JSON.stringify(values['keep-events'])}; it must be a whole number from 1 to 10000000`);
  process.exit(1);
}
if (!Number.isFinite(eventRecords.maxAgeHours) || eventRecords.maxAgeHours <= 0 || eventRecords.maxAgeHours > 24 * 366) {
  console.error(`--keep-hours is ${JSON.stringify(values['keep-hours'])}; it must be a number of hours above 0, at most 8784 (a year)`);
  process.exit(1);
}
let trust: ReturnType<typeof trustSettings>;
try {
  trust = trustSettings(values);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const start = { cdkOut, dataDir, port, parameters, eventRecords };
const runtime = await LocalRuntime.start({ ...start, ...trust }).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    console.error(`port ${port} is already in use (another local runtime?); stop it or pass --port <n> (0 picks a free port)`);
    process.exit(1);
  }
  if (error.name === 'DataFolderInUseError') {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
});
const report = startupReport({
  url: runtime.url,
  definitions: runtime.definitions,
  warnings: runtime.warnings,
  dataDir,
  startedSeconds: (performance.now() - started) / 1000,
  root,
  topicArns: await topicArnsOf(runtime),
  httpApis: runtime.httpApiUrls,
  schedules: [
    ...runtime.scheduler.outlook().map((s) => ({
      label: `schedule ${s.group}/${s.name}`,
      expression: s.expression,
      timeZone: s.timeZone,
      enabled: s.state === 'ENABLED',
      ...(s.next === undefined ? {} : { next: s.next }),
    })),
    ...runtime.events.scheduledRules().map((r) => ({
      label: `rule ${r.name}`,
      expression: r.expression,
      enabled: true,
      ...(r.next === undefined ? {} : { next: r.next }),
    })),
  ],
  buckets: runtime.buckets,
  pipes: runtime.pipes.describe(),
});
for (const warning of report.warnings) console.warn(warning);
console.log(report.lines.join('\n'));
for (const line of runtime.trustLines()) console.log(line);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('stopping...');
    void runtime.stop().then(() => process.exit(0));
  });
}

/** Every topic the local SNS has (the template's and any created since), through its own API. */
async function topicArnsOf(running: {
  sns: { ListTopics(input: { NextToken?: string }): Promise<{ Topics?: { TopicArn?: string }[]; NextToken?: string }> };
}) {
  const arns: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await running.sns.ListTopics({ NextToken });
    arns.push(...(page.Topics ?? []).flatMap((t) => (t.TopicArn ? [t.TopicArn] : [])));
    NextToken = page.NextToken;
  } while (NextToken);
  return arns;
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
  const sources = ['bin', 'lib', 'lambdas', 'contracts', 'cdk.json', 'package-lock.json'].map((p) => path.join(root, p));
  return sources.some((source) => newestMtime(source) > built);
}

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(file).reduce((newest, entry) => Math.max(newest, newestMtime(path.join(file, entry))), stat.mtimeMs);
}
