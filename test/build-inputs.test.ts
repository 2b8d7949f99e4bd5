import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGES } from '../packages/index.mjs';
import { BUILT_FROM, buildInputs, digestOf, packBuiltFrom } from '../scripts/build-inputs.mjs';
import { useTempFolders, writeFiles } from './helpers/temp-folders.js';

const repo = path.resolve(import.meta.dirname, '..');
const { folder } = useTempFolders('switchyard-build-inputs-');
const write = (root: string, file: string, text: string) => writeFiles(root, { [file]: text });

/**
 * A checkout with pack.mjs and what it reads, and pack/ as a build left it (a manifest per
 * package and the stamp of what it was built from), but no build script: a pack that builds fails.
 */
function builtCheckout(): string {
  const root = folder();
  for (const file of ['scripts/pack.mjs', 'scripts/build-inputs.mjs', 'packages/index.mjs'])
    cpSync(path.join(repo, file), path.join(root, file));
  write(root, 'cli/main.ts', 'export {};\n');
  for (const { name } of PACKAGES) write(root, `pack/${name}/package.json`, JSON.stringify({ name, version: '0.0.0' }));
  write(root, BUILT_FROM, `${digestOf(root, buildInputs())}\n`);
  return root;
}

const pack = (root: string) =>
  spawnSync(process.execPath, [path.join(root, 'scripts', 'pack.mjs'), '--destination', path.join(root, 'tarballs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SWITCHYARD_PACK_NO_BUILD: '' },
  });

describe('build inputs (scripts/build-inputs.mjs)', () => {
  it('digests the files under the entries by path and content, leaving node_modules out', () => {
    const root = folder();
    write(root, 'src/a.ts', 'a');
    write(root, 'src/node_modules/x/index.js', 'x');
    const before = digestOf(root, ['src']);
    expect(digestOf(root, ['src'])).toBe(before);
    write(root, 'src/node_modules/x/index.js', 'y');
    expect(digestOf(root, ['src'])).toBe(before);
    write(root, 'src/a.ts', 'b');
    expect(digestOf(root, ['src'])).not.toBe(before);
    write(root, 'src/a.ts', 'a');
    write(root, 'src/b.ts', '');
    expect(digestOf(root, ['src'])).not.toBe(before);
  });

  it("names every package's sources, the packages' own files and the locked dependencies", () => {
    const inputs = buildInputs();
    for (const source of PACKAGES.flatMap((p) => p.sources)) expect(inputs).toContain(source);
    expect(inputs).toEqual(expect.arrayContaining(['packages', 'package-lock.json', 'scripts/build-package.mjs', 'console']));
  });

  it('says pack/ is built from the sources only while its stamp matches and every package is there', () => {
    const root = builtCheckout();
    const digest = digestOf(root, buildInputs());
    expect(packBuiltFrom(root, digest)).toBe(true);
    expect(
      packBuiltFrom(
        root,
        digest.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      ),
    ).toBe(false);
    rmSync(path.join(root, 'pack', PACKAGES[0]?.name ?? ''), { recursive: true });
    expect(packBuiltFrom(root, digest)).toBe(false);
  });
});

describe('npm run pack (scripts/pack.mjs)', () => {
  it('packs what the last build left in pack/ without building again when the sources are as they were', () => {
    const root = builtCheckout();
    const packed = pack(root);
    expect(packed.status, packed.stderr).toBe(0);
    expect(packed.stdout).toContain('pack: pack/ was built from the sources as they are: not building again');
    for (const { name } of PACKAGES) expect(packed.stdout).toContain(path.join(root, 'tarballs', `${name}-0.0.0.tgz`));
  }, 60_000);

  it('builds first when a source changed since the last build', () => {
    const root = builtCheckout();
    write(root, 'cli/main.ts', 'export const changed = true;\n');
    const packed = pack(root);
    // This checkout has no build script: the attempt to run it is what fails.
    expect(packed.status).toBe(1);
    expect(packed.stderr).toContain(`${path.join(root, 'scripts', 'build-package.mjs')} (in ${root}) exited 1`);
  }, 60_000);
});
