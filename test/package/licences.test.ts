import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleConsole } from '../../local/console-site/console-site.js';
import { PACKAGES, TEST_ORACLES } from '../../packages/index.mjs';
import { npmInstall } from './helpers.js';
import { checkTree, describeProblem } from './licence-check.js';

const root = path.resolve(import.meta.dirname, '../..');
const tarballs = inject('switchyardTarballs');
const work = inject('switchyardPackageWorkDir');
const app = path.join(work, 'licences-app');
const workspace = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const TARBALL_OF: Readonly<Record<string, string>> = {
  'switchyard-cdk': tarballs.library,
  'switchyard-cli': tarballs.command,
  'create-switchyard': tarballs.create,
};

/** The packages installed as a team installs them: the library beside the CDK it peers with, the command and the scaffold as devDependencies. */
beforeAll(() => {
  mkdirSync(app, { recursive: true });
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'licences-app',
      private: true,
      type: 'module',
      dependencies: {
        'switchyard-cdk': `file:${tarballs.library}`,
        'aws-cdk-lib': workspace.devDependencies['aws-cdk-lib'],
        constructs: workspace.devDependencies.constructs,
      },
      devDependencies: { 'switchyard-cli': `file:${tarballs.command}`, 'create-switchyard': `file:${tarballs.create}` },
    }),
  );
  npmInstall(app);
});

describe.each(PACKAGES.map((p) => [p.name]))('%s, installed', (name) => {
  it('brings only packages under a permissive licence (test/package/licence-check.ts), naming any other with how it is reached', () => {
    expect(TARBALL_OF[name]).toBeDefined();
    const { packages, problems } = checkTree(app, name);
    console.log(`test:package: ${name} brings ${packages - 1} packages; licence problems: ${problems.length}`);
    expect(problems.map(describeProblem)).toEqual([]);
  });

  it('brings none of the copyleft test oracles', () => {
    for (const oracle of TEST_ORACLES) expect(existsSync(path.join(app, 'node_modules', oracle)), oracle).toBe(false);
  });

  it('carries THIRD-PARTY-NOTICES.md with the notices of what its own files hold of others', () => {
    const notices = readFileSync(path.join(app, 'node_modules', name, 'THIRD-PARTY-NOTICES.md'), 'utf8');
    expect(notices).toMatch(new RegExp(`^# Third-party notices: ${name}\\n`));
    for (const item of PACKAGES.find((p) => p.name === name)?.vendored ?? []) {
      expect(notices).toContain(`## ${item.files}: ${item.name} (${item.license})`);
      expect(existsSync(path.join(app, 'node_modules', name, item.files)), item.files).toBe(true);
    }
  });
});

describe('the console bundle switchyard-cli ships', () => {
  it('has the licence text of every npm package bundled into it in THIRD-PARTY-NOTICES.md', async () => {
    const notices = readFileSync(path.join(app, 'node_modules', 'switchyard-cli', 'THIRD-PARTY-NOTICES.md'), 'utf8');
    // What the bundle holds, bundled again from the sources the package was built from.
    const { packages } = await bundleConsole(path.join(root, 'console', 'src', 'main.ts'));
    expect(packages.length).toBeGreaterThan(0);
    for (const folder of packages) {
      const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
      expect(notices, manifest.name).toContain(`### ${manifest.name} ${manifest.version} (${manifest.license})`);
      const licence = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE'].find((f) => existsSync(path.join(folder, f)));
      if (licence) expect(notices, manifest.name).toContain(readFileSync(path.join(folder, licence), 'utf8').trim().split('\n')[0]);
    }
  });
});
