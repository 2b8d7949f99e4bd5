import type { ParseArgsOptionsConfig } from 'node:util';
import { type TrustSettings, trustSettings } from './endpoint/trust-options.js';

export { TRUST_HELP } from './endpoint/trust-options.js';
export { startMark } from './startup/start-marks.js';

import type { Retention } from './read-api/records.js';
import { LocalRuntime, type RuntimeOptions } from './runtime.js';
import { SERVICE_MODULES } from './service-registry/modules.js';
import { ServiceOrderError } from './service-registry/registry.js';
import type { RegisteredModule, ServiceOption, ServiceOptions } from './service-registry/service-module.js';
import { startMark } from './startup/start-marks.js';
import { startupReport } from './startup/startup-report.js';

/**
 * What launches the local runtime from a command line: `npm start` (local/main.ts) and
 * `switchyard dev` (cli/commands/dev.ts) share the runtime's options, their checks, the
 * start with its clear errors, the start-up report and the stop on Ctrl-C. Each entry point
 * decides on its own which assembly runs and where its data lives.
 */

/**
 * The port to serve on when --port is not given: SWITCHYARD_PORT, else the port of the
 * endpoint the clients in this shell will call (SWITCHYARD_ENDPOINT, then AWS_ENDPOINT_URL,
 * the order the CLI and the AWS SDKs read them in) when it is a loopback http URL, so the
 * runtime listens where they look; else 4566. A remote endpoint is not this runtime's.
 */
export function defaultPort(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWITCHYARD_PORT) return env.SWITCHYARD_PORT;
  const endpoint = [env.SWITCHYARD_ENDPOINT, env.AWS_ENDPOINT_URL].find((value) => value !== undefined && value !== '');
  if (endpoint !== undefined) {
    try {
      const url = new URL(endpoint);
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
      if (url.protocol === 'http:' && loopback) return url.port === '' ? '80' : url.port;
    } catch {
      // Not a URL: the clients will say so when they use it; the runtime keeps its default.
    }
  }
  return '4566';
}

/**
 * A launch that cannot go on, with a message that says what was wrong and what to do (a
 * bad option, the port in use, the data folder in use). Entry points print it and exit 1.
 */
export class LaunchError extends Error {
  override readonly name = 'LaunchError';
}

/** The options of the runtime itself, as node:util's parseArgs takes them; each service's are its module's (`options`). */
const OWN_OPTIONS = {
  port: { type: 'string', default: defaultPort() },
  data: { type: 'string', default: process.env.SWITCHYARD_DATA },
  synth: { type: 'boolean', default: true },
  parameters: { type: 'string', multiple: true, default: [] as string[] },
  help: { type: 'boolean', default: false },
  host: { type: 'string' },
  'allow-host': { type: 'string', multiple: true, default: [] as string[] },
  'verify-signatures': { type: 'boolean' },
  credentials: { type: 'string', multiple: true, default: [] as string[] },
  'keep-events': { type: 'string', default: '10000' },
  'keep-hours': { type: 'string', default: '24' },
} satisfies ParseArgsOptionsConfig;

/** The services' options the modules declare, listed by their module's name (so `--help` reads the same whatever order they start in). */
function serviceOptions(modules: readonly RegisteredModule[]): ServiceOption[] {
  const options = [...modules].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).flatMap((module) => module.options ?? []);
  const flags = new Set<string>(Object.keys(OWN_OPTIONS));
  for (const option of options) {
    if (flags.has(option.flag)) throw new ServiceOrderError(`two options are named --${option.flag}`);
    flags.add(option.flag);
  }
  return options;
}

/**
 * The options a launcher takes, as node:util's parseArgs takes them: the runtime's own and
 * each module's, whose default is its environment variable's value, else the module's default.
 */
export function runtimeOptions(
  modules: readonly RegisteredModule[] = SERVICE_MODULES,
  env: NodeJS.ProcessEnv = process.env,
): typeof OWN_OPTIONS & ParseArgsOptionsConfig {
  const services: ParseArgsOptionsConfig = {};
  for (const option of serviceOptions(modules)) services[option.flag] = { type: 'string', default: env[option.env] || option.default };
  return { ...OWN_OPTIONS, ...services };
}

/** The runtime's options, as node:util's parseArgs takes them (the runtime's own and its services'). */
export const RUNTIME_OPTIONS = runtimeOptions();

/** `--help` lines for the runtime's own options (the trust options come with TRUST_HELP). */
const OWN_HELP = `  --port      port of the endpoint (0: any free port); default SWITCHYARD_PORT, else the
              port of SWITCHYARD_ENDPOINT or AWS_ENDPOINT_URL when it is http://localhost:<port>
              or http://127.0.0.1:<port>, else 4566
  --parameters [Stack:]Name=Value
              a template parameter's value, as cdk deploy --parameters takes it (repeatable)
  --keep-events N, --keep-hours H
              what the read API (/_switchyard/v1: event records, lineage) keeps: the newest
              N events (default 10000), none older than H hours (default 24)`;

