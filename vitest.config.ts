import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { PACKAGES } from './packages/index.mjs';
import { LongestFirstSequencer } from './test/sequencer.js';
import { WAIT_DEFAULTS } from './test/wait-defaults.js';

/**
 * The packages' own names (`switchyard-cdk/kit`, ...), which the reference app and the tests
 * import as another team would, resolved to the sources in this checkout: each export of
 * packages/index.mjs maps `<name>/<subpath>` to `<entry>.ts` (tsconfig.json's "paths" say the
 * same for tsc, tsx and esbuild; test/package-exports.test.ts keeps them equal).
 */
function sourceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const definition of PACKAGES) {
    for (const [subpath, entry] of Object.entries(definition.exports ?? {})) {
      aliases[`${definition.name}${subpath.slice(1)}`] = path.resolve(import.meta.dirname, `${entry}.ts`);
    }
  }
  return aliases;
}

/**
 * Unit tests of constructs, flows, handlers, contracts and pure functions: no runtime, no child process. They
 * run without isolation, each worker importing aws-cdk-lib, the kit and the AWS SDK once for all
 * the files it runs instead of once per file (importing was most of their time: 156 s of CPU for
 * these files isolated, 69 s not). A file that mocks modules (vi.mock, vi.resetModules) or sets
 * the environment a module reads when loaded would leak into the next file: it is isolated.
 */
const SHARED_MODULES = [
  'test/lib/**/*.test.ts',
  'test/lambdas/**/*.test.ts',
  'test/contracts/**/*.test.ts',
  'test/contracts.test.ts',
  // The reference app's template and cdk-nag checks (its bundles are npm run test:apps's).
  'test/app{,-monitoring}.test.ts',
  'test/clients/**/*.test.ts',
  'test/config/stage{s,-names}.test.ts',
  'test/console/{console-site,escalation-decision,graph,history,signer}.test.ts',
  // The pure parts of the local runtime: patterns, expressions, ARNs, digests.
  'test/local/{names/arn,time/clock,json/jsonpath,events/pattern,events/input-transform,logs/filter-pattern,sns/filter-policy,scheduler/schedule-expression,sqs/md5}.test.ts',
  // The Step Functions interpreter on fake time, and API Gateway's mapping templates and routes.
  'test/local/states/engine/*.test.ts',
  'test/local/states/names.test.ts',
  'test/local/apigateway/{vtl/engine,routing,definitions}.test.ts',
  // Templates and assemblies read into definitions (no service started): each imports every service module.
  'test/local/template/{resolve,not-run,resources,multi-stack,cdk-v1-assets,cloud-assembly}.test.ts',
  'test/local/{sns,s3}/definitions.test.ts',
  // The CLI's pure parts: cost arithmetic, time and unit parsing, queries, assemblies read from disk.
  'test/cli/{cost,times,units,follow-queries,dead-letters,assembly-contracts,default-assembly,trace-spans}.test.ts',
];
/** The CLI's end-to-end suites: subprocesses against a running runtime, and `switchyard dev`'s suites, which synthesize and bundle apps (58 s of npm test's file time): npm run test:cli. Its pure parts stay in npm test. */
const CLI_END_TO_END =
  'test/cli/{dev-handler-code,dev-python-code,dev-standby,dev-units,mcp,redrive,fork,dev,replay,commands,escalation-commands,generic-app,trace,failures,failures-repeats,durable,flow,pause,cost-flow-control,express,execution-subjects,offline-commands,mail,names,send-custom-bus,users}.test.ts';
/**
 * The runtime's entry points run as processes, with the CLI's: `npm start`'s (test/local/main.test.ts,
 * a runtime started and stopped per test, 19 s) and the launcher's imports seen by a process of its
 * own (test/local/startup/on-first-use.test.ts: tsx compiles the runtime's sources afresh, 11 s of a core).
 */
const MAIN_PROCESS = 'test/local/{main,startup/on-first-use}.test.ts';
/**
 * The Custom Event Bus end to end: the API on a runtime and delivery to every target kind, with
 * real batching windows and retries (32 s of npm test's file time): npm run test:custom-bus, which CI runs.
 */
