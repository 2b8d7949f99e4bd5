import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { npmInstall, ok, timed } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'saga-app');
const root = path.resolve(import.meta.dirname, '../..');

describe('a hand-written app on the installed library (fixtures/saga-app: a Saga)', () => {
  it('installs the library tarball and synthesizes, cdk-nag clean', () => {
    cpSync(path.join(import.meta.dirname, 'fixtures', 'saga-app'), app, { recursive: true });
    // The same versions of the CDK and the tools as the package itself was built with.
    const own = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const version = (name: string): string => own.peerDependencies?.[name] ?? own.devDependencies?.[name] ?? own.dependencies?.[name];
    const manifest = {
      name: 'saga-app',
      private: true,
      type: 'module',
      dependencies: {
        'switchyard-cdk': `file:${tarballs.library}`,
        ...Object.fromEntries(['aws-cdk-lib', 'constructs', 'cdk-nag'].map((n) => [n, version(n)])),
      },
      devDependencies: Object.fromEntries(['aws-cdk', 'esbuild', 'tsx'].map((n) => [n, version(n)])),
    };
    writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    npmInstall(app);
    timed('cdk synth of the saga app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    const template = readFileSync(path.join(app, 'cdk.out', 'Booking.template.json'), 'utf8');
    expect(template).toContain('AWS::StepFunctions::StateMachine');
    expect(template).toContain('UndoBookHotel');
  });
});
