import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
/** The production folders: the package, the app, the runtime and the operator tools. */
const FOLDERS = ['bin', 'cli', 'clients', 'config', 'contracts', 'domain', 'inspect', 'lambdas', 'lib', 'local'];

/** Every relative import of a TypeScript file (type-only ones too: they tie modules together as much for a reader). */
function importsOf(file: string, source: string): string[] {
  const found: string[] = [];
  for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
    const target = path.resolve(path.dirname(file), String(specifier)).replace(/\.js$/, '.ts');
    found.push(target);
  }
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The import graph of `files`, restricted to edges between them. */
function graphOf(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  return new Map(files.map((file) => [file, importsOf(file, read(file)).filter((target) => known.has(target))]));
}

/** One cycle per strongly connected group of modules that import each other (Tarjan's algorithm). */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indexOf.get(next) ?? 0));
      }
    }
    if (low.get(node) !== indexOf.get(node)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

describe('the import graph', () => {
  it('has no circle: every module can be read, tested and changed after the ones it imports', () => {
    const files = FOLDERS.flatMap((folder) => tsFiles(path.join(repo, folder)));
    expect(files.length).toBeGreaterThan(300);
    const found = circles(graphOf(files, (file) => readFileSync(file, 'utf8'))).map((group) =>
      group.map((file) => path.relative(repo, file)),
    );
    expect(found).toEqual([]);
  });

  it('finds a circle of two modules, type-only imports included (the check itself)', () => {
    const sources: Record<string, string> = {
      '/x/a.ts': "import { b } from './b.js';\nexport const a = 1;",
      '/x/b.ts': "import type { A } from './a.js';\nexport const b = 2;",
      '/x/c.ts': "import { a } from './a.js';",
    };
    const graph = graphOf(Object.keys(sources), (file) => sources[file] ?? '');
    expect(circles(graph)).toEqual([['/x/a.ts', '/x/b.ts']]);
  });
});
