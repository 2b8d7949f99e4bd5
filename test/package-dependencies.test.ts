import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGES, type PackageDefinition } from '../packages/index.mjs';
import { dependenciesOf, importGraph } from '../scripts/assemble-packages.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const workspace = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const context = {
  ownNames: new Set(PACKAGES.map((p) => p.name)),
  ranges: { ...workspace.optionalDependencies, ...workspace.devDependencies, ...workspace.dependencies } as Record<string, string>,
  version: workspace.version as string,
};
/** What the command's package must never depend on, nor have as a peer: it runs an app on any aws-cdk-lib 2.x. */
const NOT_FOR_THE_COMMAND = ['switchyard-cdk', 'aws-cdk-lib', 'constructs'];

function definition(name: string): PackageDefinition {
  const found = PACKAGES.find((p) => p.name === name);
  if (found === undefined) throw new Error(`packages/index.mjs has no ${name}`);
  return found;
}

/**
 * The files a package is compiled from, as the build compiles them (scripts/build-package.mjs):
 * what tsc compiles of its sources with tsconfig.build.json's options, and the workers
 * (.mjs/.cjs) copied beside them; not its bins, which are not compiled.
 */
function sourceFiles(pkg: PackageDefinition): string[] {
  const config = ts.readConfigFile(path.join(repo, 'tsconfig.build.json'), ts.sys.readFile).config;
  const parsed = ts.parseJsonConfigFileContent(
    { ...config, include: pkg.sources.map((s) => path.join(repo, s)) },
    ts.sys,
    repo,
    undefined,
    path.join(repo, 'tsconfig.build.json'),
  );
  const bins = new Set(Object.values(pkg.bin ?? {}).map((bin) => path.join(repo, bin)));
  const workers = pkg.sources.flatMap((source) => [...walk(path.join(repo, source))].filter((f) => /\.(m|c)js$/.test(f) && !bins.has(f)));
  return [...parsed.fileNames.filter((f) => !/\.d\.(m|c)?ts$/.test(f)), ...workers];
}

function* walk(entry: string): Generator<string> {
  if (!statSync(entry).isDirectory()) {
    yield entry;
    return;
  }
  for (const child of readdirSync(entry, { withFileTypes: true })) {
    if (child.name === 'node_modules') continue;
    const full = path.join(entry, child.name);
    if (child.isDirectory()) yield* walk(full);
    else yield full;
  }
}

/**
 * The manifest's dependencies and peers the build derives for a package, from its sources
 * instead of its compiled files, and the files of the repository its sources reach.
 */
function derived(pkg: PackageDefinition) {
  const problems: string[] = [];
  const graph = importGraph(sourceFiles(pkg));
  const { dependencies, peerDependencies } = dependenciesOf(pkg, graph.packages, context, problems);
  return { dependencies, peerDependencies, problems, reached: graph.files };
}

/** The reached files outside the package's sources (a package must hold every file its files import). */
function outside(pkg: PackageDefinition, reached: readonly string[]): string[] {
  const inside = (file: string) =>
    pkg.sources.some((source) => {
      const relative = path.relative(path.join(repo, source), file);
      return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
    });
  return reached.filter((file) => !inside(file)).map((file) => path.relative(repo, file));
}

