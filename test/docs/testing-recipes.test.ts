import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGES } from '../../packages/index.mjs';
import { codeBlocks } from './code-blocks.js';

/**
 * docs/testing.md's recipes: every TypeScript block is marked `recipe=<name> file=<path>`,
 * written to its file under a folder of its own (test/docs/.examples/, git-ignored) so that
 * `switchyard-*` resolves through tsconfig.json's paths, type-checked together (no emit), and
 * then run as a team runs them: the page's app synthesized by its own `bin/app.ts` (as
 * `npx cdk synth` runs it), and the recipes by vitest with the page's own vitest.config.ts
 * (the packages' names resolved to this checkout's sources, as the repository's own config does).
 */
const repo = path.resolve(import.meta.dirname, '..', '..');
const page = path.join(repo, 'docs', 'testing.md');
const markdown = readFileSync(page, 'utf8');
const blocks = codeBlocks(markdown).filter((b) => b.language === 'ts' || b.language === 'typescript');
const workDir = path.join(repo, 'test', 'docs', '.examples', `testing-${process.pid}-${Date.now().toString(36)}`);
/** The recipes the page promises (issues 35 and 43), and the app they test. */
const RECIPES = ['duplicate', 'late', 'restart', 'crash', 'failing-function', 'poison', 'sla', 'test-state'];
const APP = ['vitest-config', 'contract', 'stack', 'handler', 'app', 'setup'];

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Writes every block to its file under `workDir` (once); answers the files and the page line of each. */
let written: Map<string, number> | undefined;
function writeBlocks(): Map<string, number> {
  if (written !== undefined) return written;
  written = new Map();
  for (const block of blocks) {
    const file = path.join(workDir, block.attributes.file ?? `missing-${block.line}.ts`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${block.code}\n`);
    written.set(path.normalize(file), block.line);
  }
  return written;
}

/** The npm package an import specifier names; undefined for node: and relative ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The environment of the team's commands: this run's, without what vitest put in it (a vitest inside must not think it runs in this one). */
function teamEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(VITEST|TINYPOOL|NODE_OPTIONS$)/.test(key)) env[key] = value;
  return { ...env, NO_COLOR: '1', ...extra };
}

function run(args: readonly string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, args, { cwd: workDir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}

describe('the docs/testing.md recipes', () => {
  it('mark every TypeScript block with a recipe name and a distinct file, and hold each recipe the page promises and the app they test', () => {
    const unmarked = blocks.filter((b) => b.attributes.recipe === undefined || b.attributes.file === undefined);
    expect(unmarked.map((b) => `docs/testing.md:${b.line}`)).toEqual([]);
    const files = blocks.map((b) => b.attributes.file);
    expect(new Set(files).size).toBe(files.length);
    expect(blocks.map((b) => b.attributes.recipe)).toEqual(expect.arrayContaining([...APP, ...RECIPES]));
  });

  it("name in the page's install line every package the tests import (the CDK app's own, aws-cdk-lib, aside)", () => {
    const install = /```bash\n(npm install --save-dev [^\n]+)\n```/.exec(markdown)?.[1] ?? '';
    const installed = new Set(install.split(/\s+/).slice(3));
    const imported = blocks
      .filter((b) => b.attributes.file?.startsWith('test/') || b.attributes.file === 'vitest.config.ts')
      .flatMap((b) => [...b.code.matchAll(/^import [^;]*? from '([^']+)';/gms)].map((m) => packageOf(m[1] ?? '')))
      .filter((name): name is string => name !== undefined && name !== 'aws-cdk-lib');
    expect([...new Set(imported)].filter((name) => !installed.has(name))).toEqual([]);
  });

  // A whole program's type check in this worker: tens of seconds alone, minutes beside the other suites on 2 cores.
  it('type-check (tsconfig.json, strict) against switchyard-cli/testing as the package exports it', { timeout: 240_000 }, () => {
    const files = writeBlocks();
    const config = ts.readConfigFile(path.join(repo, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
    const program = ts.createProgram([...files.keys()], { ...options, noEmit: true });
    const messages = [...files.keys()].flatMap((file) => {
      const source = program.getSourceFile(file);
      if (source === undefined) return [`${file} was not compiled`];
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
        const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
        return `docs/testing.md:${(files.get(file) ?? 0) + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    });
    expect(messages).toEqual([]);
  });

  it('pass as written: the app synthesized by its bin/app.ts, each recipe run by vitest with the page’s config', () => {
    writeBlocks();
    // What `npx cdk synth` does with cdk.json's `npx tsx bin/app.ts`: the app writes its assembly where CDK_OUTDIR says.
    const synth = run(
      ['--import', 'tsx', 'bin/app.ts'],
      teamEnv({
        CDK_OUTDIR: path.join(workDir, 'cdk.out'),
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:enable-asset-metadata': true }),
      }),
    );
    expect(synth.status, `bin/app.ts failed:\n${synth.stdout}\n${synth.stderr}`).toBe(0);
    // The page's vitest.config.ts, with the packages' names resolved to this checkout's sources (packages/index.mjs).
    const alias: Record<string, string> = {};
    for (const definition of PACKAGES)
      for (const [subpath, entry] of Object.entries(definition.exports ?? {}))
        alias[`${definition.name}${subpath.slice(1)}`] = path.join(repo, `${entry}.ts`);
    writeFileSync(
      path.join(workDir, 'vitest.run.config.ts'),
      `import { mergeConfig } from 'vitest/config';
import page from './vitest.config.ts';
// The crash recipe waits out a visibility timeout in real time: the others run meanwhile.
export default mergeConfig(page, { resolve: { alias: ${JSON.stringify(alias)} }, test: { maxWorkers: 2 } });
`,
    );
    const report = path.join(workDir, 'report.json');
    const vitest = run(
      [
        path.join(repo, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        'vitest.run.config.ts',
        '--reporter=json',
        `--outputFile=${report}`,
      ],
      teamEnv(),
    );
    const results = JSON.parse(readFileSync(report, 'utf8')) as {
      testResults: { name: string; assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    };
    const outcomes = Object.fromEntries(
      results.testResults.map((file) => [
        path.basename(file.name, '.test.ts'),
        file.assertionResults.map(
          (test) => `${test.status}: ${test.title}${test.failureMessages.length > 0 ? `\n${test.failureMessages.join('\n')}` : ''}`,
        ),
      ]),
    );
    const expected = blocks
      .filter((b) => b.attributes.file?.endsWith('.test.ts'))
      .map((b) => path.basename(b.attributes.file ?? '', '.test.ts'));
    expect(Object.keys(outcomes).sort(), vitest.stderr).toEqual(expected.sort());
    for (const [file, tests] of Object.entries(outcomes)) {
      expect(tests.length, file).toBeGreaterThan(0);
      for (const test of tests) expect(test, `${file}: ${vitest.stderr.slice(-4000)}`).toMatch(/^passed: /);
    }
    expect(vitest.status).toBe(0);
  }, 600_000);
});
