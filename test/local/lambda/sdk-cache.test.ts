import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SdkCache } from '../../../local/lambda/runtime/sdk-cache.js';
import { eventually } from '../helpers.js';
import { type RegistryPackage, startRegistry, type TestRegistry } from './npm-registry.js';

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const RELEASE = { version: '3.5.0', publishedBefore: '2026-06-01T00:00:00.000Z' };
const BEFORE = '2026-05-01T00:00:00.000Z';
const AFTER = '2026-07-01T00:00:00.000Z';

/** A version of `name` published at `published`, whose index.js is `index`, on these dependencies. */
const packageVersion = (
  name: string,
  version: string,
  published: string,
  index: string,
  dependencies?: Record<string, string>,
): RegistryPackage => ({
  name,
  version,
  published,
  ...(dependencies ? { dependencies } : {}),
  files: { 'index.js': index },
});

/** A client and a library of the fake SDK, both on one core; a later release publishes newer versions of each. */
const PACKAGES: RegistryPackage[] = [
  packageVersion('@smithy/fake-core', '1.0.0', BEFORE, `exports.core = 'core-1.0.0';`),
  packageVersion('@smithy/fake-core', '1.1.0', AFTER, `exports.core = 'core-1.1.0';`),
  packageVersion('@aws-sdk/client-fake', '3.5.0', BEFORE, `exports.client = 'client-3.5.0 on ' + require('@smithy/fake-core').core;`, {
    '@smithy/fake-core': '^1.0.0',
  }),
  packageVersion('@aws-sdk/client-fake', '3.6.0', AFTER, `exports.client = 'client-3.6.0';`, { '@smithy/fake-core': '^1.1.0' }),
  packageVersion('@aws-sdk/lib-fake', '3.5.0', BEFORE, `exports.lib = 'lib-3.5.0 on ' + require('@smithy/fake-core').core;`, {
    '@smithy/fake-core': '^1.0.0',
  }),
  packageVersion('@aws-sdk/client-later', '3.6.0', AFTER, `exports.later = true;`),
];

let registry: TestRegistry;
const roots: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  registry = await startRegistry(PACKAGES);
});
afterAll(async () => {
  await registry.close();
});
afterEach(() => {
  registry.stallTarballs = false;
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function cacheRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'switchyard-sdk-cache-'));
  roots.push(root);
  return root;
}

function cacheAt(root: string, env: Record<string, string> = registry.npmEnv): SdkCache {
  return new SdkCache(root, RELEASE, { env });
}

