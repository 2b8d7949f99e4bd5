import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGES } from '../../packages/index.mjs';
import { type CodeBlock, codeBlocks } from './code-blocks.js';

/**
 * The user guide (README.md and docs/*.md) shows one whole file per entry point of the library
 * (`switchyard-cdk/contracts`, `switchyard-cdk/kit`, `switchyard-cdk/constructs`, each on its
 * page), plus the minimal app of docs/getting-started.md. Each is a fenced block whose info
 * string marks it:
 *
 *     ```ts example=kit file=src/handlers/confirm-order.ts
 *
 * This suite writes every marked block to its `file` under a folder of its own inside the
 * repository (test/docs/.examples/, git-ignored), so that `switchyard-cdk/*` resolves through
 * tsconfig.json's paths exactly as the reference app's imports do, and type-checks them
 * together with the compiler API (no emit). The blocks import each other by relative path,
 * as the files of one small app do; nothing else of this repository.
 *
 * The same program also checks docs/public-surface.md: it lists every name each entry
 * point exports, no more and no fewer.
 */

const repo = path.resolve(import.meta.dirname, '..', '..');
const surfacePath = path.join(repo, 'docs', 'public-surface.md');
/** The pages of the guide, by the name a message gives them. */
const GUIDE = [
  'README.md',
  ...readdirSync(path.join(repo, 'docs'))
    .filter((f) => f.endsWith('.md') && f !== 'public-surface.md')
    .map((f) => `docs/${f}`),
];
/** The library's entry points (packages/index.mjs), each with a section of its own headed `` `switchyard-cdk/<name>` `` (in the guide and in docs/public-surface.md). */
const library = PACKAGES.find((p) => p.name === 'switchyard-cdk');
if (library?.exports === undefined) throw new Error('packages/index.mjs has no switchyard-cdk with exports');
const ENTRY_POINTS = Object.keys(library.exports).map((subpath) => subpath.slice(2));
/** The source file each entry point is built from (as tsconfig.json's paths map it). */
function entrySource(entryPoint: string): string {
  const entry = library?.exports?.[`./${entryPoint}`];
  if (entry === undefined) throw new Error(`switchyard-cdk exports no ./${entryPoint}`);
  return path.join(repo, `${entry}.ts`);
}
/** The section that says how to install the packages; every package an example imports must be in its `npm install` lines. */
const INSTALL_SECTION = 'Install';
const INSTALL_PAGE = 'docs/getting-started.md';

const isTypeScript = (block: CodeBlock) => block.language === 'ts' || block.language === 'typescript';
const inSection = (block: CodeBlock, title: string) => block.headings.some((h) => h.text === title);
const sectionTitle = (entryPoint: string) => `\`switchyard-cdk/${entryPoint}\``;