/** `--help` lines for the options every launcher has: the runtime's own, then each service's (the trust options come with TRUST_HELP). */
export function runtimeHelp(modules: readonly RegisteredModule[] = SERVICE_MODULES): string {
  return [OWN_HELP, ...serviceOptions(modules).map((option) => option.help)].join('\n');
}

/** `--help` lines for the options every launcher has (the trust options come with TRUST_HELP). */
export const RUNTIME_HELP = runtimeHelp();

/** The options' values as parseArgs gives them for RUNTIME_OPTIONS: the runtime's own, and each service's by its flag. */
export interface RuntimeOptionValues {
  port?: string;
  parameters?: string[];
  host?: string;
  'allow-host'?: string[];
  'verify-signatures'?: boolean;
  credentials?: string[];
  'keep-events'?: string;
  'keep-hours'?: string;
  [serviceFlag: string]: string | boolean | (string | boolean)[] | undefined;
}

/**
 * What to launch the runtime with, from the command line options, checked (the runtime gives
 * its services their own RuntimeSettings): the runtime's own, and the services' options each
 * module declares, in their fields (`sesSandbox`, `iam`), set when given or defaulted.
 */
export interface LaunchSettings extends ServiceOptions {
  readonly port: number;
  readonly parameters: Readonly<Record<string, string>>;
  readonly eventRecords: Retention;
  readonly trust: TrustSettings;
}

/**
 * @param modules the services whose options are read (a test's own beside the runtime's)
 * @throws LaunchError naming the option at fault and the values it takes
 */
export function launchSettings(values: RuntimeOptionValues, modules: readonly RegisteredModule[] = SERVICE_MODULES): LaunchSettings {
  const parameters: Record<string, string> = {};
  for (const given of values.parameters ?? []) {
    const match = /^([^=]+)=(.*)$/s.exec(given);
    if (!match?.[1]) {
      throw new LaunchError(`--parameters ${JSON.stringify(given)}: expected [Stack:]Name=Value, as cdk deploy --parameters takes it`);
    }
    parameters[match[1]] = match[2] ?? '';
  }
  const port = Number(values.port ?? '4566');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LaunchError(`--port is ${JSON.stringify(values.port)}; it must be a whole number from 0 to 65535 (0 picks a free port)`);
  }
  const eventRecords = { maxEvents: Number(values['keep-events'] ?? '10000'), maxAgeHours: Number(values['keep-hours'] ?? '24') };
  if (!Number.isInteger(eventRecords.maxEvents) || eventRecords.maxEvents < 1 || eventRecords.maxEvents > 10_000_000) {
    throw new LaunchError(`--keep-events is ${JSON.stringify(values['keep-events'])}; it must be a whole number from 1 to 10000000`);
  }
  if (!Number.isFinite(eventRecords.maxAgeHours) || eventRecords.maxAgeHours <= 0 || eventRecords.maxAgeHours > 24 * 366) {
    throw new LaunchError(
      `--keep-hours is ${JSON.stringify(values['keep-hours'])}; it must be a number of hours above 0, at most 8784 (a year)`,
    );
  }
  let trust: TrustSettings;
  try {
    trust = trustSettings(values);
  } catch (error) {
    throw new LaunchError((error as Error).message);
  }
  return { port, parameters, eventRecords, trust, ...serviceSettings(values, modules) };
}

/** The services' options from their values (else their modules' defaults), each parsed by its module. */
function serviceSettings(values: RuntimeOptionValues, modules: readonly RegisteredModule[]): ServiceOptions {
  const settings: Record<string, unknown> = {};
  for (const option of serviceOptions(modules)) {
    const given = values[option.flag] ?? option.default;
    if (given === undefined) continue;
    if (typeof given !== 'string') throw new LaunchError(`--${option.flag} takes one value`);
    let value: unknown;
    try {
      value = option.parse(given, `--${option.flag}`);
    } catch (error) {
      throw new LaunchError((error as Error).message, { cause: error });
    }
    if (value !== undefined) settings[option.name] = value;
  }
  return settings as ServiceOptions;
}

