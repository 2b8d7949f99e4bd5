import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import satisfies from 'spdx-satisfies';

/**
 * The licences of an installed package's tree, checked against a permissive allowlist: what
 * a team gets when it installs one of our packages. Each package's `license` must be an SPDX
 * expression some choice of which is on the allowlist (`(MIT OR GPL-3.0-or-later)` passes on
 * MIT); npm's deprecated forms (`license: { type }`, `licenses: [...]`) count only with a
 * licence file in the package, since the notice those licences require is otherwise nowhere.
 * Copyleft (AGPL, GPL, LGPL, SSPL), source-available (BUSL), UNLICENSED and no licence fail.
 */

/** Permissive licences (SPDX): they ask for their notice to be kept, nothing more of an app. */
export const PERMISSIVE = [
  'MIT',
  'MIT-0',
  'ISC',
  '0BSD',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
  'Zlib',
  'Python-2.0',
  'CC-BY-4.0',
];

export interface LicenceProblem {
  /** The shipped package whose tree holds it. */
  readonly root: string;
  /** How it is reached: `switchyard-cli > dynalite > lazy`. */
  readonly path: string;
  readonly name: string;
  readonly version: string;
  readonly why: string;
}

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly license?: unknown;
  readonly licenses?: unknown;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

const LICENCE_FILE = /^(licen[cs]e|copying)([.-].*)?$/i;

/** Why a package's licence fails the allowlist, or undefined when it passes. */
export function licenceProblem(manifest: Manifest, folder: string): string | undefined {
  const { license, licenses } = manifest;
  if (typeof license === 'string') {
    if (license.trim() === '' || /^UNLICENSED$/i.test(license)) return `is ${license || 'without a licence'} (no licence granted)`;
    if (/^SEE LICEN[CS]E IN /i.test(license)) return `names no SPDX licence ("${license}"): review it and add it here`;
    try {
      return satisfies(license, PERMISSIVE) ? undefined : `is ${license}, not a permissive licence`;
    } catch {
      return `names "${license}", which is no SPDX expression`;
    }
  }
  const legacy = [license, ...(Array.isArray(licenses) ? licenses : [])]
    .map((l) => (typeof l === 'object' && l !== null ? (l as { type?: unknown }).type : undefined))
    .filter((t): t is string => typeof t === 'string');
  if (legacy.length === 0) return 'declares no licence';
  const texts = readdirSync(folder).filter((f) => LICENCE_FILE.test(f));
  const permissive = legacy.some((type) => PERMISSIVE.includes(type));
  if (!permissive) return `declares ${legacy.join(' / ')} (npm's deprecated form), not a permissive licence`;
  if (texts.length === 0)
    return `declares ${legacy.join(' / ')} only in npm's deprecated form and ships no licence text, so the notice that licence asks to keep is nowhere`;
  return undefined;
}

/** Where Node finds `name` from a package folder: its own node_modules, then each one above it up to the app. */
function resolveFrom(folder: string, name: string, app: string): string | undefined {
  for (let dir = folder; dir.startsWith(app); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === app) break;
  }
  return undefined;
}

/** Every package of the tree an installed package brings (its dependencies and optional ones, as installed), with the problems of each. */
export function checkTree(app: string, root: string): { readonly packages: number; readonly problems: readonly LicenceProblem[] } {
  const start = path.join(app, 'node_modules', root);
  const seen = new Set<string>();
  const problems: LicenceProblem[] = [];
  const queue: { folder: string; via: string[] }[] = [{ folder: start, via: [] }];
  while (queue.length > 0) {
    const { folder, via } = queue.shift() as { folder: string; via: string[] };
    if (seen.has(folder)) continue;
    seen.add(folder);
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as Manifest;
    const chain = [...via, manifest.name];
    const why = licenceProblem(manifest, folder);
    if (why) problems.push({ root, path: chain.join(' > '), name: manifest.name, version: manifest.version, why });
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = resolveFrom(folder, name, app);
      // An optional dependency for another platform is not installed: nothing of it ships.
      if (found) queue.push({ folder: found, via: chain });
    }
  }
  return { packages: seen.size, problems };
}

/** A problem as a failure names it. */
export function describeProblem(problem: LicenceProblem): string {
  return `${problem.name}@${problem.version} ${problem.why} (${problem.path})`;
}
