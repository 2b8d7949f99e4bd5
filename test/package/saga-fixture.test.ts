import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { fixtureManifest, installFixtureApp, ok, timed } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'saga-app');

describe('a hand-written app on the installed library (fixtures/saga-app: a Saga)', () => {
  it('installs the library tarball and synthesizes, cdk-nag clean', () => {
    // The same versions of the CDK and the tools as the package itself was built with.
    const manifest = fixtureManifest('saga-app', tarballs, {
      dependencies: ['aws-cdk-lib', 'constructs', 'cdk-nag'],
      devDependencies: ['aws-cdk', 'esbuild', 'tsx'],
    });
    installFixtureApp('saga-app', app, manifest);
    timed('cdk synth of the saga app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    const template = readFileSync(path.join(app, 'cdk.out', 'Booking.template.json'), 'utf8');
    expect(template).toContain('AWS::StepFunctions::StateMachine');
    expect(template).toContain('UndoBookHotel');
  });
});