/** Where and what to launch. */
export interface Launch {
  /**
   * The assembly, or its synthesis under way: the endpoint and the services' work that needs
   * no template begin meanwhile (LocalRuntime.start); its failure is the launch's.
   */
  readonly cdkOut: string | PromiseLike<string>;
  readonly dataDir: string;
  readonly settings: LaunchSettings;
  /** The project folder, for the report's hints. */
  readonly root: string;
  /** `performance.now()` when the launch began: the report says how long the start took. */
  readonly started: number;
  /** Where the report goes. @default the console */
  readonly out?: (line: string) => void;
  readonly warn?: (line: string) => void;
  /** The runtime's own console output (functions' logs, events). @default console.log */
  readonly log?: (line: string) => void;
  /** The services to run, each its module. @default SERVICE_MODULES (local/service-registry/modules.ts) */
  readonly modules?: RuntimeOptions['modules'];
  /**
   * Runs once the services run and before the report is printed, so that the report tells of
   * what it did (switchyard dev runs the handlers rebuilt since the last synthesis). @default nothing
   */
  readonly prepare?: (runtime: LocalRuntime) => Promise<unknown>;
  /** An MCP server at /mcp (switchyard dev's). @default none */
  readonly mcp?: RuntimeOptions['mcp'];
  /** Code folders functions run in place of their asset folders' from the start (switchyard dev's rebuilt handlers). @default none */
  readonly replacedCode?: RuntimeOptions['replacedCode'];
}

/**
 * Starts the runtime and prints the start-up report (endpoint, console URL, what the app
 * has, one command to try) and the trust lines.
 * @throws LaunchError when the port or the data folder is in use
 */
export async function launchRuntime(launch: Launch): Promise<LocalRuntime> {
  const { cdkOut, dataDir, settings } = launch;
  const { port, parameters, eventRecords, trust, ...services } = settings;
  const runtime = await LocalRuntime.start({
    cdkOut,
    dataDir,
    port,
    parameters,
    eventRecords,
    ...services,
    ...trust,
    ...(launch.log ? { log: launch.log } : {}),
    // A terminal's reader: one short line an event, a forwarded event once.
    logEvents: 'summary',
    // A person's runtime: the functions' first environments start as soon as the endpoint serves.
    warm: true,
    ...(launch.modules ? { modules: launch.modules } : {}),
    ...(launch.mcp ? { mcp: launch.mcp } : {}),
    ...(launch.replacedCode ? { replacedCode: launch.replacedCode } : {}),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      throw new LaunchError(
        `port ${settings.port} is already in use (another local runtime?); stop it or pass --port <n> (0 picks a free port)`,
      );
    }
    if (error.name === 'DataFolderInUseError' || error.name === 'ModelSettingsError') throw new LaunchError(error.message);
    throw error;
  });
  startMark('runtime started');
  try {
    await launch.prepare?.(runtime);
  } catch (error) {
    await runtime.stop();
    throw error;
  }
  const out = launch.out ?? ((line: string) => console.log(line));
  const warn = launch.warn ?? ((line: string) => console.warn(line));
  const report = startupReport({
    url: runtime.url,
    definitions: runtime.definitions,
    warnings: runtime.warnings,
    dataDir,
    startedSeconds: (performance.now() - launch.started) / 1000,
    root: launch.root,
    services: await runtime.serviceReports(),
  });
  for (const warning of report.warnings) warn(warning);
  out(report.lines.join('\n'));
  for (const line of runtime.trustLines()) out(line);
  startMark('start-up report printed');
  // Once the report is out, what works on the runtime's own thread (a state machine's compile) warms too;
  // the functions' inits began as the endpoint first served (RuntimeOptions.warm).
  void runtime.warm();
  return runtime;
}

/** How often a runtime npm started looks whether npm is still there. */
const PARENT_CHECK_MS = 1_000;

/**
 * Stops the runtime on Ctrl-C or SIGTERM and exits 0 once it has (after `before`, the
 * launcher's own clean-up); a second signal exits at once. Started by npm (`npx switchyard
 * dev`, `npm start`: npm sets `npm_command`), it also stops once npm is gone: a SIGTERM to
 * npm (a process manager, an editor's task, `kill`) ends npm and its shell but not this
 * process, which would otherwise keep the port and the data folder with nobody to stop it.
 */
export function stopOnSignals(runtime: LocalRuntime, before: () => Promise<void> | void = () => {}): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(why);
    void Promise.resolve()
      .then(before)
      .then(() => runtime.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`stopping failed: ${(error as Error).stack ?? String(error)}`);
          process.exit(1);
        },
      );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop('stopping...'));
  if (process.env.npm_command !== undefined) stopWithParent(stop);
}

/** Calls `stop` once this process's parent has exited (its parent is then another: init or a subreaper). */
function stopWithParent(stop: (why: string) => void): void {
  const parent = process.ppid;
  // Already orphaned at start (npm exited first): nothing to follow.
  if (parent === 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop(`stopping: the npm process that started it (pid ${parent}) has exited`);
  }, PARENT_CHECK_MS);
  timer.unref();
}
