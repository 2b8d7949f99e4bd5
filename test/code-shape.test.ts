import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
/** Every folder of code that ships or runs: the package, the app, the runtime, the operator tools, and the scripts around them. */
const FOLDERS = [
  'bin',
  'cli',
  'clients',
  'inspect',
  'config',
  'contracts',
  'domain',
  'lambdas',
  'lib',
  'local',
  'testing',
  'console/src',
  'training',
  'bench',
  'scripts',
];
/** A file a reader can hold in their head. */
const MAX_FILE_LINES = 500;
/** A function a reader can follow in one screen; its nested closures count, as a reader has to read them too. */
const MAX_FUNCTION_LINES = 80;

/**
 * Functions allowed to be longer, each with why. Only data tables belong here: a long list of
 * short, independent entries that reads top to bottom. Adding one is a decision, so it is
 * made here, in review, not by raising the limit.
 */
const DATA_TABLES: Readonly<Record<string, string>> = {};

interface Measured {
  /** `path:line name`, the path relative to the repository. */
  readonly where: string;
  readonly key: string;
  readonly lines: number;
}

/** Lines as an editor and `wc -l` count them: a final newline ends the last line, it does not start another. */
function lineCount(source: string): number {
  return source.split('\n').length - (source.endsWith('\n') ? 1 : 0);
}

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function nameOf(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name !== undefined) return named.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** Every function, method, constructor, accessor and arrow function in `source` longer than `limit` lines. */
function longFunctions(file: string, source: string, limit: number): Measured[] {
  const kind = /\.m?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const found: Measured[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line;
      const last = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > limit) {
        const relative = path.relative(repo, file);
        found.push({ where: `${relative}:${first + 1} ${nameOf(node)}`, key: `${relative} ${nameOf(node)}`, lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

const files = FOLDERS.flatMap((folder) => codeFiles(path.join(repo, folder)));
let measured: Measured[] | undefined;
/** Every function over the limit, parsed once for the tests that read them. */
const allLongFunctions = (): Measured[] => {
  measured ??= files.flatMap((file) => longFunctions(file, readFileSync(file, 'utf8'), MAX_FUNCTION_LINES));
  return measured;
};

describe('the code shape', () => {
  it('has no file of code over 500 lines: each is one a reader can hold in their head', () => {
    expect(files.length).toBeGreaterThan(400);
    const long = files
      .map((file) => ({ file: path.relative(repo, file), lines: lineCount(readFileSync(file, 'utf8')) }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('has no function over 80 lines but the data tables it names, each with why', () => {
    const long = allLongFunctions()
      .filter(({ key }) => DATA_TABLES[key] === undefined)
      .map(({ where, lines }) => `${where}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('names no data table that is gone or short now, so the list stays true', () => {
    const stillLong = new Set(allLongFunctions().map(({ key }) => key));
    expect(Object.keys(DATA_TABLES).filter((key) => !stillLong.has(key))).toEqual([]);
  });

  it('counts a function with its nested closures, in TypeScript and plain JavaScript (the check itself)', () => {
    const body = Array.from({ length: 5 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const source = `export function outer() {\n  const inner = () => {\n${body}\n  };\n  return inner;\n}\n`;
    expect(longFunctions(path.join(repo, 'x.ts'), source, 6).map(({ where, lines }) => `${where} ${lines}`)).toEqual([
      'x.ts:1 outer 10',
      'x.ts:2 inner 7',
    ]);
    expect(longFunctions(path.join(repo, 'x.mjs'), source, 8).map(({ key }) => key)).toEqual(['x.mjs outer']);
    expect([lineCount('a\nb\n'), lineCount('a\nb')]).toEqual([2, 2]);
  });
});
