// Assembles each package of packages/index.mjs in pack/<name>/ from the compiled dist/
// (scripts/build-package.mjs calls it once dist/ is built and checked):
//   - the compiled files of its sources (declarations only where it has exports), the
//     prebuilt folders it names, its bins at their repository paths;
//   - package.json: name, the repository's one version (every package moves in lockstep),
//     exports with types, bin, engines, and dependencies derived from what its files
//     import, at the ranges the repository's package.json gives (another of these packages:
//     this exact version); peers where the list says so;
//   - packages/<name>/README.md and CHANGELOG.md, the repository's LICENSE, and
//     THIRD-PARTY-NOTICES.md (scripts/third-party-notices.mjs): what its bundled and vendored
//     third-party code and data require.
// A file that imports a package the repository does not list fails the build here.
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { PACKAGES } from '../packages/index.mjs';
import { thirdPartyNotices } from './third-party-notices.mjs';

/**
 * A package required by a literal name: `require('name')`, `require.resolve('name')`, and
 * `onFirstUse('name')` (lib/constructs/ and local/startup/on-first-use.ts), which requires it at
 * its first call.
 */
const CREATED_REQUIRE = /\b(?:require(?:\.resolve)?|onFirstUse(?:<[^>]*>)?)\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g;

/** What a scaffolded app gets, at the ranges this build was tested with (cli/commands/init.ts reads it). */
const SCAFFOLDING = new Set(['switchyard-cli', 'create-switchyard']);

/**
 * @param {string} root
 * @param {Record<string, { file: string, packages: readonly string[] }>} [bundled] per prebuilt folder, its file and the npm packages bundled into it
 * @returns {Promise<{ name: string, folder: string }[]>}
 */
