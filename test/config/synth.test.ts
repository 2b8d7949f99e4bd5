import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The app as `cdk synth` runs it (bin/app.ts with cdk.json's context, real bundling, the CDK
 * validation and the cdk-nag checks), twice: the two assemblies must be byte for byte the same
 * (`cdk diff` between two synths of one config is empty), the synth must print no warning, and
 * the templates must pass cfn-lint as CI runs it.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CDK_JSON = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
/** What the CDK CLI adds to the context of every synth. */
const CLI_CONTEXT = { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:bundling-stacks': ['**'] };
const SYNTH_TIMEOUT_MS = 10 * 60_000;

const run = promisify(execFile);

async function synth(outdir: string): Promise<{ stderr: string }> {
  // At a lower priority: it bundles every function, and the suites that run beside it have hooks with timeouts.
  const { stderr } = await run('nice', ['-n', '10', process.execPath, '--import', 'tsx', 'bin/app.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      CDK_DEFAULT_ACCOUNT: '111111111111',
      CDK_DEFAULT_REGION: 'eu-west-1',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON.context, ...CLI_CONTEXT }),
      JSII_DEPRECATED: 'warn',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { stderr };
}

type Lint = { status: number; stdout: string; output: string };

/** Runs cfn-lint in the repository's root (where .cfnlintrc is), whatever its exit status. */
function lint(args: string[]): Promise<Lint> {
  return new Promise((resolve) => {
    execFile(
      'nice',
      ['-n', '10', 'cfn-lint', ...args],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ status, stdout, output: stdout + stderr });
      },
    );
  });
}

/** Every file under `folder`, relative to it, sorted. */
function files(folder: string, prefix = ''): string[] {
  return readdirSync(path.join(folder, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = path.join(prefix, entry.name);
      return entry.isDirectory() ? files(folder, relative) : [relative];
    })
    .sort();
}

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';

describe('cdk synth of the app', () => {
  let work: string;
  let first: string;
  let second: string;
  let warnings: string[];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'switchyard-synth-'));
    // Side by side, at one depth: the bundles' source maps name the sources relative to the bundle.
    first = path.join(work, 'first');
    second = path.join(work, 'second');
    mkdirSync(first);
    mkdirSync(second);
    // One after the other: on a 2-core machine two at once starve the other suites.
    const outputs = [await synth(first), await synth(second)];
    warnings = outputs.flatMap(({ stderr }) => stderr.split('\n').filter((line) => /\[WARNING\]|deprecated/i.test(line)));
  }, SYNTH_TIMEOUT_MS);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('prints no warning (no deprecated API is used)', () => {
    expect(warnings).toEqual([]);
  });

  it('writes the same assembly twice, byte for byte', () => {
    const names = files(first);
    expect(names).toEqual(files(second));
    expect(names).toContain('Switchyard.template.json');
    const differing = names.filter((name) => !readFileSync(path.join(first, name)).equals(readFileSync(path.join(second, name))));
    expect(differing).toEqual([]);
  });

  it('sets every feature flag aws-cdk-lib recommends to its recommended value', () => {
    const recommended = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'recommended-feature-flags.json'), 'utf8'));
    const unset = Object.entries(recommended as Record<string, unknown>)
      .filter(([flag, value]) => JSON.stringify(CDK_JSON.context[flag]) !== JSON.stringify(value))
      .map(([flag, value]) => `${flag}: ${JSON.stringify(value)} (cdk.json: ${JSON.stringify(CDK_JSON.context[flag])})`);
    expect(unset).toEqual([]);
  });

  describe('cfn-lint', () => {
    const templates = () =>
      files(first)
        .filter((name) => name.endsWith('.template.json'))
        .map((name) => path.join(first, name));
    let asInCi: Promise<Lint>;
    let everything: Promise<Lint>;
    beforeAll(() => {
      if (!cfnLint) return;
      // Both at once (each takes tens of seconds): as CI runs it, with .cfnlintrc; and with
      // --ignore-checks on the command line, which replaces .cfnlintrc's list, so every finding shows.
      asInCi = lint(templates());
      everything = lint(['--format', 'json', '--ignore-checks', 'E0000', '--', ...templates()]);
    });

    it.skipIf(!cfnLint && !inCi)(
      'passes with .cfnlintrc, as CI runs it: no error, no warning',
      async () => {
        if (!cfnLint) expect.fail('cfn-lint is not on PATH (CI=true): .ci/run installs it before the tests');
        const result = await asInCi;
        expect(result.output).toBe('');
        expect(result.status).toBe(0);
      },
      180_000,
    );

    it.skipIf(!cfnLint && !inCi)(
      "ignores W3005 only for CDK's DependsOn on a resource's role",
      async () => {
        if (!cfnLint) expect.fail('cfn-lint is not on PATH (CI=true): .ci/run installs it before the tests');
        const findings = JSON.parse((await everything).stdout) as { Rule: { Id: string }; Message: string }[];
        const others = findings.filter((finding) => finding.Rule.Id !== 'W3005').map((f) => `${f.Rule.Id} ${f.Message}`);
        expect(others).toEqual([]);
        const roleDependency =
          /^'\w+Role[0-9A-F]{8}' dependency already enforced by a 'GetAtt' at 'Resources\/\w+\/Properties\/Role(Arn)?'$/;
        expect(findings.map((f) => f.Message).filter((message) => !roleDependency.test(message))).toEqual([]);
      },
      180_000,
    );
  });

  if (!cfnLint && !inCi) {
    it.skip('cfn-lint: not on PATH, so the templates are not linted here (CI installs it and fails without it)', () => {});
  }
});