/** What a package exports, loaded from the cache's tree as a function's code would find it there. */
function load(cache: SdkCache, name: string): unknown {
  const tree = cache.tree();
  if (tree === undefined) throw new Error('the cache has no tree');
  return JSON.parse(
    // A fresh process: the packages are read from disk as they are now, not from this process's require cache.
    execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(name)})))`], {
      cwd: tree,
      encoding: 'utf8',
    }),
  );
}

describe('SdkCache', () => {
  it('fetches packages at the release: each, and each dependency, the newest published before it', async () => {
    const cache = cacheAt(cacheRoot());
    const result = await cache.fill(['@aws-sdk/client-fake', '@aws-sdk/lib-fake']);
    expect(result.provided).toEqual(['@aws-sdk/client-fake', '@aws-sdk/lib-fake']);
    expect(load(cache, '@aws-sdk/client-fake')).toEqual({ client: 'client-3.5.0 on core-1.0.0' });
    // The client and the library share one core, of the release.
    expect(load(cache, '@aws-sdk/lib-fake')).toEqual({ lib: 'lib-3.5.0 on core-1.0.0' });
    expect(readdirSync(path.join(cache.tree() as string, 'node_modules', '@smithy'))).toEqual(['fake-core']);
  }, 60_000);

  it('serves what it fetched without the registry, and fetches only what it lacks', async () => {
    const root = cacheRoot();
    await cacheAt(root).fill(['@aws-sdk/client-fake']);
    const requested = registry.requests.length;
    const offline = cacheAt(root, { ...registry.npmEnv, npm_config_registry: 'http://127.0.0.1:9/' });
    const again = await offline.fill(['@aws-sdk/client-fake']);
    expect(again).toMatchObject({ provided: ['@aws-sdk/client-fake'] });
    expect(again.failed.size).toBe(0);
    expect(registry.requests.length).toBe(requested);
    expect(load(offline, '@aws-sdk/client-fake')).toEqual({ client: 'client-3.5.0 on core-1.0.0' });
  }, 60_000);

  it('keeps what it had when a fill cannot reach the registry, saying why for each package', async () => {
    const root = cacheRoot();
    await cacheAt(root).fill(['@aws-sdk/client-fake']);
    const before = cacheAt(root).tree();
    const offline = cacheAt(root, { ...registry.npmEnv, npm_config_registry: 'http://127.0.0.1:9/' });
    const result = await offline.fill(['@aws-sdk/lib-fake']);
    expect(result.provided).toEqual([]);
    expect(result.failed.get('@aws-sdk/lib-fake')).toMatch(/^npm ECONNREFUSED: /);
    expect(offline.tree()).toBe(before);
    expect(load(offline, '@aws-sdk/client-fake')).toEqual({ client: 'client-3.5.0 on core-1.0.0' });
  }, 60_000);

  it('fails if a package is not in the SDK at the release (none such, or published after it), and fetches the others', async () => {
    const cache = cacheAt(cacheRoot());
    const result = await cache.fill(['@aws-sdk/client-fake', '@aws-sdk/client-nonexistent', '@aws-sdk/client-later']);
    expect(result.provided).toEqual(['@aws-sdk/client-fake']);
    expect([...result.notInSdk.keys()].sort()).toEqual(['@aws-sdk/client-later', '@aws-sdk/client-nonexistent']);
    expect(result.notInSdk.get('@aws-sdk/client-nonexistent')).toMatch(/^npm E404: /);
    expect(result.failed.size).toBe(0);
  }, 90_000);

  it('lets two fills at once take turns, the second adding to what the first fetched', async () => {
    const root = cacheRoot();
    const [first, second] = await Promise.all([cacheAt(root).fill(['@aws-sdk/client-fake']), cacheAt(root).fill(['@aws-sdk/lib-fake'])]);
    expect(first.provided).toEqual(['@aws-sdk/client-fake']);
    expect(second.provided).toEqual(['@aws-sdk/lib-fake']);
    const cache = cacheAt(root);
    expect(cache.has('@aws-sdk/client-fake') && cache.has('@aws-sdk/lib-fake')).toBe(true);
    expect(JSON.parse(readFileSync(path.join(cache.tree() as string, 'package.json'), 'utf8')).dependencies).toEqual({
      '@aws-sdk/client-fake': '*',
      '@aws-sdk/lib-fake': '*',
    });
  }, 90_000);

  it('is left as it was by a fill killed mid-download, and the next fill takes its lock over', async () => {
    const root = cacheRoot();
    await cacheAt(root).fill(['@aws-sdk/client-fake']);
    const before = cacheAt(root).tree();
    registry.stallTarballs = true;
    const started = registry.requests.length;
    // An npm cache of its own: the other tests' fetches must not spare it the download.
    const env = { ...registry.npmEnv, npm_config_cache: path.join(cacheRoot(), 'npm-cache') };
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { SdkCache } from ${JSON.stringify(pathToFileURL(path.join(repo, 'local/lambda/runtime/sdk-cache.ts')).href)};
         await new SdkCache(${JSON.stringify(root)}, ${JSON.stringify(RELEASE)}, { env: ${JSON.stringify(env)} }).fill(['@aws-sdk/lib-fake']);`,
      ],
      { cwd: repo, stdio: 'ignore' },
    );
    children.push(child);
    // Killed once npm is downloading the new package's tarball: the new tree is half written.
    await eventually(
      async () => (registry.requests.slice(started).some((r) => r.endsWith('.tgz')) ? true : undefined),
      30_000,
      'the tarball request',
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const cache = cacheAt(root);
    expect(cache.tree()).toBe(before);
    expect(cache.has('@aws-sdk/lib-fake')).toBe(false);
    expect(existsSync(path.join(cache.folder, '.lock'))).toBe(true);
    registry.stallTarballs = false;
    const result = await cache.fill(['@aws-sdk/lib-fake']);
    expect(result.provided).toEqual(['@aws-sdk/lib-fake']);
    expect(load(cache, '@aws-sdk/lib-fake')).toEqual({ lib: 'lib-3.5.0 on core-1.0.0' });
    expect(load(cache, '@aws-sdk/client-fake')).toEqual({ client: 'client-3.5.0 on core-1.0.0' });
    expect(existsSync(path.join(cache.folder, '.lock'))).toBe(false);
  }, 90_000);
});
