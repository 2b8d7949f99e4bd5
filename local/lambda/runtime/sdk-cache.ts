import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The per-user cache of the AWS SDK for JavaScript v3 packages that Lambda's Node.js runtimes
 * include and switchyard-cli does not carry (every client and library but the few its own
 * services use), and of the packages public layers hold (public-layers/: Powertools for AWS
 * Lambda): filled from the npm registry the first time a function needs one, then read
 * offline. Each release has its own folder; in it, each fill builds a complete npm tree
 * (`tree-*`) beside the one in use and only then points `current.json` at it, so a crash
 * mid-fill leaves the cache as it was, and two runtimes filling at once take turns on a lock.
 */

/** An AWS SDK for JavaScript v3 release: its version, and the date npm resolves every package of the tree at (`npm install --before`). */
export interface SdkRelease {
  readonly version: string;
  /** An ISO date just after the release was published: each package and dependency is the newest published before it. */
  readonly publishedBefore: string;
  /** What the release is of, in messages. @default 'AWS SDK' */
  readonly label?: string;
  /** Its folder in the cache. @default `v<version>` */
  readonly folder?: string;
  /** The packages asked for are installed at `version` exactly (a product whose packages share one version), not the newest before the date. */
  readonly pinned?: boolean;
  /** The folder of a tree that holds package.json and node_modules: `nodejs` for a layer's layout (`<root>/nodejs/node_modules`). @default the tree itself */
  readonly modulesUnder?: string;
}

/** How npm is run for a fill (tests point it at a registry, a cache and a user config of their own). */
export interface NpmSettings {
  /** Added to the environment npm runs with (`npm_config_registry`, `npm_config_cache`, ...). */
  readonly env?: Readonly<Record<string, string>>;
  /** The npm command: [executable, ...arguments before npm's own]. @default npm_execpath under npm, else `npm` on the PATH */
  readonly command?: readonly string[];
}

/** How the local runtime provides the SDK (RuntimeOptions.sdk; local/lambda/runtime/runtime-sdk.ts): where the cache is, and whether it may fetch. */
export interface RuntimeSdkOptions {
  /** The cache folder. @default SWITCHYARD_SDK_CACHE, else the per-user cache folder */
  readonly cache?: string;
  /** Fetch what the cache lacks from the npm registry. @default true unless SWITCHYARD_SDK_FETCH is `off` */
  readonly fetch?: boolean;
  /** How npm runs (tests: a registry and an npm cache of their own). */
  readonly npm?: NpmSettings;
  /** @default the release runtime-sdk.ts pins */
  readonly release?: SdkRelease;
  /** The folder whose node_modules holds what switchyard-cli carries. @default the package's own folder */
  readonly carriedRoot?: string;
}

/** What a fill did with each package it was asked for. */
export interface FillResult {
  /** Now in the cache (fetched by this fill or an earlier one). */
  readonly provided: readonly string[];
  /** Not a package of the SDK at this release: the registry has no such package, or none published before the release. */
  readonly notInSdk: ReadonlyMap<string, string>;
  /** Could not be fetched (offline, registry refused): the reason npm gave. */
  readonly failed: ReadonlyMap<string, string>;
  /**
   * A pinned release was resolved without `--before`: the registry dates the release itself
   * after `publishedBefore` (a mirror that records its own publication times), so the
   * dependencies are the newest the registry has, not those of the release's day.
   */
  readonly undated?: boolean;
}

/** A fill that waits this long for another's lock gives up (npm's own timeouts are shorter). */
const LOCK_WAIT_MS = 10 * 60_000;
/** A lock older than this is taken over even if its owner seems alive (a process on another host, a reused pid). */
const LOCK_STALE_MS = 15 * 60_000;
/** Trees a fill replaced are removed this long after: a runtime started before may still load from them lazily. */
const OLD_TREE_MS = 60 * 60_000;
/**
 * How long npm waits on the registry, unless the environment says otherwise: a start must not
 * hang for npm's defaults (5 minutes a request, two retries 10 s apart) when it is offline
 * behind a proxy that never answers.
 */