const CUSTOM_BUS_END_TO_END = ['test/local/eventbridgev2/delivery.test.ts', 'test/local/eventbridgev2/eventbridgev2-api.test.ts'];
/**
 * The longest replays of AWS's recorded answers: Step Functions' and Lambda's (with its SQS and
 * stream mappings), 34 s of npm test's file time even at one answer in twenty. npm run
 * test:conformance, which CI runs, replays every answer of theirs; npm test samples the others'.
 */
const LONG_REPLAYS = [
  'test/local/states/recorded-answers.test.ts',
  'test/local/lambda/recorded-answers{,-sqs-mappings,-stream-mappings}.test.ts',
];
/**
 * Step Functions on a runtime: the service's API, its task integrations, activities, callbacks,
 * Map runs and exactly-once starts, each file starting runtimes of its own (61 s of npm test's
 * 412 s of file time, its largest group): npm run test:states, which CI runs, in the `states` project. The interpreter's
 * own suites on fake time (test/local/states/engine/) and the names stay in npm test; its
 * recorded answers are test:conformance's (LONG_REPLAYS).
 */
const STATES_ON_A_RUNTIME = readdirSync(path.join(import.meta.dirname, 'test/local/states'))
  .filter((file) => file.endsWith('.test.ts') && !['names.test.ts', 'recorded-answers.test.ts'].includes(file))
  .map((file) => `test/local/states/${file}`);
/**
 * Lambda on a runtime: functions' hosts, the SDK cache, layers, Python functions, durable
 * functions, event source mappings (Kinesis's too), each file starting runtimes of its own (about
 * 140 s of npm test's 695 s of file time on a fresh clone, 2026-11-29): npm run test:lambda, which
 * CI runs, in the `lambda` project. Its recorded answers and the durable SDK's examples are
 * test:conformance's too.
 */
const LAMBDA_ON_A_RUNTIME = ['test/local/lambda/**/*.test.ts', 'test/local/kinesis/event-source-mapping.test.ts'];
/**
 * The local Bedrock and AI services on a runtime: models, Converse and its streams, structured
 * output, knowledge bases, batch and async jobs, OpenAI-compatible endpoints, Textract, Polly,
 * Rekognition and the others (45 s of npm test's 441 s of file time on a fresh clone,
 * 2026-11-29): npm run test:ai, which CI runs, in the `ai` project.
 */
const AI_ON_A_RUNTIME = ['test/local/bedrock/**/*.test.ts', 'test/local/ai-services/**/*.test.ts'];
const MOCKING = ['test/lib/flows/ticket-triage.test.ts', 'test/lambdas/triage/classify.test.ts'];
/**
 * The local runtime's suites and the testing API's: each starts and stops its own runtime on its
 * own port and data folder, so they share a worker's modules too (the runtime's few hundred
 * modules and the AWS SDK imported once per worker, not once per file). Those that set the
 * environment, mock modules or fake timers are isolated.
 */
const SHARED_RUNTIME = ['test/local/**/*.test.ts', 'test/testing/**/*.test.ts'];
/** The suites that run the docs' programs whole: minutes of a 2-core machine, so npm run test:docs. */
const DOCS_PROGRAMS = ['test/docs/testing-recipes.test.ts', 'test/docs/readme-examples.test.ts'];

/**
 * The reference app run whole: bundled with esbuild once per run (test/helpers/synth.ts, tens of
 * seconds of both cores) and started on a runtime of its own by each file (test/local/switchyard-app.ts);
 * and its handlers' bundles, built and read.
 * 141 s of npm test's 721 s of file time and 72 s of its 505 s of CPU, its longest files among them,
 * so npm run test:apps, which CI runs: the `apps` project, with SWITCHYARD_APPS set.
 */
const APPS = [
  'test/helpers/synth.test.ts',
  // Handlers' bundles built with esbuild as SwitchyardFunction builds them, read for what they hold
  // (seconds of both cores a bundle: 37 s of npm test's 560 s of file time on a fresh clone, 2026-11-29).
  'test/lambdas/bundle-{aliases,contents}.test.ts',
  'test/lib/constructs/durable-flow-bundles.test.ts',
  'test/lib/flows/ticket-triage-once.test.ts',
  'test/local/{change-capture,circuit-breaker,content-pipeline,escalation-policy,order-saga,out-of-order-routing,research-agents,triage,webhooks}.test.ts',
  'test/local/read-api/read-api.test.ts',
  'test/local/traces/runtime-spans.test.ts',
];
/**
 * Files whose other tests stay in npm test: a describe of theirs reads the bundled app and runs only
 * with SWITCHYARD_APPS (test/helpers/synth.ts's WITH_BUNDLED_APP), in the `apps` project then.
 */
