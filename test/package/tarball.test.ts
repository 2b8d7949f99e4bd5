import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** The files of the packed tarball, as tar lists them (without the `package/` prefix). */
function tarballFiles(): string[] {
  return execFileSync('tar', ['-tzf', inject('switchyardTarball')], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
}

/** What npm pack would put in the package, as it says with --dry-run (from the dist/ the global setup built). */
function dryRunFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const [packed] = JSON.parse(output) as { files: { path: string }[] }[];
  return (packed?.files ?? []).map((f) => f.path);
}

describe.each([
  ['the tarball', tarballFiles],
  ['npm pack --dry-run --json', dryRunFiles],
])('the package files (%s)', (_name, list) => {
  const files = list();

  it('hold the compiled entry points with their types, the CLI and the app template', () => {
    for (const file of [
      'package.json',
      'cli/bin.mjs',
      'dist/cli/main.js',
      'dist/contracts/index.js',
      'dist/contracts/index.d.ts',
      'dist/lambdas/kit/index.js',
      'dist/lambdas/kit/index.d.ts',
      'dist/lib/constructs/index.js',
      'dist/lib/constructs/index.d.ts',
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
      // The handlers the constructs bundle, found beside them (lib/constructs/handler-entry.ts).
      'dist/lambdas/workflow-starter/handler.js',
      'dist/lambdas/file-trigger/handler.js',
      'dist/lambdas/change-capture/handler.js',
      'dist/lambdas/change-capture/outbox-handler.js',
      // Read at run time beside the compiled code.
      'dist/local/lambda/worker.mjs',
      'dist/local/endpoint/models/sqs.json',
      'dist/cli/cost/prices-us-east-1.json',
      'dist/cli/init/template/lib/__NAME__-stack.ts.tmpl',
      'dist/cli/init/template/gitignore.tmpl',
    ]) {
      expect(files, file).toContain(file);
    }
  });

  it('hold none of the reference app, the tests or the repository tooling', () => {
    const outside = files.filter((f) =>
      /^(dist\/)?(test|bench|training|examples|domain|bin|scripts|api-report|lib\/flows|lambdas\/(triage|routing|orders|pipeline|agents|webhooks))\//.test(
        f,
      ),
    );
    expect(outside).toEqual([]);
    expect(files.filter((f) => f.endsWith('switchyard-stack.js') || f.endsWith('switchyard-stack.ts'))).toEqual([]);
  });

  it('hold no TypeScript sources: declarations only (the app template is .tmpl)', () => {
    expect(files.filter((f) => /\.(m|c)?ts$/.test(f) && !/\.d\.(m|c)?ts$/.test(f))).toEqual([]);
  });
});