const NETWORK_DEFAULTS = { npm_config_fetch_timeout: '60000', npm_config_fetch_retries: '1', npm_config_fetch_retry_mintimeout: '1000' };
/** npm's codes for a package or version the registry does not have. */
const NOT_PUBLISHED = new Set(['E404', 'ETARGET', 'ENOVERSIONS']);

/** The cache's folder: SWITCHYARD_SDK_CACHE, else the platform's per-user cache folder. */
export function defaultSdkCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWITCHYARD_SDK_CACHE) return path.resolve(env.SWITCHYARD_SDK_CACHE);
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local'), 'switchyard', 'Cache', 'aws-sdk');
  }
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Caches', 'switchyard', 'aws-sdk');
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'switchyard', 'aws-sdk');
}

/** The cache's folder and whether it may fetch, as RuntimeSdkOptions say or their defaults. */
export function sdkCacheSettings(options: RuntimeSdkOptions = {}): { root: string; fetch: boolean } {
  return { root: options.cache ?? defaultSdkCacheRoot(), fetch: options.fetch ?? process.env.SWITCHYARD_SDK_FETCH !== 'off' };
}

/** One SDK release's packages in the cache. */
export class SdkCache {
  /** This release's folder. */
  readonly folder: string;
  /** 'the AWS SDK cache', in messages. */
  readonly #what: string;

  constructor(
    readonly root: string,
    readonly release: SdkRelease,
    private readonly npm: NpmSettings = {},
  ) {
    this.folder = path.join(root, release.folder ?? `v${release.version}`);
    this.#what = `the ${release.label ?? 'AWS SDK'} cache`;
  }