const APP_PARTS = ['test/app.test.ts', 'test/local/template/load.test.ts', 'test/local/startup/startup-report.test.ts'];
const APP_SUITES = process.env.SWITCHYARD_APPS ? [...APPS, ...APP_PARTS] : APPS;

/**
 * Crash recovery: runtimes in processes of their own killed with SIGKILL and started again on
 * their data, a process or more per test (each service's store, the data folder's lock, the
 * testing API's crash(); 51 s of npm test's 721 s of file time), and the app's flows waiting out
 * their real recovery timeouts (test/durability/, minutes): npm run test:durability, which CI
 * runs, in the `durability` project.
 */
const DURABILITY = [
  'test/durability/**/*.test.ts',
  'test/local/{dynamodb,eventbridgev2,firehose,kinesis,logs,s3,ses,sns}/crash.test.ts',
  // The Custom Event Bus's delivery killed at its crash point (SWITCHYARD_CRASH_AT) and restarted: 31 s of npm test's 537 s of file time.
  'test/local/eventbridgev2/crash-point.test.ts',
  'test/local/data-folder.test.ts',
  'test/testing/own-process.test.ts',
  // A process of its own that starts a runtime and exits without stopping it (tsx compiling the runtime afresh: 5-12 s of a core).
  'test/testing/unstopped.test.ts',
];

