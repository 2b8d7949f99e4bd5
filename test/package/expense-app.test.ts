import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { fixtureManifest, installFixtureApp, ok, timed } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'expense-app');

/**
 * A team's own app and tests, written from docs/testing.md alone (fixtures/expense-app: an
 * expense approval flow), on the packed packages: a duplicate, a late copy, a consumer failing
 * twice, a restart, a crash (ownProcess), a 24-hour SLA on virtual time, a TestState mock, and a
 * consumer still running when the test moves the clock past its queue's visibility timeout.
 */
describe('a team’s tests of its own flow (fixtures/expense-app) on the installed packages', () => {
  it('install from the tarballs, synthesize, and pass', () => {
    // The same versions of the CDK, the SDK clients and the tools as the packages were built with.
    const manifest = fixtureManifest('expense-app', tarballs, {
      dependencies: ['aws-cdk-lib', 'constructs', '@aws-lambda-powertools/idempotency', '@aws-sdk/client-dynamodb'],
      // docs/testing.md's install line, and what `cdk synth` needs.
      devDependencies: ['vitest', '@aws-sdk/client-eventbridge', '@aws-sdk/client-sfn', '@aws-sdk/client-sqs', 'aws-cdk', 'esbuild', 'tsx'],
      cli: true,
    });
    installFixtureApp('expense-app', app, manifest);
    timed('cdk synth of the expense app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    const output = timed("the expense app's tests", () => ok('npx', ['vitest', 'run'], app));
    expect(output).toMatch(/Tests\s+8 passed/);
  });
});
