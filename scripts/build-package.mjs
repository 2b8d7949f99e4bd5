#!/usr/bin/env node
// Builds the published packages (npm run build): dist/ from the sources, then one folder
// per package in pack/<name>/, ready for npm pack and npm publish (scripts/pack.mjs).
//   1. tsc: one ESM .js and .d.ts per source file of every package's sources (the one list
//      of what ships where: packages/index.mjs), in the sources' layout (imports already
//      name `.js` files), with tsconfig.build.json's options;
//   2. copies the files read at run time that tsc does not emit (.mjs/.cjs workers and their
//      .d.mts types, JSON API models and prices, the app template of switchyard init) into
//      the same layout;
//   3. bundles the local console's browser code, which the installed package serves prebuilt,
//      and the runtime's modules switchyard dev loads into one module (scripts/bundle-runtime.mjs);
//   4. checks that the bin's compiled CLI and every relative import in dist/ resolve to a
//      file, so a broken package fails here and not in a user's app;
//   5. assembles each package (scripts/assemble-packages.mjs): its sources' compiled files,
//      its manifest with the dependencies its files import, README, CHANGELOG, LICENSE and
//      THIRD-PARTY-NOTICES.md (what the console bundle and the vendored data require).
// Plain JavaScript on purpose: it runs from a fresh clone with nothing but `npm install`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { allSources } from '../packages/index.mjs';
import { assemblePackages } from './assemble-packages.mjs';
import { BUILT_FROM, buildInputs, digestOf } from './build-inputs.mjs';
import { bundleRuntime } from './bundle-runtime.mjs';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const started = performance.now();
// The inputs as the build starts reading them: an edit made during the build makes the next pack build again.
const builtFrom = digestOf(root, buildInputs());

/** The folders (and files) the packages are compiled from. */
const packageSources = allSources();
/** Run-time files tsc does not emit, by how their names end (`.tmpl`: switchyard init's app template; `.py`: the Python functions' bootstrap). */
const ASSET_SUFFIXES = ['.mjs', '.cjs', '.d.mts', '.json', '.tmpl', '.py'];
/** Files with such names that only tests or maintainers read. */
const NOT_SHIPPED = new Set([
  'local/states/engine/KNOWN_GAPS.json',
  // The bins: shipped where they are, not in dist/.
  'cli/bin.mjs',
  'cli/create-switchyard.mjs',
]);
/**
 * SWITCHYARD_BUILD_ALLOW_ERRORS=1 turns type errors and a console that does not bundle into
 * warnings (tsc emits despite errors), to try a package while another change is half done.
 * Never for a release.
 */
const allowErrors = process.env.SWITCHYARD_BUILD_ALLOW_ERRORS === '1';
/**
 * Top-level folders of dist/. Anything else means the compiled package pulled in a file
 * from outside it (the reference app's domain/, a test helper) through an import.
 */
const DIST_FOLDERS = new Set(['cli', 'clients', 'console', 'contracts', 'inspect', 'lambdas', 'lib', 'local', 'testing']);

rmSync(dist, { recursive: true, force: true });

// 1. Compile. Type errors fail the build: a package is not published from code that does not typecheck.
// tsconfig.build.json holds the options; what it compiles comes from the list, through a
// config written for this build that extends it.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const buildTsconfig = path.join(root, 'node_modules', '.cache', 'switchyard-build', 'tsconfig.json');
mkdirSync(path.dirname(buildTsconfig), { recursive: true });
writeFileSync(
  buildTsconfig,
  JSON.stringify({ extends: path.join(root, 'tsconfig.build.json'), include: packageSources.map((s) => path.join(root, s)) }, null, 2),
);
const compiled = spawnSync(process.execPath, [tsc, '-p', buildTsconfig], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) {
  if (allowErrors && existsSync(path.join(dist, 'cli', 'main.js'))) {
    console.warn('build: WARNING: tsc reported the type errors above; kept the emitted files (SWITCHYARD_BUILD_ALLOW_ERRORS=1)');
  } else {
    fail(
      `tsc (tsconfig.build.json's options, packages/index.mjs's sources) failed (exit ${compiled.status}): fix the errors above ` +
        '(or set SWITCHYARD_BUILD_ALLOW_ERRORS=1 to build anyway while trying something out)',
    );
  }
}