  /** The folder of a tree that holds its package.json and node_modules. */
  #modules(tree: string): string {
    return path.join(tree, this.release.modulesUnder ?? '');
  }

  /** The folder whose node_modules holds the packages fetched so far, or undefined before the first fill. */
  tree(): string | undefined {
    let pointer: { tree?: unknown };
    try {
      pointer = JSON.parse(readFileSync(path.join(this.folder, 'current.json'), 'utf8')) as { tree?: unknown };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SdkCacheError(`${this.#what}'s pointer ${path.join(this.folder, 'current.json')} cannot be read`, { cause: error });
    }
    if (typeof pointer.tree !== 'string' || pointer.tree.includes('/') || pointer.tree.includes('\\')) {
      throw new SdkCacheError(`${this.#what}'s pointer ${path.join(this.folder, 'current.json')} names no tree`);
    }
    return path.join(this.folder, pointer.tree);
  }

  /** Whether the cache holds `name` (asked for, or installed as another's dependency). */
  has(name: string): boolean {
    return this.holds(this.tree(), name);
  }

  /** Whether a tree of this cache (undefined: none yet) holds `name`. */
  holds(tree: string | undefined, name: string): boolean {
    return treeHolds(tree === undefined ? undefined : this.#modules(tree), name);
  }

  /**
   * Fetches the packages the cache lacks into a new tree (the packages it holds, plus these,
   * resolved together at the release), then makes it the cache's tree. Never throws for a
   * package that cannot be had: the result says which and why.
   */
  async fill(names: readonly string[]): Promise<FillResult> {
    const notInSdk = new Map<string, string>();
    const failed = new Map<string, string>();
    if (names.every((name) => this.has(name))) return { provided: [...names], notInSdk, failed };
    mkdirSync(this.folder, { recursive: true });
    const release = await this.#lock();
    let undated = false;
    try {
      // Another runtime may have fetched them while this one waited.
      const before = this.tree();
      const wanted = names.filter((name) => !this.holds(before, name));
      if (wanted.length > 0) undated = await this.#build(before, wanted, notInSdk, failed);
      this.#removeOldTrees();
    } finally {
      release();
    }
    const after = this.tree();
    return { provided: names.filter((name) => this.holds(after, name)), notInSdk, failed, ...(undated ? { undated } : {}) };
  }

  /**
   * Installs the tree's packages and `wanted` in a new folder, dropping those the registry does
   * not have, and points the cache at it. Resolves true when a pinned release was resolved
   * without its date (FillResult.undated).
   */
  async #build(before: string | undefined, wanted: string[], notInSdk: Map<string, string>, failed: Map<string, string>): Promise<boolean> {
    const staging = path.join(this.folder, `tree-${Date.now()}-${process.pid}-${randomUUID().slice(0, 8)}`);
    const held = before === undefined ? {} : dependenciesOf(this.#modules(before));
    if (before !== undefined) {
      // The packages already fetched stay at the versions their lockfile has: npm adds only the new ones.
      cpSync(before, staging, { recursive: true, verbatimSymlinks: true });
    } else mkdirSync(this.#modules(staging), { recursive: true });
    const range = this.release.pinned ? this.release.version : '*';
    let remaining = [...wanted];
    let dated = true;
    try {
      while (remaining.length > 0) {
        writeManifest(this.#modules(staging), { ...held, ...Object.fromEntries(remaining.map((name) => [name, range])) });
        const outcome = await this.#install(this.#modules(staging), dated);
        if (outcome.ok) break;
        // The release's own version exists but the registry dates it after the release: only the date is wrong.
        if (dated && this.release.pinned && outcome.code === 'ETARGET' && outcome.text.includes('with a date before')) {
          dated = false;
          continue;
        }
        const missing = NOT_PUBLISHED.has(outcome.code) ? remaining.find((name) => mentions(outcome.text, name)) : undefined;
        if (missing === undefined) {
          for (const name of remaining) failed.set(name, outcome.reason);
          remaining = [];
          break;
        }
        notInSdk.set(missing, outcome.reason);
        remaining = remaining.filter((name) => name !== missing);
      }
      if (remaining.length === 0) return !dated;
      const absent = remaining.filter((name) => !this.holds(staging, name));
      if (absent.length > 0) {
        for (const name of absent) failed.set(name, 'npm install finished without installing it');
        return !dated;
      }
      // The tree is complete: only now does the cache point at it (a rename replaces the pointer at once).
      const pointer = path.join(this.folder, `current.json.${process.pid}.${randomUUID().slice(0, 8)}`);
      writeFileSync(
        pointer,
        `${JSON.stringify({ tree: path.basename(staging), release: this.release.version, at: new Date().toISOString() })}\n`,
      );
      renameSync(pointer, path.join(this.folder, 'current.json'));
      // The replaced tree's age counts from now: a runtime started before may still load from it lazily.
      if (before !== undefined) utimesSync(before, new Date(), new Date());
      return !dated;
    } finally {
      if (this.tree() !== staging) rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Runs `npm install` in `folder`: the release's versions (`dated`: as of its date), no scripts, no dev dependencies. */
  #install(folder: string, dated: boolean): Promise<{ ok: true } | { ok: false; code: string; reason: string; text: string }> {
    const [command = 'npm', ...prefix] = this.npm.command ?? npmCommand();
    const args = [
      ...prefix,
      'install',
      ...(dated ? [`--before=${this.release.publishedBefore}`] : []),
      '--prefer-offline',
      '--ignore-scripts',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      '--json',
      '--loglevel=error',
    ];
    return new Promise((resolve) => {
      const child = spawn(command, args, {
        cwd: folder,
        env: { ...NETWORK_DEFAULTS, ...process.env, ...this.npm.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // npm is a .cmd script on Windows, which only a shell runs.
        shell: process.platform === 'win32' && !command.endsWith('.js') && command !== process.execPath,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.once('error', (error) => resolve({ ok: false, code: 'ENOENT', reason: `npm could not be run: ${error.message}`, text: '' }));
      child.once('close', (status) => {
        if (status === 0) return resolve({ ok: true });
        const error = npmError(stdout);
        const code = error?.code ?? `exit ${status}`;
        const summary = error?.summary ?? lastLine(stderr) ?? 'no output';
        resolve({ ok: false, code, reason: `npm ${code}: ${summary}`, text: `${error?.summary ?? ''}\n${error?.detail ?? ''}\n${stderr}` });
      });
    });
  }

  /** Takes the release folder's lock (a directory: creating one is atomic), taking over one whose owner is gone; returns its release. */
  async #lock(): Promise<() => void> {
    const lock = path.join(this.folder, '.lock');
    const owner = { pid: process.pid, host: hostname(), token: randomUUID() };
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        mkdirSync(lock);
        writeFileSync(path.join(lock, 'owner.json'), JSON.stringify(owner));
        return () => {
          if (readOwner(lock)?.token === owner.token) rmSync(lock, { recursive: true, force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (lockIsStale(lock)) {
        // Renamed away first, so two runtimes that both find it stale do not remove each other's new lock.
        const taken = `${lock}.stale-${owner.token}`;
        try {
          renameSync(lock, taken);
          rmSync(taken, { recursive: true, force: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        continue;
      }
      if (Date.now() > deadline) {
        throw new SdkCacheError(`another runtime has held ${this.#what}'s lock ${lock} for over ${LOCK_WAIT_MS / 60_000} minutes`);
      }
      await sleep(200);
    }
  }

  /** Trees no pointer names (replaced, or left by a fill that crashed) once they are old enough that nothing loads from them. */
  #removeOldTrees(): void {
    const current = this.tree();
    for (const entry of readdirSync(this.folder)) {
      const folder = path.join(this.folder, entry);
      const leftover = entry.startsWith('tree-') || entry.startsWith('current.json.');
      if (!leftover || folder === current) continue;
      if (Date.now() - statSync(folder).mtimeMs > OLD_TREE_MS) rmSync(folder, { recursive: true, force: true });
    }
  }
}

/** Whether a cache tree (undefined: none yet) holds `name`. */
export function treeHolds(tree: string | undefined, name: string): boolean {
  return tree !== undefined && existsSync(path.join(tree, 'node_modules', name, 'package.json'));
}

/** The cache cannot be used at all (its pointer unreadable, its lock held too long): the runtime says so at start. */
export class SdkCacheError extends Error {
  override readonly name = 'SdkCacheError';
}

/** The npm to run: the one running us (npm start, npx), else `npm` on the PATH. */
function npmCommand(): string[] {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.c?js$/.test(execPath)) return [process.execPath, execPath];
  return ['npm'];
}

function writeManifest(folder: string, dependencies: Record<string, string>): void {
  const manifest = {
    name: 'switchyard-runtime-sdk',
    private: true,
    description: 'The AWS SDK packages local Lambda functions use',
    dependencies,
  };
  writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function dependenciesOf(tree: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(tree, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return manifest.dependencies ?? {};
}

/** Whether npm's error text names the package (URL-encoded in a registry URL, or plain). */
function mentions(text: string, name: string): boolean {
  return text.includes(name) || text.includes(name.replace('/', '%2f')) || text.includes(name.replace('/', '%2F'));
}

function npmError(stdout: string): { code?: string; summary?: string; detail?: string } | undefined {
  // With --json, npm prints {"error": {...}} (after whatever else it printed).
  const start = stdout.lastIndexOf('{\n  "error"');
  try {
    return (JSON.parse(start >= 0 ? stdout.slice(start) : stdout) as { error?: { code?: string; summary?: string; detail?: string } })
      .error;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string | undefined {
  return text.trim().split('\n').at(-1);
}

function readOwner(lock: string): { pid?: number; host?: string; token?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(lock, 'owner.json'), 'utf8')) as { pid?: number; host?: string; token?: string };
  } catch {
    return undefined;
  }
}

/** A lock whose owning process on this host is gone, or that is older than any fill takes. */
function lockIsStale(lock: string): boolean {
  let age: number;
  try {
    age = Date.now() - statSync(lock).mtimeMs;
  } catch {
    return false;
  }
  if (age > LOCK_STALE_MS) return true;
  const owner = readOwner(lock);
  // Its owner is still writing owner.json: give it a moment.
  if (owner === undefined) return age > 5_000;
  if (owner.host !== hostname() || owner.pid === undefined) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
