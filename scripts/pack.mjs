#!/usr/bin/env node
// Packs the packages npm run build assembled in pack/<name>/ (npm run pack):
//   node scripts/pack.mjs [--destination <folder>] [--publish-dry-run]
// prints each tarball's path, one per line, last. --publish-dry-run runs `npm publish
// --dry-run` in each package first, as a release would (npm checks the manifest, the files
// and the name), and fails on any error. The build runs first unless pack/ was built from
// the sources as they are (scripts/build-inputs.mjs: `npm run build` then `npm run pack`
// builds once); SWITCHYARD_PACK_NO_BUILD=1 never builds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGES } from '../packages/index.mjs';
import { buildInputs, digestOf, packBuiltFrom } from './build-inputs.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { destination: { type: 'string' }, 'publish-dry-run': { type: 'boolean' } } });
const destination = path.resolve(values.destination ?? path.join(root, 'pack'));
mkdirSync(destination, { recursive: true });

if (process.env.SWITCHYARD_PACK_NO_BUILD === '1') console.log('pack: not building (SWITCHYARD_PACK_NO_BUILD=1)');
else if (packBuiltFrom(root, digestOf(root, buildInputs())))
  console.log('pack: pack/ was built from the sources as they are: not building again');
else run(process.execPath, [path.join(root, 'scripts', 'build-package.mjs')], root);

const tarballs = [];
for (const { name } of PACKAGES) {
  const folder = path.join(root, 'pack', name);
  if (!existsSync(path.join(folder, 'package.json'))) fail(`pack/${name} is not built: run npm run build`);
  if (values['publish-dry-run']) {
    const published = run('npm', ['publish', '--dry-run', '--ignore-scripts'], folder, true);
    // npm prints problems it corrected in the manifest ("npm warn publish ...") and goes on; a release must not need them.
    // (Being logged out is no problem of the package's: a dry run is checked from anywhere.)
    const warnings = published.stderr
      .split('\n')
      .filter((line) => /npm warn publish/.test(line) && !/requires you to be logged in/.test(line));
    if (warnings.length > 0) fail(`npm publish --dry-run of ${name} corrected its manifest:\n  ${warnings.join('\n  ')}`);
    console.log(`pack: npm publish --dry-run of ${name}: clean`);
  }
  const output = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], folder, true).stdout;
  const [packed] = JSON.parse(output);
  tarballs.push(path.join(destination, packed.filename));
}
for (const tarball of tarballs) console.log(tarball);

function run(command, args, cwd, capture = false) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: capture ? 'pipe' : 'inherit', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    fail(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  return result;
}

function fail(message) {
  console.error(`pack: ${message}`);
  process.exit(1);
}
