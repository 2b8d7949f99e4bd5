import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');

/** The folders git holds directly under `folder` ('' for the top), as `<folder>/<name>/`. */
function trackedFolders(folder: string): string[] {
  const files = execFileSync('git', ['ls-files', '--', folder || '.'], { cwd: repo, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const prefix = folder ? `${folder}/` : '';
  const names = files.map((file) => file.slice(prefix.length).split('/')).filter((parts) => parts.length > 1);
  return [...new Set(names.map(([name]) => `${prefix}${name}/`))].sort();
}

/** The paths named (in backquotes) in the first cell of each row of docs/repository.md's layout tables (its Layout section). */
function layoutNames(text: string): string[] {
  const layout = text.slice(text.indexOf('## Layout'), text.indexOf('\n## ', text.indexOf('## Layout') + 1));
  return layout
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split(' | ')[0] ?? '').matchAll(/`([^`]+)`/g)].map(([, name]) => String(name)));
}

/** The folders (of `folders`) the layout tables do not name. */
function unnamed(text: string, folders: readonly string[]): string[] {
  const named = new Set(layoutNames(text));
  return folders.filter((folder) => !named.has(folder) && ![...named].some((name) => name.startsWith(folder)));
}

describe('docs/repository.md, the map of the repository', () => {
  const text = readFileSync(path.join(repo, 'docs', 'repository.md'), 'utf8');

  it('names every folder at the top, in local/ and in local/lambda/ in its layout tables', () => {
    const folders = ['', 'local', 'local/lambda'].flatMap(trackedFolders);
    expect(folders).toContain('local/lambda/runtime/');
    expect(unnamed(text, folders)).toEqual([]);
  });

  it('names no file or folder that is not there', () => {
    const names = layoutNames(text);
    expect(names.length).toBeGreaterThan(60);
    expect(names.filter((name) => !existsSync(path.join(repo, name)))).toEqual([]);
  });

  it('fails if a folder is missing from the tables, or a row names one that is gone (the check itself)', () => {
    const table =
      '## Layout\n\n| folder | what it holds |\n| --- | --- |\n| `local/lambda/` | Lambda |\n| `lib/constructs/`, `lib/flows/` | x |\n\n## Next\n';
    expect(layoutNames(table)).toEqual(['local/lambda/', 'lib/constructs/', 'lib/flows/']);
    expect(unnamed(table, ['local/lambda/', 'local/sqs/', 'lib/'])).toEqual(['local/sqs/']);
  });
});

/** Lines of `text` that are a merge's conflict markers (`<<<<<<< HEAD`, `>>>>>>> fix/x`), in a comment too. */
function conflictMarkers(text: string): string[] {
  const marker = new RegExp(`^(\\s*(\\*|//|#)?\\s*)(${'<'.repeat(7)}|${'>'.repeat(7)}) \\S`);
  return text.split('\n').filter((line) => marker.test(line));
}

describe('the repository', () => {
  it('holds no conflict markers a merge left behind (in a doc comment they compile, and in docs they render)', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: repo, encoding: 'utf8' }).split('\0').filter(Boolean);
    const texts = files.filter((file) => /\.(ts|mts|mjs|js|md|json|py|yml|yaml|html|css)$/.test(file) && existsSync(path.join(repo, file)));
    const left = texts.flatMap((file) =>
      conflictMarkers(readFileSync(path.join(repo, file), 'utf8')).map((line) => `${file}: ${line.trim()}`),
    );
    expect(left).toEqual([]);
  });

  it('fails if a line is a conflict marker, bare or in a comment (the check itself)', () => {
    const open = `${'<'.repeat(7)} HEAD`;
    const close = `${'>'.repeat(7)} fix/redrive`;
    expect(conflictMarkers(`a\n${open}\nb\n * ${close}\n// ${open}\nc <<<< d`)).toEqual([open, ` * ${close}`, `// ${open}`]);
  });
});