const RUNTIME_ISOLATED = [
  'test/local/apigateway/http-api-services.test.ts',
  'test/local/bedrock/bedrock-backend.test.ts',
  'test/local/states/engine/sleep.test.ts',
];

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    // A project's include and exclude add to these settings' (extends), so the root names no include.
    projects: [
      {
        extends: true,
        test: {
          name: 'shared-modules',
          include: SHARED_MODULES,
          exclude: [...MOCKING, ...RUNTIME_ISOLATED, ...APP_SUITES],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'shared-runtime',
          include: SHARED_RUNTIME,
          exclude: [
            ...SHARED_MODULES,
            ...RUNTIME_ISOLATED,
            ...APP_SUITES,
            ...DURABILITY,
            ...STATES_ON_A_RUNTIME,
            ...LAMBDA_ON_A_RUNTIME,
            ...AI_ON_A_RUNTIME,
          ],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts'],
          exclude: [...SHARED_MODULES, ...SHARED_RUNTIME, ...APP_SUITES, ...DURABILITY],
        },
      },
      { extends: true, test: { name: 'isolated-runtime', include: RUNTIME_ISOLATED } },
      { extends: true, test: { name: 'isolated-mocking', include: MOCKING } },
      { extends: true, test: { name: 'apps', include: APP_SUITES, isolate: false } },
      { extends: true, test: { name: 'durability', include: DURABILITY } },
      { extends: true, test: { name: 'states', include: STATES_ON_A_RUNTIME, isolate: false } },
      { extends: true, test: { name: 'lambda', include: LAMBDA_ON_A_RUNTIME, isolate: false } },
      { extends: true, test: { name: 'ai', include: AI_ON_A_RUNTIME, exclude: RUNTIME_ISOLATED, isolate: false } },
    ],
    // The installed package's tests (npm run test:package) install from the registry: their own config.
    exclude: [
      ...configDefaults.exclude,
      'test/package/**',
      // docs/testing.md's recipes, written there by test/docs/testing-recipes.test.ts, which runs them with vitest of their own.
      'test/docs/.examples/**',
      // Runtimes killed and started again, and recovery timeouts waited out: npm run test:durability, which CI runs.
      ...(process.env.SWITCHYARD_DURABILITY ? [] : DURABILITY),
      // Two chaos runs with SIGKILLs and the app's real visibility timeouts (minutes): npm run test:chaos.
      ...(process.env.SWITCHYARD_CHAOS ? [] : ['test/chaos/**']),
      // Two full syntheses of the app and cfn-lint (minutes): npm run test:synth, which CI runs.
      ...(process.env.SWITCHYARD_SYNTH_TESTS ? [] : ['test/config/synth.test.ts']),
      // The CLI driven as an operator drives it: each test spawns the switchyard command against a
      // started runtime (111 s of test time, the longest group): npm run test:cli, which CI runs.
      ...(process.env.SWITCHYARD_CLI_E2E ? [] : [CLI_END_TO_END, MAIN_PROCESS]),
      ...(process.env.SWITCHYARD_CUSTOM_BUS ? [] : CUSTOM_BUS_END_TO_END),
      ...(process.env.SWITCHYARD_CONFORMANCE ? [] : LONG_REPLAYS),
      ...(process.env.SWITCHYARD_STATES ? [] : STATES_ON_A_RUNTIME),
      ...(process.env.SWITCHYARD_AI ? [] : AI_ON_A_RUNTIME),
      // test:conformance names Lambda's recorded answers and the durable SDK's examples itself.
      ...(process.env.SWITCHYARD_LAMBDA || process.env.SWITCHYARD_CONFORMANCE ? [] : LAMBDA_ON_A_RUNTIME),
      // Hostile requests generated from the service models (18 s of npm test's file time at 3 inputs a
      // property), and the generator's own checks (every patterned string of every model, 9 s):
      // npm run test:fuzz (FUZZ_RUNS=60), which CI runs; FUZZ_RUNS set by hand runs them too.
      ...(process.env.FUZZ_RUNS ? [] : ['test/local/fuzz/*.test.ts']),
      // The reference app bundled and run whole (about two minutes of test time): npm run test:apps, which CI runs.
      ...(process.env.SWITCHYARD_APPS ? [] : APPS),
      // The docs' programs run as a team runs them: docs/testing.md's app synthesized and its recipes
      // run by a vitest of their own (110 s), the README's examples type-checked whole (35 s):
      // npm run test:docs, which CI runs.
      ...(process.env.SWITCHYARD_DOCS ? [] : DOCS_PROGRAMS),
      // Every public @default read by the TypeScript compiler over the entry points and aws-cdk-lib's
      // types (20-45 s of one core, the longest file of npm test): npm run api:check, which CI runs
      // and which reads the same defaults reports (scripts/api-defaults.mjs).
      ...(process.env.SWITCHYARD_API_DEFAULTS ? [] : ['test/api-defaults.test.ts']),
      // The console driven in Debian's chromium (a browser per run, the app synthesized and running): npm run test:browser, which CI runs.
      ...(process.env.SWITCHYARD_BROWSER ? [] : ['test/console/**/*.browser.test.ts']),
    ],
    setupFiles: ['test/setup.ts'],
    // The longest files first, by test/durations.json on a fresh clone, so that none starts last and runs on alone.
    sequence: { sequencer: LongestFirstSequencer },
    // Most suites wait on sockets, child processes and timers rather than the CPU, so one test
    // file more than the cores runs at a time (vitest's default, one fewer, ran the suite one
    // file at a time on a 2-core machine).
    maxWorkers: availableParallelism() + 1,
    // Holds the app synthesized once per run for the end-to-end suites (test/helpers/synth.ts).
    globalSetup: ['test/global-setup.ts'],
    // CDK synthesis and in-process DynamoDB take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll's default of 1 s of real time failed waits a busy machine takes seconds over: test/wait-defaults.ts (vi.waitFor's too, test/setup.ts).
    expect: { poll: WAIT_DEFAULTS },
    env: {
      // Powertools: no X-Ray daemon and no metrics namespace outside Lambda.
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // aws-cdk-lib's built-in CloudFormation validation runs its rules in WASM at every synth, a
      // second or more each, and only warns: no test reads it, and switchyard dev skips it too
      // (cli/dev/synth.ts). Measured: 45.6 -> 19.0 s of CPU for seven construct and app test files,
      // 46.7 -> 29.6 s for 58 of the local runtime's. test:synth and the docs' programs synthesize
      // as `cdk synth` does, with it; CDK_VALIDATION=true keeps it anywhere.
      ...(process.env.SWITCHYARD_SYNTH_TESTS || process.env.SWITCHYARD_DOCS
        ? {}
        : { CDK_VALIDATION: process.env.CDK_VALIDATION ?? 'false' }),
    },
  },
});
