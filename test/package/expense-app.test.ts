import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { npmInstall, ok, timed } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'expense-app');
const root = path.resolve(import.meta.dirname, '../..');

/**
 * A team's own app and tests, written from docs/testing.md alone (fixtures/expense-app: an
 * expense approval flow), on the packed packages: a duplicate, a late copy, a consumer failing
 * twice, a restart, a crash (ownProcess), a 24-hour SLA on virtual time, a TestState mock, and a
 * consumer still running when the test moves the clock past its queue's visibility timeout.
 */
describe('a team’s tests of its own flow (fixtures/expense-app) on the installed packages', () => {
  it('install from the tarballs, synthesize, and pass', () => {
    cpSync(path.join(import.meta.dirname, 'fixtures', 'expense-app'), app, { recursive: true });
    // The same versions of the CDK, the SDK clients and the tools as the packages were built with.
    const own = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const version = (name: string): string => own.peerDependencies?.[name] ?? own.devDependencies?.[name] ?? own.dependencies?.[name];
    const versions = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, version(n)]));
    const manifest = {
      name: 'expense-app',
      private: true,
      type: 'module',
      dependencies: {
        'switchyard-cdk': `file:${tarballs.library}`,
        ...versions(['aws-cdk-lib', 'constructs', '@aws-lambda-powertools/idempotency', '@aws-sdk/client-dynamodb']),
      },
      // docs/testing.md's install line, and what `cdk synth` needs.
      devDependencies: {
        'switchyard-cli': `file:${tarballs.command}`,
        ...versions(['vitest', '@aws-sdk/client-eventbridge', '@aws-sdk/client-sfn', '@aws-sdk/client-sqs', 'aws-cdk', 'esbuild', 'tsx']),
      },
    };
    writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    npmInstall(app);
    timed('cdk synth of the expense app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    const output = timed("the expense app's tests", () => ok('npx', ['vitest', 'run'], app));
    expect(output).toMatch(/Tests\s+8 passed/);
  });
});
