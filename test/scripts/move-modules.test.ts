import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MoveListError, moveModules } from '../../scripts/move-modules.mjs';
import { useTempFolders, writeFiles } from '../helpers/temp-folders.js';

const { folder } = useTempFolders('switchyard-move-modules-');
const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });

/** A git repository holding `files`, committed. */
function repoWith(files: Record<string, string>): string {
  const root = folder();
  writeFiles(root, files);
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'start');
  return root;
}

const MOVES = {
  moves: [
    { from: 'local/leaf/', to: 'local/ai/' },
    { from: 'local/clock.ts', to: 'local/time/clock.ts' },
    { from: 'clients/', to: 'views/' },
  ],
  mentions: ["'leaf'"],
};

/** A small repository whose imports, docs and configs point at what MOVES moves. */
function sampleRepo(): string {
  return repoWith({
    'moves.json': JSON.stringify(MOVES),
    'local/clock.ts': "import { id } from './leaf/engine.js';\nexport const now = () => id;\n",
    'local/leaf/engine.ts':
      "import { now } from '../clock.js';\nexport const id = 'x';\nexport const at = now;\nexport const type = 'application/.*';\n",
    'local/sqs/queue.ts': [
      "import { now } from '../clock.js';",
      "export { id } from '../leaf/engine.js';",
      "vi.mock('../clock.js');",
      "const lazy = () => import('../leaf/engine.js');",
      "const models = new URL('../leaf/', import.meta.url);",
      "const pieces = path.join('local', 'leaf');",
      '',
    ].join('\n'),
    'console/page.ts': "import { format } from '../clients/format.js';\n",
    'clients/format.ts': 'export const format = String;\n',
    'docs/map.md': 'See [the engine](../local/leaf/engine.ts) and `local/clock.ts`, and `clients/`.\n',
    'local/README.md': 'The engine is `leaf/engine.ts`; time is `clock.ts`. The engine is in local/leaf/.\n',
    'biome.json': JSON.stringify({ patterns: ['../clients/**', '../../clients'], includes: ['clients/**'] }),
    'package.json': JSON.stringify({ scripts: { test: 'vitest run local/leaf' } }),
    'packages/index.mjs': "export const sources = ['cli', 'clients', 'local'];\n",
    'cli/x.ts': 'export {};\n',
  });
}

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');

describe('move-modules', () => {
  it('moves files and folders with git and rewrites the paths that pointed at them', () => {
    const root = sampleRepo();
    const report = moveModules(root, path.join(root, 'moves.json'));

    expect(report.problems).toEqual([]);
    expect(existsSync(path.join(root, 'local/ai/engine.ts'))).toBe(true);
    expect(existsSync(path.join(root, 'local/leaf'))).toBe(false);
    expect(git(root, 'status', '--short')).toMatch(/^RM? local\/clock\.ts -> local\/time\/clock\.ts$/m);
    expect(read(root, 'local/time/clock.ts')).toContain("from '../ai/engine.js'");
    expect(read(root, 'local/ai/engine.ts')).toContain("from '../time/clock.js'");
    // What only looks like a path beside a moved file stays as written.
    expect(read(root, 'local/ai/engine.ts')).toContain("export const type = 'application/.*';");
    expect(read(root, 'local/sqs/queue.ts')).toBe(
      [
        "import { now } from '../time/clock.js';",
        "export { id } from '../ai/engine.js';",
        "vi.mock('../time/clock.js');",
        "const lazy = () => import('../ai/engine.js');",
        "const models = new URL('../ai/', import.meta.url);",
        "const pieces = path.join('local', 'leaf');",
        '',
      ].join('\n'),
    );
    expect(read(root, 'console/page.ts')).toContain("from '../views/format.js'");
    expect(read(root, 'docs/map.md')).toBe('See [the engine](../local/ai/engine.ts) and `local/time/clock.ts`, and `views/`.\n');
    expect(read(root, 'local/README.md')).toBe('The engine is `ai/engine.ts`; time is `time/clock.ts`. The engine is in local/ai/.\n');
    expect(JSON.parse(read(root, 'biome.json'))).toEqual({ patterns: ['../views/**', '../../views'], includes: ['views/**'] });
    expect(read(root, 'package.json')).toContain('vitest run local/ai');
    expect(read(root, 'packages/index.mjs')).toContain("['cli', 'views', 'local']");
  });

  it('reports what it could not rewrite: a path built from pieces', () => {
    const root = sampleRepo();
    const report = moveModules(root, path.join(root, 'moves.json'));
    expect(report.leftMentions).toEqual([expect.stringMatching(/^local\/sqs\/queue\.ts:6: 'leaf': /)]);
  });

  it('changes nothing when run a second time', () => {
    const root = sampleRepo();
    moveModules(root, path.join(root, 'moves.json'));
    git(root, 'add', '-A');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'moved');

    const again = moveModules(root, path.join(root, 'moves.json'));

    expect(again.changed).toEqual([]);
    expect(again.done).toEqual([
      'skipped local/leaf -> local/ai: already moved',
      'skipped local/clock.ts -> local/time/clock.ts: already moved',
      'skipped clients -> views: already moved',
    ]);
    expect(git(root, 'status', '--short')).toBe('');
  });

  it("moves in, and rewrites, a file added at a moved folder's old place since (a later branch merged)", () => {
    const root = sampleRepo();
    moveModules(root, path.join(root, 'moves.json'));
    writeFiles(root, { 'local/leaf/late.ts': "import { now } from '../clock.js';\nimport { id } from './engine.js';\n" });
    git(root, 'add', '-A');

    const again = moveModules(root, path.join(root, 'moves.json'));

    expect(again.done).toContain('moved local/leaf/late.ts -> local/ai/late.ts (added at the old place since the folder moved)');
    expect(read(root, 'local/ai/late.ts')).toBe("import { now } from '../time/clock.js';\nimport { id } from './engine.js';\n");
  });

  it('fails if a move names a path outside the repository', () => {
    const root = repoWith({ 'moves.json': JSON.stringify({ moves: [{ from: '../x', to: 'y' }] }) });
    expect(() => moveModules(root, path.join(root, 'moves.json'))).toThrow(MoveListError);
    expect(() => moveModules(root, path.join(root, 'moves.json'))).toThrow(/moves\[0\]\.from must be a path inside the repository/);
  });
});
