/**
 * The library's footprint in a CDK app (npm run bench:footprint): packs the packages, then
 * in two empty apps outside the repository installs `aws-cdk-lib constructs` alone and
 * `aws-cdk-lib constructs <switchyard-cdk tarball>`, and reports what the library adds to
 * node_modules. Targets (issue: a name a team can install): at most 60 MB added, and no
 * native addon (*.node), no Node binary and no package of the local runtime among what it
 * brings. Installs from the npm registry (its cache makes a second run quick). Writes the figure
 * it measures into the README and the getting-started page (bench/footprint-figure.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGES } from '../packages/index.mjs';
import { writeFigure } from './footprint-figure.js';

const BUDGET_MB = 60;

const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(tmpdir(), 'switchyard-footprint-'));
try {
  const packed = execFileSync(process.execPath, [path.join(root, 'scripts', 'pack.mjs'), '--destination', work], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const libraryTarball = packed
    .split('\n')
    .find((line) => /switchyard-cdk-[\d.]+\.tgz$/.test(line.trim()))
    ?.trim();
  if (libraryTarball === undefined) throw new Error(`pack printed no switchyard-cdk tarball:\n${packed}`);

  // What only the local runtime and the command need: none may come with the library, not even indirectly.
  const RUNTIME_ONLY = PACKAGES.find((p) => p.name === 'switchyard-cdk')?.forbidden ?? [];
  const base = install(path.join(work, 'cdk-only'), ['aws-cdk-lib', 'constructs']);
  const withLibrary = install(path.join(work, 'with-switchyard-cdk'), ['aws-cdk-lib', 'constructs', libraryTarball]);
  const added = (withLibrary.bytes - base.bytes) / 1024 / 1024;
  const brought = withLibrary.packages.filter((name) => !base.packages.includes(name));
  const addons = withLibrary.files.filter((file) => file.endsWith('.node'));
  const nodeBinaries = withLibrary.files.filter((file) => /(^|\/)node-(linux|darwin|win)-[^/]+\/bin\/node$/.test(file));
  const runtimeOnly = brought.filter((name) => RUNTIME_ONLY.includes(name));

  console.log(`footprint: aws-cdk-lib + constructs alone: ${(base.bytes / 1024 / 1024).toFixed(1)} MB in node_modules`);
  console.log(
    `footprint: switchyard-cdk adds ${added.toFixed(1)} MB and ${brought.length} packages (budget ${BUDGET_MB} MB); ` +
      `native addons: ${addons.length}, Node binaries: ${nodeBinaries.length}, local-runtime packages: ${runtimeOnly.length}`,
  );
  const largest = brought
    .map((name) => ({ name, bytes: size(path.join(withLibrary.folder, 'node_modules', name)).bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
  console.log(`footprint: largest it brings: ${largest.map((p) => `${p.name} ${(p.bytes / 1024 / 1024).toFixed(1)} MB`).join(', ')}`);
  const written = writeFigure(root, added);
  console.log(
    `footprint: the docs state about ${Math.round(added)} MB${written.length > 0 ? ` (written to ${written.join(', ')})` : ' already'}`,
  );
  const missed = [
    ...(added > BUDGET_MB ? [`adds ${added.toFixed(1)} MB, over ${BUDGET_MB} MB`] : []),
    ...addons.map((file) => `brings a native addon: ${file}`),
    ...nodeBinaries.map((file) => `brings a Node binary: ${file}`),
    ...runtimeOnly.map((name) => `brings ${name}, which only the local runtime needs`),
  ];
  if (missed.length > 0) {
    console.error(`footprint: MISSED: ${missed.join('; ')}`);
    process.exitCode = 1;
  } else console.log('footprint: within budget');
} finally {
  if (process.env.SWITCHYARD_KEEP_FOOTPRINT !== '1') rmSync(work, { recursive: true, force: true });
}

function install(folder: string, specs: readonly string[]) {
  execFileSync('mkdir', ['-p', folder]);
  writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: path.basename(folder), private: true, type: 'module' }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], {
    cwd: folder,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const modules = path.join(folder, 'node_modules');
  const { bytes, files } = size(modules);
  return { folder, bytes, files: files.map((f) => path.relative(modules, f)), packages: installedPackages(modules) };
}

/** Bytes of the files under `entry` (as du counts apparent sizes), and the files. */
function size(entry: string): { bytes: number; files: string[] } {
  if (!existsSync(entry)) return { bytes: 0, files: [] };
  const stat = lstatSync(entry);
  if (!stat.isDirectory()) return { bytes: stat.size, files: [entry] };
  let bytes = 0;
  const files: string[] = [];
  for (const child of readdirSync(entry)) {
    const inner = size(path.join(entry, child));
    bytes += inner.bytes;
    files.push(...inner.files);
  }
  return { bytes, files };
}

function installedPackages(modules: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const inner of readdirSync(path.join(modules, entry))) names.push(`${entry}/${inner}`);
    else names.push(entry);
  }
  return names;
}