/** The npm package an import specifier names (`@aws-sdk/client-sqs/x` -> `@aws-sdk/client-sqs`); undefined for node: and relative ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const pages = GUIDE.map((page) => ({ page, markdown: readFileSync(path.join(repo, page), 'utf8') }));
const blocks = pages.flatMap(({ page, markdown }) => codeBlocks(markdown, page));
const examples = blocks.filter((b) => b.attributes.example !== undefined);
const workDir = path.join(repo, 'test', 'docs', '.examples', `${process.pid}-${Date.now().toString(36)}`);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The examples written to `workDir`, and one program (tsconfig.json's options) holding them and the entry points; built once. */
let compiled: { readonly written: ReadonlyMap<string, CodeBlock>; readonly program: ts.Program } | undefined;
function compile(): { readonly written: ReadonlyMap<string, CodeBlock>; readonly program: ts.Program } {
  if (compiled !== undefined) return compiled;
  const written = new Map<string, CodeBlock>();
  for (const block of examples) {
    const file = path.join(workDir, block.attributes.file ?? `missing-${block.line}.ts`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${block.code}\n`);
    written.set(file, block);
  }
  const config = ts.readConfigFile(path.join(repo, 'tsconfig.json'), ts.sys.readFile);
  const { options, errors } = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
  if (errors.length > 0)
    throw new Error(`tsconfig.json: ${errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('; ')}`);
  const roots = [...written.keys(), ...ENTRY_POINTS.map(entrySource)];
  compiled = { written, program: ts.createProgram(roots, { ...options, noEmit: true }) };
  return compiled;
}

describe("the guide's examples (README.md and docs/)", () => {
  it.each(ENTRY_POINTS)(
    'the switchyard-cdk/%s section shows exactly one whole-file TypeScript example, marked with its name and a file',
    (entryPoint) => {
      const title = sectionTitle(entryPoint);
      const headed = pages.flatMap(({ page, markdown }) =>
        markdown
          .split('\n')
          .filter((l) => /^#{1,6}\s/.test(l) && l.replace(/^#+\s+/, '').trim() === title)
          .map(() => page),
      );
      expect(headed, `the guide must have one section headed ${title}`).toHaveLength(1);
      // One whole file per entry point; the page may show smaller snippets besides.
      const inIt = blocks.filter((b) => isTypeScript(b) && inSection(b, title) && b.attributes.example === entryPoint);
      expect(
        inIt.map((b) => `${b.page}:${b.line} ${JSON.stringify(b.attributes)}`),
        `${title} must hold exactly one \`\`\`ts block marked example=${entryPoint}`,
      ).toHaveLength(1);
      expect(inIt[0]?.attributes.example).toBe(entryPoint);
      expect(inIt[0]?.attributes.file, `${inIt[0]?.page}:${inIt[0]?.line}: the example needs file=<path>`).toMatch(/^[\w./-]+\.ts$/);
    },
  );

  it('marks every example with a distinct file, inside the app', () => {
    expect(examples.length).toBeGreaterThanOrEqual(ENTRY_POINTS.length);
    const files = examples.map((b) => b.attributes.file ?? `(${b.page}:${b.line} has no file=)`);
    expect(new Set(files).size, `files: ${files.join(', ')}`).toBe(files.length);
    for (const file of files) expect(path.normalize(file).startsWith('..') || path.isAbsolute(file), file).toBe(false);
    for (const block of examples) expect(isTypeScript(block), `${block.page}:${block.line}`).toBe(true);
  });

  it('mark every TypeScript block that imports something, so none imports what a user does not have (the repository’s domain/)', () => {
    // docs/testing.md's blocks are recipes, run whole by test/docs/testing-recipes.test.ts.
    const unmarked = blocks.filter(
      (b) =>
        isTypeScript(b) &&
        b.attributes.example === undefined &&
        b.attributes.recipe === undefined &&
        ts.preProcessFile(b.code, true, true).importedFiles.length > 0,
    );
    expect(
      unmarked.map(
        (b) =>
          `${b.page}:${b.line} imports ${ts
            .preProcessFile(b.code, true, true)
            .importedFiles.map((f) => f.fileName)
            .join(', ')}`,
      ),
      'a block that imports is a whole file of the examples app: mark it ```ts example=<name> file=<path>',
    ).toEqual([]);
  });

  it('import only the package, what the install section installs, Node.js and each other', () => {
    const installCommands = blocks
      .filter((b) => b.page === INSTALL_PAGE && inSection(b, INSTALL_SECTION) && (b.language === 'bash' || b.language === 'sh'))
      .flatMap((b) => b.code.split('\n'))
      .filter((l) => /^\s*npm (install|i)\b/.test(l))
      .join(' ');
    const installed = new Set(installCommands.split(/\s+/).filter((w) => w !== '' && !w.startsWith('-')));
    const files = new Set(examples.map((b) => path.normalize(b.attributes.file ?? '')));
    const problems: string[] = [];
    for (const block of examples) {
      const file = block.attributes.file ?? '';
      for (const { fileName: specifier } of ts.preProcessFile(block.code, true, true).importedFiles) {
        const where = `${block.page}:${block.line} (${file}) imports ${specifier}`;
        if (specifier.startsWith('.')) {
          const target = path.normalize(path.join(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
          if (!files.has(target)) problems.push(`${where}: no example is ${target}`);
          continue;
        }
        const name = packageOf(specifier);
        if (name !== undefined && !installed.has(name))
          problems.push(`${where}: ${name} is in no npm install line of "${INSTALL_SECTION}" in ${INSTALL_PAGE}`);
        if (name === 'switchyard-cdk' && !ENTRY_POINTS.some((entry) => specifier === `switchyard-cdk/${entry}`)) {
          problems.push(`${where}: the package exports switchyard-cdk/contracts, switchyard-cdk/kit and switchyard-cdk/constructs only`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  // A whole program's type check in this worker: tens of seconds alone, minutes beside the other suites on 2 cores.
  it('type-check (tsconfig.json, strict) with the package names resolved as the reference app resolves them', { timeout: 240_000 }, () => {
    const { written, program } = compile();
    // Only the examples' own diagnostics: the package's sources are checked by npm run typecheck.
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...[...written.keys()].flatMap((file) => {
        const source = program.getSourceFile(file);
        return source === undefined ? [] : [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      }),
    ];
    const messages = diagnostics.map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const block = d.file === undefined ? undefined : written.get(path.normalize(d.file.fileName));
      if (d.file === undefined || d.start === undefined || block === undefined) return text;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${block.page}:${block.line + line}:${character + 1} (example=${block.attributes.example}, ${block.attributes.file}): TS${d.code} ${text}`;
    });
    expect(messages).toEqual([]);
  });
});

describe('docs/public-surface.md', () => {
  const surface = readFileSync(surfacePath, 'utf8');

  /** The names listed under the doc's `` `switchyard/<entryPoint>` `` heading: the backticked names after each bullet's `module:`. */
  function listed(entryPoint: string): string[] {
    const lines = surface.split('\n');
    const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && l.replace(/^#+\s+/, '').trim() === sectionTitle(entryPoint));
    if (start < 0) return [];
    const end = lines.findIndex((l, i) => i > start && /^#{1,6}\s/.test(l));
    return lines
      .slice(start + 1, end < 0 ? undefined : end)
      .filter((l) => l.startsWith('- '))
      .flatMap((l) => [...l.slice(l.indexOf(': ') + 2).matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
  }

  it.each(ENTRY_POINTS)('lists exactly the names switchyard-cdk/%s exports', (entryPoint) => {
    const { program } = compile();
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entrySource(entryPoint));
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    expect(module, entrySource(entryPoint)).toBeDefined();
    const exported = new Set(checker.getExportsOfModule(module as ts.Symbol).map((e) => e.name));
    const documented = new Set(listed(entryPoint));
    const where = `docs/public-surface.md, under ${sectionTitle(entryPoint)}`;
    expect([...exported].filter((name) => !documented.has(name)).sort(), `exported but not listed in ${where}`).toEqual([]);
    expect([...documented].filter((name) => !exported.has(name)).sort(), `listed in ${where} but not exported`).toEqual([]);
  });
});
