import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks } from './code-blocks.js';

/**
 * docs/testing.md's recipes: every TypeScript block is marked `recipe=<name> file=<path>`,
 * written to its file under a folder of its own (test/docs/.examples/, git-ignored) so that
 * `switchyard/*` resolves through tsconfig.json's paths, and type-checked together (no emit).
 */
const repo = path.resolve(import.meta.dirname, '..', '..');
const page = path.join(repo, 'docs', 'testing.md');
const blocks = codeBlocks(readFileSync(page, 'utf8')).filter((b) => b.language === 'ts' || b.language === 'typescript');
const workDir = path.join(repo, 'test', 'docs', '.examples', `testing-${process.pid}-${Date.now().toString(36)}`);
/** The recipes the page promises (issue 35). */
const RECIPES = ['duplicate', 'late', 'restart', 'crash', 'failing-function', 'poison', 'sla'];

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('the docs/testing.md recipes', () => {
  it('mark every TypeScript block with a recipe name and a distinct file, and hold each recipe the page promises', () => {
    const unmarked = blocks.filter((b) => b.attributes.recipe === undefined || b.attributes.file === undefined);
    expect(unmarked.map((b) => `docs/testing.md:${b.line}`)).toEqual([]);
    const files = blocks.map((b) => b.attributes.file);
    expect(new Set(files).size).toBe(files.length);
    expect(blocks.map((b) => b.attributes.recipe)).toEqual(expect.arrayContaining(RECIPES));
  });

  it('type-check (tsconfig.json, strict) against switchyard-cli/testing as the package exports it', () => {
    const written = new Map<string, number>();
    for (const block of blocks) {
      const file = path.join(workDir, block.attributes.file ?? `missing-${block.line}.ts`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${block.code}\n`);
      written.set(path.normalize(file), block.line);
    }
    const config = ts.readConfigFile(path.join(repo, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
    const program = ts.createProgram([...written.keys()], { ...options, noEmit: true });
    const messages = [...written.keys()].flatMap((file) => {
      const source = program.getSourceFile(file);
      if (source === undefined) return [`${file} was not compiled`];
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
        const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
        return `docs/testing.md:${(written.get(file) ?? 0) + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    });
    expect(messages).toEqual([]);
  });
});