describe('the dependencies the build derives for each package (scripts/assemble-packages.mjs, from packages/index.mjs)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-package-dependencies-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('give switchyard-cli neither switchyard-cdk nor the CDK, as a dependency or a peer, so it installs beside any aws-cdk-lib 2.x', () => {
    const { dependencies, peerDependencies, problems, reached } = derived(definition('switchyard-cli'));
    expect(problems).toEqual([]);
    // Its own copy of the contracts is among its sources, so its files import them by path and it ships them.
    expect(outside(definition('switchyard-cli'), reached)).toEqual([]);
    expect(reached).toContain(path.join(repo, 'contracts', 'index.ts'));
    expect(Object.keys(dependencies).filter((name) => NOT_FOR_THE_COMMAND.includes(name))).toEqual([]);
    expect(Object.keys(peerDependencies).filter((name) => NOT_FOR_THE_COMMAND.includes(name))).toEqual([]);
    // Its own copy of the contracts brings their one dependency.
    expect(dependencies.typebox).toBe(workspace.dependencies.typebox);
  });

  it.each(PACKAGES.map((p) => [p.name]))('give %s sources that import no file outside them', (name) => {
    expect(outside(definition(name), derived(definition(name)).reached)).toEqual([]);
  });

  it("give switchyard-cdk the CDK as peers at the repository's ranges, as its constructs import it", () => {
    const { peerDependencies, problems } = derived(definition('switchyard-cdk'));
    expect(problems).toEqual([]);
    expect(peerDependencies).toEqual({
      'aws-cdk-lib': workspace.devDependencies['aws-cdk-lib'],
      constructs: workspace.devDependencies.constructs,
    });
  });

  it('name a package the files load at its first use (onFirstUse), as they would an import of it', () => {
    // cbor2 and handlebars: the runtime's; cdk-monitoring-constructs: the constructs' (their only loads).
    expect(derived(definition('switchyard-cli')).dependencies).toMatchObject({
      cbor2: workspace.dependencies.cbor2,
      handlebars: workspace.dependencies.handlebars,
    });
    expect(derived(definition('switchyard-cdk')).dependencies).toMatchObject({
      'cdk-monitoring-constructs': workspace.dependencies['cdk-monitoring-constructs'],
    });
  });

  it('forbid switchyard-cli switchyard-cdk, aws-cdk-lib and constructs (packages/index.mjs "forbidden")', () => {
    expect([...(definition('switchyard-cli').forbidden ?? [])]).toEqual(expect.arrayContaining(NOT_FOR_THE_COMMAND));
  });

  it('fail if switchyard-cli imports switchyard-cdk or the CDK', () => {
    for (const name of NOT_FOR_THE_COMMAND) {
      const problems: string[] = [];
      const { dependencies } = dependenciesOf(definition('switchyard-cli'), ['typebox', name], context, problems);
      expect(problems, name).toEqual([`switchyard-cli imports ${name}, which it must never depend on (packages/index.mjs "forbidden")`]);
      expect(dependencies[name]).toBeUndefined();
    }
  });

  it('fail if switchyard-cli lists switchyard-cdk or the CDK as a peer, optional or not', () => {
    const problems: string[] = [];
    const { peerDependencies } = dependenciesOf(
      { ...definition('switchyard-cli'), peerDependencies: ['aws-cdk-lib'], optionalPeerDependencies: ['aws-sdk', 'switchyard-cdk'] },
      ['typebox'],
      context,
      problems,
    );
    expect(problems).toEqual([
      'switchyard-cli lists aws-cdk-lib as a peer or a run, which it must never depend on (packages/index.mjs "forbidden")',
      'switchyard-cli lists switchyard-cdk as a peer or a run, which it must never depend on (packages/index.mjs "forbidden")',
    ]);
    expect(peerDependencies['aws-cdk-lib']).toBeUndefined();
  });

  it('name a package imported by name in a TypeScript source, and leave out what is imported as a type only', () => {
    const file = path.join(scratch, 'probe.ts');
    writeFileSync(
      file,
      [
        "import { ENV } from 'switchyard-cdk/contracts';",
        "import type { App } from 'aws-cdk-lib';",
        "import { type Construct } from 'constructs';",
        'export const probe = [ENV] as unknown[];',
        'export type Probe = App | Construct;',
      ].join('\n'),
    );
    // As tsc emits it under verbatimModuleSyntax: `import { type X }` still loads the module.
    expect([...importGraph([file]).packages].sort()).toEqual(['constructs', 'switchyard-cdk']);
  });
});
