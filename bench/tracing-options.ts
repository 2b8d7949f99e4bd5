/**
 * How much each way of exporting spans from Lambda costs a cold start (`npm run bench:tracing`),
 * the measurement docs/tracing.md chose the kit's own exporter by. Each option is a bundle built
 * with SwitchyardFunction's esbuild options on top of the floor (a bare DynamoDB client), loaded
 * in fresh Node 24 processes; the figure is the whole process (its CPU, and the wall clock from
 * its start), so that a preload counts as the ADOT layer's does:
 *
 * - floor: the bare DynamoDB client;
 * - kit: the floor and the kit's tracing (spans, OTLP/JSON, SigV4 export), tracing on;
 * - otel-sdk: the floor and the OpenTelemetry JS SDK (sdk-trace-base, a batch span processor,
 *   the OTLP/HTTP protobuf exporter), a tracer provider registered, as a team would set it up;
 * - adot: the floor, with the AWS Distro for OpenTelemetry's Node.js auto-instrumentation
 *   preloaded (`--require .../register`), which is what the ADOT Lambda layer's wrapper does:
 *   only when ADOT_NODE_MODULES names a node_modules folder it is installed in
 *   (`npm install @aws/aws-distro-opentelemetry-node-autoinstrumentation` there; not a dependency of ours).
 *
 *   npm run bench:tracing
 *   ADOT_NODE_MODULES=/tmp/adot/node_modules npm run bench:tracing
 *   BENCH_RUNS=31 ...   # processes per option (default 21)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { HANDLER_BUNDLE_OPTIONS } from './handler-bundle.js';

const root = path.join(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const ADOT = process.env.ADOT_NODE_MODULES;

const FLOOR = "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = new DynamoDBClient({});\n";
const SOURCES: Record<string, string> = {
  floor: FLOOR,
  kit: `${FLOOR}import { instrumentClient } from './lambdas/kit/tracing/aws-calls.ts';\nimport { traceInvocation } from './lambdas/kit/tracing/invocation.ts';\nexport const captured = instrumentClient(client);\nexport { traceInvocation };\n`,
  'otel-sdk': `${FLOOR}import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: 'https://xray.us-east-1.amazonaws.com/v1/traces' }))] });
trace.setGlobalTracerProvider(provider);
export const tracer = trace.getTracer('bench');
`,
};

function node24(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const manifest = createRequire(import.meta.url).resolve(`node-linux-${process.arch}/package.json`);
  return path.join(path.dirname(manifest), 'bin', 'node');
}

async function bundle(dir: string, name: string, contents: string): Promise<string> {
  const file = path.join(dir, name, 'index.mjs');
  await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    ...HANDLER_BUNDLE_OPTIONS,
    outfile: file,
  });
  return file;
}

const ENVIRONMENT = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'ASIABENCHBENCHBENCH0',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_SESSION_TOKEN: 'bench-token',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  LAMBDA_TASK_ROOT: '/var/task',
  SWITCHYARD_TRACING: 'opentelemetry',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
};

/** What the ADOT layer's wrapper sets before it preloads the instrumentation (traces only, to X-Ray's OTLP endpoint). */
const ADOT_ENVIRONMENT = {
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'aws-lambda,aws-sdk',
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://xray.us-east-1.amazonaws.com/v1/traces',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'false',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_PROPAGATORS: 'tracecontext,baggage,xray',
  OTEL_SERVICE_NAME: 'bench',
};

interface Option {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

/** One fresh process: its CPU (user + system) and wall clock (from its time origin) once the bundle is imported. */
function loadOnce(node: string, option: Option): { wall: number; cpu: number } {
  const script = `await import(${JSON.stringify(pathToFileURL(option.file).href)});const u=process.cpuUsage();process.stdout.write('\\n'+JSON.stringify({wall:performance.now(),cpu:(u.user+u.system)/1000}));`;
  const result = spawnSync(node, [...option.args, '--input-type=module', '-e', script], {
    env: { ...ENVIRONMENT, ...option.env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${option.name} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { wall: number; cpu: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main() {
  const node = node24();
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-tracing-'));
  try {
    const options: Option[] = [];
    for (const [name, source] of Object.entries(SOURCES)) options.push({ name, file: await bundle(dir, name, source), args: [], env: {} });
    const register = ADOT && path.join(ADOT, '@aws/aws-distro-opentelemetry-node-autoinstrumentation/build/src/register.js');
    if (register && existsSync(register)) {
      options.push({
        name: 'adot (preloaded)',
        file: options[0]?.file ?? '',
        args: ['--require', register],
        env: { ...ADOT_ENVIRONMENT, NODE_PATH: ADOT ?? '' },
      });
    }
    const samples = new Map(options.map((option) => [option, [] as { wall: number; cpu: number }[]]));
    for (let run = 0; run < RUNS; run++) for (const option of options) samples.get(option)?.push(loadOnce(node, option));
    const [floor] = options;
    const cpu = (option: Option) => median((samples.get(option) ?? []).map((s) => s.cpu));
    const wall = (option: Option) => median((samples.get(option) ?? []).map((s) => s.wall));
    const floorSize = floor ? statSync(floor.file).size : 0;
    const rows = options.map((option) => {
      const size =
        option.args.length > 0
          ? '(the floor, plus a preload)'
          : `${(statSync(option.file).size / 1024).toFixed(0)} KB (+${((statSync(option.file).size - floorSize) / 1024).toFixed(0)})`;
      const overCpu = floor ? (cpu(option) - cpu(floor)).toFixed(1) : '';
      return `| ${option.name} | ${size} | ${cpu(option).toFixed(1)} ms (+${overCpu}) | ${wall(option).toFixed(1)} ms |`;
    });
    const report = [
      `\nTracing export options (Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}, ${cpus().length} cores, median of ${RUNS} fresh processes; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')})\n`,
      '| option | bundle | process CPU (over the floor) | process wall clock |',
      '| --- | --- | --- | --- |',
      ...rows,
      ...(register && existsSync(register)
        ? []
        : ['\n(adot skipped: set ADOT_NODE_MODULES to a node_modules holding @aws/aws-distro-opentelemetry-node-autoinstrumentation)']),
    ].join('\n');
    console.log(report);
    if (process.env.BENCH_REPORT) writeFileSync(process.env.BENCH_REPORT, `${report}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
