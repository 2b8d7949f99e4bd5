/**
 * Handler bundle benchmark (`npm run bench:bundles`): for every Lambda function of the
 * synthesized reference app, the size of its bundle (the asset's index.mjs) and its module
 * load time: the median, over fresh Node 24 processes, of `await import(bundle)` with the
 * environment Lambda gives the function (its template variables, region, env credentials,
 * the runtime's own variables). Beside them, in the same run, the floor: a bundle holding
 * nothing but a bare DynamoDB client, built with the same esbuild options the functions use.
 * The SDK's own cost is the floor; what the kit adds must be near zero. The verdict is on the
 * wall clock; the CPU time beside it is what to compare on a machine busy with other work.
 *
 *   npm run bench:bundles                       # synthesizes the app into a temporary directory
 *   BENCH_CDK_OUT=cdk.out npm run bench:bundles # measures an assembly that exists already
 *   BENCH_RUNS=31 ...                           # processes per bundle (default 21)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { resourceName } from '../clients/resource-names.js';
import { HANDLER_BUNDLE_OPTIONS } from './handler-bundle.js';

const root = path.join(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const SIZE_GOAL = 400 * 1024;
/** Init duration AWS published for a Node 22 function with three SDK v3 clients (for scale). */
const PUBLISHED_INIT_MS = 375;

interface Bundle {
  readonly file: string;
  readonly functions: string[];
  readonly environment: Record<string, string>;
}

/** Node 24, the Node of Lambda's nodejs24.x: this one if it is 24, else the optional dependency's. */
function node24(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const manifest = createRequire(import.meta.url).resolve(`node-linux-${process.arch}/package.json`);
  const binary = path.join(path.dirname(manifest), 'bin', 'node');
  if (!existsSync(binary)) throw new Error('bench:bundles needs Node 24 (or the optional dependency node-linux-<arch>)');
  return binary;
}

function synth(): { dir: string; temporary: boolean } {
  const given = process.env.BENCH_CDK_OUT;
  if (given) return { dir: path.resolve(given), temporary: false };
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-bundles-'));
  console.error(`synthesizing the app into ${dir} ...`);
  execFileSync('npx', ['cdk', 'synth', '--quiet', '-o', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, temporary: true };
}

/** CloudFormation intrinsics (Ref, Fn::GetAtt ...) become a stable placeholder string. */
function plain(name: string, value: unknown): string {
  return typeof value === 'string' ? value : `bench-${name.toLowerCase()}`;
}

function bundlesOf(assembly: string): Bundle[] {
  const templates = readFileSync(path.join(assembly, 'manifest.json'), 'utf8');
  const manifest = JSON.parse(templates) as { artifacts: Record<string, { type: string; properties?: { templateFile?: string } }> };
  const byFile = new Map<string, Bundle>();
  for (const artifact of Object.values(manifest.artifacts)) {
    const templateFile = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || templateFile === undefined) continue;
    const template = JSON.parse(readFileSync(path.join(assembly, templateFile), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties?: Record<string, unknown> }>;
    };
    for (const [id, resource] of Object.entries(template.Resources)) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || assetPath === undefined) continue;
      const file = path.join(assembly, assetPath, 'index.mjs');
      if (!existsSync(file)) continue; // not an esbuild bundle (a CDK custom resource's handler)
      const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, plain(k, v)]));
      const name = resourceName(id);
      const known = byFile.get(file);
      if (known) known.functions.push(name);
      else byFile.set(file, { file, functions: [name], environment: { AWS_LAMBDA_FUNCTION_NAME: name, ...environment } });
    }
  }
  return [...byFile.values()];
}

/** The floor: a bare DynamoDB client, bundled with SwitchyardFunction's esbuild options minus its own aliases. */
async function floorBundle(dir: string): Promise<string> {
  const file = path.join(dir, 'floor', 'index.mjs');
  await build({
    stdin: {
      contents: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = new DynamoDBClient({});\n",
      resolveDir: root,
      loader: 'js',
    },
    ...HANDLER_BUNDLE_OPTIONS,
    outfile: file,
    sourcemap: true,
    sourcesContent: false,
  });
  return file;
}

