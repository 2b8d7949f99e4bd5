import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeBlocks } from './code-blocks.js';

/**
 * The guide's app and the scaffold's (`switchyard init`, cli/init/template/) share one layout,
 * so a reader who scaffolded an app finds the files the guide names: contracts in
 * `contracts/`, the stack in `lib/`, a folder per function in `lambdas/<function>/handler.ts`,
 * the app in `bin/`, tests in `test/`. The guide once named `src/contracts.ts` and
 * `src/handlers/`, which no scaffold has.
 */

const repo = path.resolve(import.meta.dirname, '..', '..');
const TEMPLATE = path.join(repo, 'cli', 'init', 'template');
/** The scaffold's files as an app has them: `.tmpl` dropped, `gitignore` dotted, the app's name as `my-app` (what `<name>` stands for in the guide). */
const scaffold = readdirSync(TEMPLATE, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.tmpl'))
  .map((entry) => path.relative(TEMPLATE, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
  .map((file) => file.slice(0, -'.tmpl'.length).replace(/__NAME__/g, 'my-app'));
/** The folders at the top of a scaffolded app (and `src`, which it has not, so a page naming it is checked). */
const APP_FOLDERS = new Set([...scaffold.filter((f) => f.includes('/')).map((f) => f.split('/')[0] ?? ''), 'src']);

/** The guide's pages whose examples (`file=`) are files of an app. */
const GUIDE = [
  'README.md',
  ...readdirSync(path.join(repo, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const exampleFiles = GUIDE.flatMap((page) =>
  codeBlocks(readFileSync(path.join(repo, page), 'utf8'), page).flatMap((block) =>
    block.attributes.file === undefined ? [] : [{ file: block.attributes.file, where: `${page}:${block.line - 1}` }],
  ),
);

/** A path the guide names, with `<placeholder>` segments, as a pattern over the scaffold's files. */
const pattern = (named: string) =>
  new RegExp(`^${named.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<[^>/]+>/g, '[^/]+')}${named.endsWith('/') ? '' : '$'}`);

/**
 * Whether a file sits where the scaffold would put it: at the top (a config file), or in one of
 * its folders at the same depth as a scaffold file there, with the same file name when deeper
 * (`lambdas/<function>/handler.ts`).
 */
function laidOutAsScaffold(file: string): boolean {
  const parts = file.split('/');
  if (parts.length === 1) return true;
  return scaffold.some((s) => {
    const theirs = s.split('/');
    return theirs.length === parts.length && theirs[0] === parts[0] && (parts.length === 2 || theirs.at(-1) === parts.at(-1));
  });
}

/** The app paths in the page's prose (inline code outside fenced blocks) under a folder an app has. */
function appPathsNamed(page: string): { path: string; line: number }[] {
  const found: { path: string; line: number }[] = [];
  let fenced = false;
  readFileSync(path.join(repo, page), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text.startsWith('```')) fenced = !fenced;
      if (fenced) return;
      for (const match of text.matchAll(/`([\w.<>-]+(?:\/[\w.<>-]*)+)`/g)) {
        const named = match[1] ?? '';
        if (APP_FOLDERS.has(named.split('/')[0] ?? '')) found.push({ path: named, line: index + 1 });
      }
    });
  return found;
}

describe('the paths the guide names for an app', () => {
  it('are files of the scaffold, or of an example the guide shows, in docs/getting-started.md', () => {
    const named = appPathsNamed('docs/getting-started.md');
    expect(named.length).toBeGreaterThan(0);
    const missing = named.filter(
      (n) =>
        !scaffold.some((file) => pattern(n.path).test(file)) &&
        !exampleFiles.some((e) => e.file === n.path || pattern(n.path).test(e.file)),
    );
    expect(
      missing.map((n) => `docs/getting-started.md:${n.line}: ${n.path}`),
      `not a file of the scaffold (${scaffold.join(', ')}) nor an example's`,
    ).toEqual([]);
  });

  it("lay every example's file out as the scaffold lays out its own", () => {
    const misplaced = exampleFiles.filter((e) => !laidOutAsScaffold(e.file));
    expect(
      misplaced.map((e) => `${e.where}: ${e.file}`),
      `the scaffold has ${scaffold.join(', ')}: a function's handler is lambdas/<function>/handler.ts`,
    ).toEqual([]);
  });
});