export async function assemblePackages(root, bundled = {}) {
  const dist = path.join(root, 'dist');
  const out = path.join(root, 'pack');
  const workspace = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const ranges = { ...workspace.optionalDependencies, ...workspace.devDependencies, ...workspace.dependencies };
  const ownNames = new Set(PACKAGES.map((p) => p.name));
  const init = await import(path.join(dist, 'cli', 'commands', 'init.js'));
  rmSync(out, { recursive: true, force: true });
  const problems = [];
  const assembled = [];
  for (const definition of PACKAGES) {
    const folder = path.join(out, definition.name);
    const withTypes = definition.exports !== undefined;
    for (const source of [...definition.sources, ...(definition.prebuilt ?? [])]) {
      copyCompiled(dist, folder, source, withTypes, problems, definition.name);
    }
    for (const bin of Object.values(definition.bin ?? {})) {
      mkdirSync(path.dirname(path.join(folder, bin)), { recursive: true });
      copyFileSync(path.join(root, bin), path.join(folder, bin));
    }
    for (const file of ['README.md', 'CHANGELOG.md']) {
      const source = path.join(root, 'packages', definition.name, file);
      if (existsSync(source)) copyFileSync(source, path.join(folder, file));
      else problems.push(`packages/${definition.name}/${file} is missing`);
    }
    // The pages the package's README ends with (the library's: the runbook its alarms link to).
    for (const page of definition.readmeAppends ?? []) {
      const text = readFileSync(path.join(root, page), 'utf8').replace(/^# /m, '## ');
      writeFileSync(path.join(folder, 'README.md'), `${readFileSync(path.join(folder, 'README.md'), 'utf8')}\n${text}`);
    }
    for (const page of definition.docs ?? []) {
      mkdirSync(path.join(folder, 'docs'), { recursive: true });
      copyFileSync(path.join(root, page), path.join(folder, 'docs', path.basename(page)));
    }
    copyFileSync(path.join(root, 'LICENSE'), path.join(folder, 'LICENSE'));
    writeNotices(definition, folder, bundled, problems);

    const compiledFiles = [...walk(path.join(folder, 'dist'))].filter((file) => /\.(m|c)?js$/.test(file));
    const { dependencies, peerDependencies, optionalPeers } = dependenciesOf(
      definition,
      importGraph(compiledFiles).packages,
      { ownNames, ranges, version: workspace.version },
      problems,
    );
    const manifest = {
      name: definition.name,
      version: workspace.version,
      description: definition.description,
      license: workspace.license,
      ...(workspace.repository === undefined ? {} : { repository: workspace.repository }),
      keywords: ['aws', 'cdk', 'eventbridge', 'sqs', 'lambda', 'step-functions', 'serverless', 'workflows', 'ai'],
      type: 'module',
      // What bundlers may drop when unused: nothing of the library has effects on import (its
      // handlers are bundled from it by esbuild in the app, a third of their size without this).
      ...(definition.sideEffects === undefined ? {} : { sideEffects: definition.sideEffects }),
      ...(withTypes ? exportsOf(definition) : {}),
      ...(definition.bin === undefined ? {} : { bin: definition.bin }),
      // npm adds package.json, README and LICENSE by itself, not the CHANGELOG.
      files: topLevel(folder).filter((f) => !['package.json', 'README.md', 'LICENSE'].includes(f)),
      engines: { node: definition.engines },
      dependencies,
      ...(Object.keys(peerDependencies).length === 0 ? {} : { peerDependencies }),
      ...(optionalPeers.length === 0
        ? {}
        : { peerDependenciesMeta: Object.fromEntries(optionalPeers.map((n) => [n, { optional: true }])) }),
      ...(SCAFFOLDING.has(definition.name)
        ? { appDependencies: Object.fromEntries([...init.APP_DEPENDENCIES, ...init.APP_DEV_DEPENDENCIES].map((n) => [n, ranges[n]])) }
        : {}),
      publishConfig: { access: 'public' },
    };
    writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    assembled.push({ name: definition.name, folder });
  }
  if (problems.length > 0) throw new Error(`the packages are incomplete:\n  ${problems.join('\n  ')}`);
  return assembled;
}

/** THIRD-PARTY-NOTICES.md: what the package's prebuilt bundles hold and the data of others its files carry. */
function writeNotices(definition, folder, bundled, problems) {
  const bundles = Object.fromEntries(
    (definition.prebuilt ?? []).filter((p) => bundled[p]).map((p) => [bundled[p].file, bundled[p].packages]),
  );
  const notices = thirdPartyNotices(definition, bundles);
  problems.push(...notices.problems.map((problem) => `${definition.name}: ${problem}`));
  for (const item of definition.vendored ?? []) {
    if (!existsSync(path.join(folder, item.files)))
      problems.push(`${definition.name}: vendored ${item.files} (packages/index.mjs) is not in the package`);
  }
  writeFileSync(path.join(folder, 'THIRD-PARTY-NOTICES.md'), notices.text);
}

/**
 * A package's dependencies and peers: what its files import (and what it runs), at the ranges
 * the repository uses (another of these packages: exactly this version). A name the
 * definition forbids, imported or listed as a peer or a run, is a problem, as is an import
 * the repository does not list.
 * @param {import('../packages/index.mjs').PackageDefinition} definition
 * @param {Iterable<string>} imported
 * @param {{ ownNames: Set<string>, ranges: Record<string, string>, version: string }} context
 * @param {string[]} problems what is wrong is pushed here
 */
export function dependenciesOf(definition, imported, { ownNames, ranges, version }, problems) {
  const dependencies = {};
  const peerDependencies = {};
  const listed = [...(definition.peerDependencies ?? []), ...(definition.optionalPeerDependencies ?? []), ...(definition.runs ?? [])];
  for (const name of listed.filter((n) => definition.forbidden?.includes(n))) {
    problems.push(`${definition.name} lists ${name} as a peer or a run, which it must never depend on (packages/index.mjs "forbidden")`);
  }
  for (const name of [...imported, ...(definition.runs ?? [])].sort()) {
    if (name === definition.name) continue;
    if (definition.forbidden?.includes(name)) {
      problems.push(`${definition.name} imports ${name}, which it must never depend on (packages/index.mjs "forbidden")`);
      continue;
    }
    const range = ownNames.has(name) ? version : ranges[name];
    if (range === undefined) {
      problems.push(`${definition.name} imports ${name}, which the repository's package.json does not list`);
      continue;
    }
    const peer = definition.peerDependencies?.includes(name) || definition.optionalPeerDependencies?.includes(name);
    (peer ? peerDependencies : dependencies)[name] = range;
  }
  for (const peer of definition.peerDependencies ?? []) {
    if (!definition.forbidden?.includes(peer)) peerDependencies[peer] ??= ranges[peer];
  }
  return { dependencies, peerDependencies, optionalPeers: definition.optionalPeerDependencies ?? [] };
}

function copyCompiled(dist, folder, source, withTypes, problems, name) {
  const from = path.join(dist, source.replace(/\.ts$/, '.js'));
  if (!existsSync(from)) {
    problems.push(`${name}: dist/${source} was not built`);
    return;
  }
  const to = path.join(folder, 'dist', path.relative(dist, from));
  cpSync(from, to, {
    recursive: true,
    filter: (file) => withTypes || statSync(file).isDirectory() || !/\.d\.(m|c)?ts$/.test(file),
  });
  if (withTypes && source.endsWith('.ts')) copyFileSync(from.replace(/\.js$/, '.d.ts'), to.replace(/\.js$/, '.d.ts'));
}

function exportsOf(definition) {
  const entries = Object.entries(definition.exports);
  return {
    exports: {
      ...Object.fromEntries(entries.map(([sub, entry]) => [sub, { types: `./dist/${entry}.d.ts`, default: `./dist/${entry}.js` }])),
      './package.json': './package.json',
    },
    // For TypeScript's older "node" resolution, which reads no exports.
    typesVersions: { '*': Object.fromEntries(entries.map(([sub, entry]) => [sub.slice(2), [`dist/${entry}.d.ts`]])) },
  };
}

/**
 * What the files import: the packages they import by name (node: built-ins left out), as
 * npm names them (static imports and re-exports, import() and require() with a literal name,
 * as esbuild's parser finds them, every package left external, nothing written), and every
 * file they reach through relative imports (a file outside the package's sources fails to
 * resolve when the package is assembled). The build passes a package's compiled JavaScript;
 * test/package-dependencies.test.ts passes the TypeScript sources tsc compiles it from, read
 * as tsc reads them (verbatimModuleSyntax: an import without `type` stays), so the
 * derivation is checked without a build.
 * @param {string[]} files
 * @returns {{ packages: Set<string>, files: string[] }} `files`: absolute paths
 */
export function importGraph(files) {
  // The bins are not among them: they import node: built-ins only (cli/bin.mjs: tsx too, in a checkout).
  // One bundle that re-exports every file, so that each is parsed once (an entry point per
  // file bundled each file's whole import graph again: seconds for the command's package).
  const { metafile } = buildSync({
    stdin: {
      contents: files.map((file, i) => `export * as m${i} from ${JSON.stringify(file)};`).join('\n'),
      resolveDir: path.dirname(files[0] ?? '.'),
    },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    // Not the repository's tsconfig.json above pack/: its paths would resolve our own names to sources.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    logLevel: 'silent',
  });
  const names = new Set();
  const add = (specifier) => {
    if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  };
  // ESM code loads CommonJS packages through a require of its own (createRequire), which
  // esbuild does not follow.
  for (const file of files) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(CREATED_REQUIRE)) add(specifier);
  }
  for (const input of Object.values(metafile.inputs)) {
    for (const { path: specifier, external } of input.imports) {
      // <runtime>: esbuild's own helpers for a CommonJS file (cli/dev/synth-hook.cjs), no package.
      if (external && specifier !== '<runtime>') add(specifier);
    }
  }
  const reached = Object.keys(metafile.inputs)
    .filter((input) => input !== '<stdin>')
    .map((input) => path.resolve(input));
  return { packages: names, files: reached };
}

function topLevel(folder) {
  return readdirSync(folder).sort();
}

function* walk(entry) {
  for (const child of readdirSync(entry, { withFileTypes: true })) {
    const full = path.join(entry, child.name);
    if (child.isDirectory()) yield* walk(full);
    else yield full;
  }
}
