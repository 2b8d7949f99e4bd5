import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempFolders } from './helpers/temp-folders.js';
import { checkTree, describeProblem, licenceProblem } from './package/licence-check.js';

const repo = path.resolve(import.meta.dirname, '..');
const temp = useTempFolders('switchyard-licences-');

/** An installed app: each package's manifest at its place in node_modules (a `/`-path under it nests). */
function installed(packages: Record<string, Record<string, unknown>>, files: Record<string, string> = {}): string {
  const app = temp.folder();
  for (const [where, manifest] of Object.entries(packages)) {
    const folder = path.join(
      app,
      'node_modules',
      ...where
        .split('>')
        .map((p) => p.trim())
        .flatMap((p, i) => (i === 0 ? [p] : ['node_modules', p])),
    );
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest));
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(app, 'node_modules', file), text);
  return app;
}

describe('the licence check of an installed package tree (test/package/licence-check.ts)', () => {
  it('passes permissive licences and SPDX choices that include one', () => {
    for (const license of [
      'MIT',
      'Apache-2.0',
      'ISC',
      'BSD-3-Clause',
      '(MIT OR GPL-3.0-or-later)',
      'BlueOak-1.0.0',
      'MIT AND Zlib',
      '0BSD',
    ])
      expect(licenceProblem({ name: 'p', version: '1.0.0', license }, repo), license).toBeUndefined();
  });

  it('fails if a licence is copyleft, source-available, UNLICENSED, missing or no SPDX expression', () => {
    for (const license of ['AGPL-3.0-or-later', 'GPL-3.0', 'LGPL-2.1-only', 'SSPL-1.0', 'BUSL-1.1', 'MIT AND GPL-2.0-only'])
      expect(licenceProblem({ name: 'p', version: '1.0.0', license }, repo), license).toMatch(/not a permissive licence/);
    expect(licenceProblem({ name: 'p', version: '1.0.0', license: 'UNLICENSED' }, repo)).toMatch(/no licence granted/);
    expect(licenceProblem({ name: 'p', version: '1.0.0' }, repo)).toBe('declares no licence');
    expect(licenceProblem({ name: 'p', version: '1.0.0', license: 'Apache 2' }, repo)).toMatch(/no SPDX expression/);
  });

  it("fails if a licence is declared only in npm's deprecated form and the package ships no licence text (lazy's case)", () => {
    const app = installed({ lazy: { name: 'lazy', version: '1.0.11', license: { type: 'MIT' } } });
    expect(licenceProblem({ name: 'lazy', version: '1.0.11', license: { type: 'MIT' } }, path.join(app, 'node_modules', 'lazy'))).toMatch(
      /deprecated form and ships no licence text/,
    );
    const withText = installed({ old: { name: 'old', version: '1.0.0', licenses: [{ type: 'MIT' }] } }, { 'old/LICENSE': 'MIT ...' });
    expect(
      licenceProblem({ name: 'old', version: '1.0.0', licenses: [{ type: 'MIT' }] }, path.join(withText, 'node_modules', 'old')),
    ).toBeUndefined();
  });

  it('fails naming an AGPL package added to a shipped package, however deep, with the way it is reached', () => {
    // The real manifest of the AGPL oracle, as a dependency of a dependency of the shipped package.
    const agpl = JSON.parse(readFileSync(path.join(repo, 'node_modules', '@cloud-copilot', 'iam-simulate', 'package.json'), 'utf8'));
    const app = installed({
      'switchyard-cli': { name: 'switchyard-cli', version: '0.1.0', license: 'Apache-2.0', dependencies: { helper: '^1.0.0' } },
      helper: { name: 'helper', version: '1.2.0', license: 'MIT', dependencies: { '@cloud-copilot/iam-simulate': '^0.1.0' } },
      'helper > @cloud-copilot/iam-simulate': { ...agpl, dependencies: {} },
      unrelated: { name: 'unrelated', version: '1.0.0', license: 'GPL-3.0' },
    });
    const { packages, problems } = checkTree(app, 'switchyard-cli');
    expect(packages).toBe(3);
    expect(problems.map(describeProblem)).toEqual([
      `@cloud-copilot/iam-simulate@${agpl.version} is AGPL-3.0-or-later, not a permissive licence (switchyard-cli > helper > @cloud-copilot/iam-simulate)`,
    ]);
  });

  it('follows installed optional dependencies and skips those for other platforms', () => {
    const app = installed({
      root: { name: 'root', version: '1.0.0', license: 'MIT', optionalDependencies: { 'bin-linux': '1', 'bin-darwin': '1' } },
      'bin-linux': { name: 'bin-linux', version: '1.0.0', license: 'BUSL-1.1' },
    });
    expect(checkTree(app, 'root').problems.map((p) => p.name)).toEqual(['bin-linux']);
  });
});
