import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFiles } from '../../helpers/temp-folders.js';

/** A package version the test registry serves: its files (package.json is written for it) and when it was published. */
export interface RegistryPackage {
  readonly name: string;
  readonly version: string;
  readonly published: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
}

export interface TestRegistry {
  readonly url: string;
  /** The paths asked for, in order. */
  readonly requests: string[];
  /** While true, tarball requests are held unanswered (a fill that stalls mid-download). */
  stallTarballs: boolean;
  /** npm's environment for this registry: its own npm cache and config files, nothing of the user's. */
  readonly npmEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A tiny npm registry on loopback: packuments (with publication times, which `npm install
 * --before` reads) and tarballs packed from the files given. Nothing is fetched from outside.
 */
export async function startRegistry(packages: readonly RegistryPackage[]): Promise<TestRegistry> {
  const work = mkdtempSync(path.join(tmpdir(), 'switchyard-registry-'));
  const tarballs = new Map<string, Buffer>();
  for (const pkg of packages) tarballs.set(tarballPath(pkg), pack(work, pkg));
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const url = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname);
    registry.requests.push(url);
    const tarball = tarballs.get(url);
    if (tarball !== undefined) {
      if (registry.stallTarballs) {
        held.push(response);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
      return;
    }
    const name = url.slice(1);
    const versions = packages.filter((pkg) => pkg.name === name);
    if (versions.length === 0) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument(registry.url, versions, tarballs)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const npmFolder = path.join(work, 'npm');
  mkdirSync(npmFolder);
  writeFileSync(path.join(npmFolder, 'npmrc'), '');
  writeFileSync(path.join(npmFolder, 'globalrc'), '');
  const registry: TestRegistry = {
    url,
    requests: [],
    stallTarballs: false,
    npmEnv: {
      npm_config_registry: `${url}/`,
      npm_config_cache: path.join(npmFolder, 'cache'),
      npm_config_userconfig: path.join(npmFolder, 'npmrc'),
      npm_config_globalconfig: path.join(npmFolder, 'globalrc'),
      npm_config_fetch_retries: '0',
      npm_config_fetch_timeout: '5000',
      npm_config_update_notifier: 'false',
    },
    close: async () => {
      for (const response of held.splice(0)) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(work, { recursive: true, force: true });
    },
  };
  return registry;
}

function tarballPath(pkg: RegistryPackage): string {
  return `/${pkg.name}/-/${pkg.name.split('/').at(-1)}-${pkg.version}.tgz`;
}

/** The package's files under `package/`, gzipped as npm publishes them. */
function pack(work: string, pkg: RegistryPackage): Buffer {
  const folder = mkdtempSync(path.join(work, 'pack-'));
  const files = {
    ...pkg.files,
    'package.json': JSON.stringify({ name: pkg.name, version: pkg.version, main: 'index.js', dependencies: pkg.dependencies ?? {} }),
  };
  writeFiles(path.join(folder, 'package'), files);
  const out = path.join(folder, 'package.tgz');
  execFileSync('tar', ['-czf', out, '-C', folder, 'package']);
  return readFileSync(out);
}

function packument(url: string, versions: readonly RegistryPackage[], tarballs: ReadonlyMap<string, Buffer>) {
  const sorted = [...versions].sort((a, b) => a.published.localeCompare(b.published));
  const latest = sorted.at(-1) as RegistryPackage;
  return {
    name: latest.name,
    'dist-tags': { latest: latest.version },
    versions: Object.fromEntries(
      sorted.map((pkg) => {
        const tarball = tarballs.get(tarballPath(pkg)) as Buffer;
        return [
          pkg.version,
          {
            name: pkg.name,
            version: pkg.version,
            dependencies: pkg.dependencies ?? {},
            dist: { tarball: `${url}${tarballPath(pkg)}`, integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}` },
          },
        ];
      }),
    ),
    time: {
      created: sorted[0]?.published,
      modified: latest.published,
      ...Object.fromEntries(sorted.map((pkg) => [pkg.version, pkg.published])),
    },
  };
}
