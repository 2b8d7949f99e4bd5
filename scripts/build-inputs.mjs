// What `npm run build` reads, as one digest, so that `npm run pack` after a build of the same
// sources packs what is in pack/ instead of building it all again (scripts/pack.mjs). The
// build writes the digest of the inputs it started from into pack/ when it succeeds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { allSources, PACKAGES } from '../packages/index.mjs';

/** Where the build keeps the digest of what it was built from. */
export const BUILT_FROM = path.join('pack', '.built-from');

/**
 * The files and folders the build reads, relative to the repository: each package's sources,
 * prebuilt folders, bins and appended pages (packages/index.mjs), the packages' own READMEs and
 * CHANGELOGs, the build's scripts and options, the licence, and the locked dependencies.
 */
export function buildInputs() {
  return [
    ...new Set([
      ...allSources(),
      ...PACKAGES.flatMap((p) => [...(p.prebuilt ?? []), ...Object.values(p.bin ?? {}), ...(p.readmeAppends ?? [])]),
      'packages',
      'scripts/build-package.mjs',
      'scripts/assemble-packages.mjs',
      'scripts/third-party-notices.mjs',
      'scripts/build-inputs.mjs',
      'tsconfig.build.json',
      'package.json',
      'package-lock.json',
      'LICENSE',
    ]),
  ].sort();
}

/** A SHA-256 over the path and content of every file under `entries` (relative to `root`; node_modules left out). */
export function digestOf(root, entries) {
  const hash = createHash('sha256');
  for (const entry of entries) {
    for (const file of [...walk(path.join(root, entry))].sort()) {
      hash.update(path.relative(root, file).split(path.sep).join('/'));
      hash.update('\0');
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

/** Whether pack/ holds every package, built from inputs whose digest is `digest`. */
export function packBuiltFrom(root, digest) {
  const stamp = path.join(root, BUILT_FROM);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== digest) return false;
  return PACKAGES.every((p) => existsSync(path.join(root, 'pack', p.name, 'package.json')));
}

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
