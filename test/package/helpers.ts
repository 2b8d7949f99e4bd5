import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment for the apps' commands: this run's, without what vitest and the repo's
 * own test setup put in it (a vitest inside the app must not think it runs in this one).
 */
export function appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|TINYPOOL|NODE_OPTIONS$|POWERTOOLS_|npm_)/.test(key)) continue;
    env[key] = value;
  }
  delete env.FORCE_COLOR;
  // A user of switchyard dev brings Node 24 (Lambda's nodejs24.x): here the repository's own
  // (its devDependency node-linux-<arch>), first on the PATH the apps' commands run with.
  const path24 = path.join(root, 'node_modules', `node-linux-${process.arch}`, 'bin');
  // Plain output, for the assertions on it.
  return {
    ...env,
    PATH: `${path24}${path.delimiter}${env.PATH ?? ''}`,
    NO_COLOR: '1',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...extra,
  };
}

/** Runs a command to its end; the output is kept for the assertion's message. */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = appEnv()): Run {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `run`, failing with the command's output unless it exits 0; returns stdout. */
export function ok(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  const result = run(command, args, cwd, env);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Times `fn`, printing how long it took (the report's measured times). */
export function timed<T>(what: string, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  console.log(`test:package: ${what} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** npm install as the README says, from the shared npm cache where it can (fast on a second run). */
export function npmInstall(cwd: string): void {
  timed(`npm install in ${cwd}`, () => ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], cwd));
}

/**
 * A fixture app's manifest: the packed library (and with `cli`, the command, a devDependency) and
 * the versions of `dependencies` and `devDependencies` this repository builds with.
 */
export function fixtureManifest(
  name: string,
  tarballs: Tarballs,
  packages: { dependencies: readonly string[]; devDependencies: readonly string[]; cli?: boolean },
) {
  const own = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const versions = (names: readonly string[]) =>
    Object.fromEntries(names.map((n) => [n, own.peerDependencies?.[n] ?? own.devDependencies?.[n] ?? own.dependencies?.[n]]));
  return {
    name,
    private: true,
    type: 'module',
    dependencies: { 'switchyard-cdk': `file:${tarballs.library}`, ...versions(packages.dependencies) },
    devDependencies: { ...(packages.cli ? { 'switchyard-cli': `file:${tarballs.command}` } : {}), ...versions(packages.devDependencies) },
  };
}

/** Copies the fixture app `name` (test/package/fixtures/<name>) to `app`, with fixtureManifest's manifest, and installs it. */
export function installFixtureApp(name: string, app: string, manifest: ReturnType<typeof fixtureManifest>): void {
  cpSync(path.join(import.meta.dirname, 'fixtures', name), app, { recursive: true });
  writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  npmInstall(app);
}

/** A long-running command (switchyard dev) whose output is collected as it comes. */
export function start(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = appEnv()) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return {
    /** The process group's id (the child leads it): what `kill` and `stop` signal. */
    pid: child.pid,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    /** SIGKILLs the whole process group at once, synchronously (for an exit handler, where nothing can be awaited). */
    kill: () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        // ESRCH: the group is gone already, which is what was asked for.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
    /** Stops the whole process group (npx, the bin, its Node 24 re-exec and the runtime's workers). */
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGINT');
      const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The three packages' tarballs, as scripts/pack.mjs packed them. */
export interface Tarballs {
  readonly library: string;
  readonly command: string;
  readonly create: string;
}

/**
 * Packs the packages as a release would (scripts/pack.mjs) into `destination`: after `npm run
 * build` by default; `build: false` packs pack/ as the last build left it (SWITCHYARD_PACK_NO_BUILD).
 */
export function packTarballs(destination: string, options: { build: boolean } = { build: true }): Tarballs {
  const output = execFileSync(process.execPath, [path.join(root, 'scripts', 'pack.mjs'), '--destination', destination], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...(options.build ? {} : { SWITCHYARD_PACK_NO_BUILD: '1' }) },
  });
  // The tarballs' paths are the last lines, after the build's own output.
  const tarball = (name: string): string => {
    const found = output.split('\n').find((line) => new RegExp(`/${name}-[^/]+\\.tgz$`).test(line.trim()));
    if (found === undefined) throw new Error(`scripts/pack.mjs printed no ${name} tarball:\n${output}`);
    return found.trim();
  };
  return { library: tarball('switchyard-cdk'), command: tarball('switchyard-cli'), create: tarball('create-switchyard') };
}

/**
 * npx installs `--package <tarball>` (with its peers, the CDK) into a folder of the npm
 * cache's _npx, keyed by the tarball's path: unique to the folder `work` the tarballs are in,
 * so removed with it.
 */
export function removeNpxInstalls(work: string): void {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const npx = path.join(cache, '_npx');
  if (!existsSync(npx)) return;
  for (const entry of readdirSync(npx)) {
    const manifest = path.join(npx, entry, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(path.basename(work))) {
      rmSync(path.join(npx, entry), { recursive: true, force: true });
    }
  }
}