// 2. Copy run-time assets.
let assets = 0;
for (const source of packageSources) {
  for (const file of walk(path.join(root, source))) {
    const relative = path.relative(root, file).split(path.sep).join('/');
    if (!ASSET_SUFFIXES.some((suffix) => relative.endsWith(suffix)) || NOT_SHIPPED.has(relative)) continue;
    const target = path.join(dist, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(file, target);
    assets++;
  }
}

// 3. The console: bundled with the runtime's own bundler settings (local/console-site/console-site.ts),
// written where the compiled console site looks for it.
const consoleSite = await import(path.join(dist, 'local', 'console-site', 'console-site.js'));
let consoleState = 'console bundled';
/** The npm packages bundled into each prebuilt folder's file (their notices ship with the package: THIRD-PARTY-NOTICES.md). */
const bundled = {};
try {
  const bundle = await consoleSite.bundleConsole(path.join(root, 'console', 'src', 'main.ts'));
  bundled.console = { file: `dist/console/${consoleSite.PREBUILT_CONSOLE.js}`, packages: bundle.packages };
  mkdirSync(path.join(dist, 'console'), { recursive: true });
  writeFileSync(path.join(dist, 'console', consoleSite.PREBUILT_CONSOLE.js), bundle.js);
  writeFileSync(path.join(dist, 'console', consoleSite.PREBUILT_CONSOLE.css), bundle.css);
} catch (error) {
  const message = `the console (console/src/main.ts) does not bundle for the browser: ${error.message}`;
  if (!allowErrors) fail(`${message}\n(set SWITCHYARD_BUILD_ALLOW_ERRORS=1 to build without it while trying something out)`);
  console.warn(`build: WARNING: ${message}; the package's console will answer 500 (SWITCHYARD_BUILD_ALLOW_ERRORS=1)`);
  consoleState = 'NO CONSOLE';
}

// The runtime's launcher as one module, for switchyard dev (cli/dev/runtime-modules.ts loads it).
let runtimeBundle;
try {
  runtimeBundle = await bundleRuntime(dist);
} catch (error) {
  fail(`the runtime's launcher does not bundle: ${error.message}`);
}

// 4. Checks.
const problems = [];
if (!existsSync(path.join(dist, 'cli', 'main.js'))) problems.push('dist/cli/main.js (what cli/bin.mjs runs when installed) is missing');
for (const entry of readdirSync(dist)) {
  if (!DIST_FOLDERS.has(entry)) {
    problems.push(
      `dist/${entry} is not part of a package: an import reaches outside the sources packages/index.mjs lists; import it from there instead`,
    );
  }
}
// Every relative import of the compiled code and the copied workers must find its file:
// catches an asset the copy step does not know about (a new .mjs, JSON read at run time).
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
for (const file of walk(dist)) {
  if (!/\.(?:m|c)?js$/.test(file)) continue;
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (!existsSync(path.resolve(path.dirname(file), specifier))) {
      problems.push(`${path.relative(root, file)} imports ${specifier}, which is not in dist/`);
    }
  }
}
if (problems.length > 0) fail(`the built package is incomplete:\n  ${problems.join('\n  ')}`);

// 5. The packages.
let packages;
try {
  packages = await assemblePackages(root, bundled);
} catch (error) {
  fail(error.message);
}

// A build that let errors through (SWITCHYARD_BUILD_ALLOW_ERRORS) is not one to pack without building again.
if (!allowErrors) writeFileSync(path.join(root, BUILT_FROM), `${builtFrom}\n`);

console.log(
  `build: dist/ compiled, ${assets} run-time files copied, ${consoleState}, ` +
    `dist/${runtimeBundle.folder}/ bundled from ${runtimeBundle.modules} modules (the CLI's own: ${runtimeBundle.shared.join(', ') || 'none'}); ${packages.map((p) => `pack/${p.name}`).join(', ')} assembled, ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

function* walk(entry) {
  if (!existsSync(entry)) return;
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

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}