/** What Lambda's nodejs24.x sets for every function (fake credentials: nothing is called). */
function lambdaEnvironment(own: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/bench',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
    AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_SESSION_TOKEN: 'bench-token',
    LAMBDA_TASK_ROOT: '/var/task',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    ...own,
  };
}

/**
 * One fresh process's `await import(file)`: its wall-clock milliseconds, and the CPU
 * milliseconds (user + system) the process spent in it. On a machine other work shares, the
 * wall clock also counts the time spent waiting for a core; the CPU time does not.
 */
function loadOnce(node: string, file: string, environment: Record<string, string>): { wall: number; cpu: number } {
  const script = `const c=process.cpuUsage();const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});const w=performance.now()-t;const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wall:w,cpu:(u.user+u.system)/1000}));`;
  const result = spawnSync(node, ['--input-type=module', '-e', script], { env: environment, encoding: 'utf8', cwd: path.dirname(file) });
  if (result.status !== 0) throw new Error(`importing ${file} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as { wall: number; cpu: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

async function main() {
  const node = node24();
  const { dir, temporary } = synth();
  const work = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-floor-'));
  try {
    const bundles = bundlesOf(dir);
    if (bundles.length === 0) throw new Error(`no function bundles in ${dir}`);
    const floor: Bundle = { file: await floorBundle(work), functions: ['(floor) bare DynamoDBClient'], environment: {} };
    const all = [floor, ...bundles];
    const samples = new Map<Bundle, Array<{ wall: number; cpu: number }>>(all.map((b) => [b, []]));
    // Round-robin, so that whatever else the machine does falls on every bundle alike.
    for (let run = 0; run < RUNS; run++) {
      for (const bundle of all) {
        samples.get(bundle)?.push(loadOnce(node, bundle.file, lambdaEnvironment(bundle.environment)));
      }
    }
    const wall = (bundle: Bundle) => median((samples.get(bundle) ?? []).map((s) => s.wall));
    const cpu = (bundle: Bundle) => median((samples.get(bundle) ?? []).map((s) => s.cpu));
    const floorMs = wall(floor);
    const floorCpuMs = cpu(floor);
    const floorBytes = statSync(floor.file).size;
    const rows = all.map((bundle) => {
      const bytes = statSync(bundle.file).size;
      const ms = wall(bundle);
      const cpuMs = cpu(bundle);
      const verdict =
        bundle === floor ? 'floor' : `${bytes < SIZE_GOAL ? 'size ok' : 'SIZE OVER'}, ${ms <= floorMs * 1.05 ? 'load ok' : 'LOAD OVER'}`;
      return [
        bundle.functions.join(', '),
        kb(bytes),
        `${ms.toFixed(1)} ms`,
        `${(ms - floorMs).toFixed(1)} ms`,
        `${cpuMs.toFixed(1)} ms (${(cpuMs - floorCpuMs).toFixed(1)})`,
        verdict,
      ];
    });
    const report = [
      `\nHandler bundles (Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}, ${cpus().length} cores, median of ${RUNS} fresh processes)\n`,
      `Floor: ${kb(floorBytes)}, ${floorMs.toFixed(1)} ms (CPU ${floorCpuMs.toFixed(1)} ms). Goals: every bundle < ${kb(SIZE_GOAL)}, load <= floor (+5% noise).`,
      `Load average while measuring: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} on ${cpus().length} cores (above the core count, the wall clock includes waiting for a core).`,
      `For scale: the published Init duration of a Node 22 function with three SDK v3 clients is ~${PUBLISHED_INIT_MS} ms.\n`,
      '| function(s) | bundle | module load | vs floor | CPU (vs floor) | verdict |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');
    console.log(report);
    if (process.env.BENCH_REPORT) writeFileSync(process.env.BENCH_REPORT, `${report}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (temporary) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
