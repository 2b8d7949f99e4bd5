#!/usr/bin/env node
// Moves files and folders of the repository with `git mv` and rewrites every path that
// pointed at them: relative imports, exports, `import()`, `vi.mock`, `new URL(…, import.meta.url)`
// and any other path in a string or comment of the code, and the paths the docs, READMEs,
// package.json, the vitest, tsconfig and Biome configs and packages/index.mjs name.
//
//     node scripts/move-modules.mjs scripts/moves/<date>.json [--dry-run]
//
// Re-runnable: a move whose source is gone and whose target exists is skipped, a folder whose
// source came back (a file added there since) has the new files moved in, and a path that
// already resolves is left alone, so a second run on the same tree changes nothing and a run on
// a later tree moves and rewrites only what is new. What it cannot rewrite (a mention it cannot
// resolve, a path that resolves two ways) it prints, with file and line, and does not guess.
//
// The move list is JSON: { "moves": [{ "from": "a/b/", "to": "a/c/", "why": "…" }],
// "mentions": ["b/"] } — `mentions` are words whose remaining occurrences are reported after
// the rewrite (a path built from pieces, `path.join('a', 'b')`, is not rewritten).
//
// No dependencies: Node's standard library and git.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Files whose paths are rewritten: code, docs, and the JSON that configures (package.json,
 * tsconfig, Biome, the test durations); other JSON is data (AWS's models: `"application/.*"`).
 */
const TEXT_FILE = /(\.(ts|mts|cts|tsx|js|mjs|cjs|md)|(^|\/)(package|tsconfig[\w.-]*|biome|durations)\.jsonc?)$/;
/** Files never rewritten: history, vendored or recorded data, lockfiles, and the tool's own inputs. */
const NEVER_REWRITTEN = [
  /(^|\/)CHANGELOG\.md$/,
  /(^|\/)package-lock\.json$/,
  /^test\/fixtures\//,
  /^test\/conformance\//,
  /^scripts\/moves\//,
  /^scripts\/move-modules\.mjs$/,
  /^test\/scripts\/move-modules\.test\.ts$/,
  /^docs\/api\//,
];
/** Larger files are data (service models, recorded answers), not code or docs. */
const MAX_TEXT_BYTES = 1_000_000;
/** Extensions a code path may be written with for the same module (`./a.js` is `a.ts`). */
const SAME_MODULE = {
  '.js': ['.ts', '.tsx', '.js'],
  '.mjs': ['.mts', '.mjs'],
  '.cjs': ['.cts', '.cjs'],
  '': ['', '.ts', '.tsx', '/index.ts'],
};

/** A move list that cannot be used. */
export class MoveListError extends Error {
  name = 'MoveListError';
}

const posix = path.posix;
const trimSlash = (p) => p.replace(/\/+$/, '');

/** Reads and checks a move list: every entry needs `from` and `to`, repository-relative. */
export function readMoveList(file) {
  let list;
  try {
    list = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new MoveListError(`${file} is not a readable JSON move list ({ "moves": [{ "from", "to" }] })`, { cause });
  }
  if (!Array.isArray(list.moves)) throw new MoveListError(`${file} has no "moves" array ({ "moves": [{ "from", "to" }] })`);
  const moves = list.moves.map((move, i) => {
    for (const key of ['from', 'to']) {
      const value = move?.[key];
      if (typeof value !== 'string' || value === '' || value.startsWith('/') || value.split('/').includes('..')) {
        throw new MoveListError(
          `${file}: moves[${i}].${key} must be a path inside the repository (like "local/a/"), got ${JSON.stringify(value)}`,
        );
      }
    }
    return { from: trimSlash(move.from), to: trimSlash(move.to) };
  });
  return { moves, mentions: Array.isArray(list.mentions) ? list.mentions.map(String) : [] };
}

/** The tracked files of the repository and the folders that hold them. */
function trackedTree(root) {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\0')
    .filter((file) => file && existsSync(path.join(root, file)));
  const folders = new Set();
  for (const file of files) for (let dir = posix.dirname(file); dir !== '.'; dir = posix.dirname(dir)) folders.add(dir);
  return { files, fileSet: new Set(files), folders };
}

/** Runs the moves with `git mv`; returns what it did and what it could not. */
function applyMoves(root, moves, dryRun) {
  const done = [];
  const problems = [];
  const git = (...args) => dryRun || execFileSync('git', args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  for (const { from, to } of moves) {
    const source = path.join(root, from);
    const target = path.join(root, to);
    if (!existsSync(source)) {
      if (existsSync(target)) done.push(`skipped ${from} -> ${to}: already moved`);
      else problems.push(`${from} -> ${to}: neither the source nor the target exists`);
      continue;
    }
    if (!existsSync(target)) {
      if (!dryRun) mkdirSync(path.dirname(target), { recursive: true });
      git('mv', from, to);
      done.push(`moved ${from} -> ${to}`);
      continue;
    }
    if (!statSync(source).isDirectory() || !statSync(target).isDirectory()) {
      problems.push(`${from} -> ${to}: both exist; move or merge by hand`);
      continue;
    }
    // The folder was moved before and files were added at its old place since: move them in.
    const { files } = trackedTree(root);
    for (const file of files.filter((f) => f.startsWith(`${from}/`))) {
      const moved = to + file.slice(from.length);
      if (existsSync(path.join(root, moved))) {
        problems.push(`${file} -> ${moved}: both exist; merge by hand`);
        continue;
      }
      if (!dryRun) mkdirSync(path.dirname(path.join(root, moved)), { recursive: true });
      git('mv', file, moved);
      done.push(`moved ${file} -> ${moved} (added at the old place since the folder moved)`);
    }
  }
  return { done, problems };
}

/** The extension a path is written with, as SAME_MODULE knows them ('' for none or another). */
function codeExtension(p) {
  const ext = posix.extname(p);
  return ext in SAME_MODULE ? ext : '';
}

/**
 * Where a path written before the moves is now: the same path if nothing moved it. A file move
 * matches the path with any extension the module may be written with (`local/a.js` for
 * `local/a.ts`); the result keeps the extension it was written with.
 */
function mapper(moves) {
  return (p) => {
    for (const { from, to } of moves) {
      if (p === from || p.startsWith(`${from}/`)) return { path: to + p.slice(from.length), under: p === from ? undefined : to };
      const fromExt = posix.extname(from);
      if (fromExt && /\.(m|c)?tsx?$/.test(fromExt)) {
        const ext = posix.extname(p);
        const stem = ext ? p.slice(0, -ext.length) : p;
        if (stem === from.slice(0, -fromExt.length) && (ext === '' || (SAME_MODULE[ext] ?? []).includes(fromExt) || ext === fromExt)) {
          return { path: to.slice(0, -posix.extname(to).length) + ext, under: undefined };
        }
      }
    }
    return undefined;
  };
}

/** Where a file that moved was before (its own relative paths were written from there). */
function unmapper(moves) {
  return (p) => {
    for (const { from, to } of [...moves].reverse()) {
      if (p === to) return from;
      if (p.startsWith(`${to}/`)) return from + p.slice(to.length);
    }
    return p;
  };
}

/** Whether a written path names a tracked file or folder (a module path with any of its extensions). */
function existsIn(tree, p) {
  if (p === '' || p === '.') return true;
  if (tree.fileSet.has(p) || tree.folders.has(p)) return true;
  const ext = codeExtension(p);
  const stem = ext ? p.slice(0, -ext.length) : p;
  return (SAME_MODULE[ext] ?? []).some((candidate) => tree.fileSet.has(stem + candidate));
}

/**
 * The bases a written path may be relative to, each as [now, before the moves, prefix kept]:
 * a `./` or `../` path is relative to its file (or, if that leaves the repository, as Biome's and
 * tsconfig's import patterns are written, to the root); another is relative to the root (past a
 * `dist/`, the build's copy of it) or to its file's folder (a README naming its neighbours).
 */
function bases(token, dirNow, dirBefore) {
  if (token.startsWith('./') || token.startsWith('../')) {
    const inside = posix.normalize(posix.join(dirNow, token));
    if (!inside.startsWith('../')) return [{ now: dirNow, before: dirBefore, prefix: '', rest: token }];
    const ups = token.match(/^(\.\.\/)+/)[0];
    return [{ now: '', before: '', prefix: ups, rest: token.slice(ups.length) }];
  }
  const found = [{ now: '', before: '', prefix: '', rest: token }];
  if (token.startsWith('dist/')) found.push({ now: '', before: '', prefix: 'dist/', rest: token.slice(5) });
  if (dirNow !== '') found.push({ now: dirNow, before: dirBefore, prefix: '', rest: token });
  return found;
}

/** A path written relative to `from`, in the style of the one it replaces (`./`, trailing slash). */
function written(from, to, like) {
  let rel = posix.relative(from, to) || '.';
  // A module path must stay relative (`./a.js`, never `a.js`, which names a package).
  if (like.startsWith('.') && !rel.startsWith('.')) rel = `./${rel}`;
  if (like.endsWith('/') && !rel.endsWith('/')) rel += '/';
  return rel;
}

/**
 * The rewrite of one path-like token of a file, or why it is left: `{ token }` to write,
 * `{ ambiguous }` when it names a moved path one way and an existing one another.
 */
function rewriteToken(token, file, fileBefore, tree, map) {
  const dirNow = posix.dirname(file) === '.' ? '' : posix.dirname(file);
  const dirBefore = posix.dirname(fileBefore) === '.' ? '' : posix.dirname(fileBefore);
  const candidates = bases(token, dirNow, dirBefore);
  const resolvesNow = candidates.some((b) => existsIn(tree, posix.normalize(posix.join(b.now, b.rest)).replace(/\/$/, '')));
  for (const b of candidates) {
    const before = trimSlash(posix.normalize(posix.join(b.before, b.rest)));
    if (before.startsWith('../')) continue;
    const moved = map(before);
    // A path under a moved folder follows the folder even where no file is (a probe, a file
    // to be written); a moved file must be where the move put it.
    const there = moved && (existsIn(tree, moved.path) || (moved.under !== undefined && existsIn(tree, moved.under)));
    const unmovedFromMovedFile = !moved && fileBefore !== file && b.now !== b.before && existsIn(tree, before);
    if (!there && !unmovedFromMovedFile) continue;
    const target = moved ? moved.path : before;
    const replacement = b.prefix + written(b.now, target, b.rest.endsWith('/') ? `${b.rest.replace(/\/$/, '')}/` : b.rest);
    // A path that names, from here, what it named before (a file moved with its neighbours) stays as written.
    if (posix.normalize(posix.join(b.now, replacement)) === posix.normalize(posix.join(b.now, token))) return {};
    if (resolvesNow) return replacement === token ? {} : { ambiguous: `${token} (also ${replacement})` };
    return { token: replacement.endsWith('/') || !token.endsWith('/') ? replacement : `${replacement}/` };
  }
  return {};
}

/** Path-like tokens: letters, digits, `_ . - /`; a path needs a slash or a file extension. */
const TOKEN = /[\w.\-/]+/g;
const PATH_EXTENSION = /\.(ts|mts|cts|tsx|js|mjs|cjs|md|json|jsonc|py|mmd|css|html|tmpl)$/;

/** Files whose folder lists may name a root folder bare: code and the TypeScript configs. */
const BARE_NAMES_IN = /(\.(ts|mts|tsx|js|mjs)|(^|\/)tsconfig[\w.-]*\.json)$/;

/** Whether a line is an element of a list of folders, or a list of them: `'a',` or `['a', 'b', 'c']`. */
function folderList(line, tree) {
  if (/^\s*(['"])[\w.-]+\1,?\s*$/.test(line)) return true;
  const named = [...line.matchAll(/(['"])([\w.-]+)\1/g)].filter(([, , name]) => tree.folders.has(name));
  return named.length >= 2;
}

/** Rewrites one file's text; returns the new text and what it could not rewrite. */
export function rewriteText(text, file, fileBefore, tree, map, rootFolders) {
  const ambiguous = [];
  const lines = text.split('\n');
  const out = lines.map((line, index) => {
    let rewritten = line.replace(TOKEN, (raw, offset) => {
      // A URL, a scoped package (`@aws-sdk/x`) or an absolute path is no repository path.
      const before = line[offset - 1];
      if (raw.startsWith('/') || raw.includes('//') || before === ':' || before === '@' || before === '$') return raw;
      // A sentence's full stop is not part of the path it ends with.
      const token = raw === '.' || /(^|\/)\.\.$/.test(raw) ? raw : raw.replace(/\.+$/, '');
      const tail = raw.slice(token.length);
      if (!token.includes('/') && !PATH_EXTENSION.test(token)) return raw;
      const result = rewriteToken(token, file, fileBefore, tree, map);
      if (result.ambiguous) ambiguous.push(`${file}:${index + 1}: ${result.ambiguous}: left as written`);
      return result.token ? result.token + tail : raw;
    });
    // A root folder named bare in a list of folders (`sources: ['cli', 'clients', ...]`, one
    // per line or several on one) is a path too; a word alone in a string is not.
    if (BARE_NAMES_IN.test(file) && folderList(rewritten, tree)) {
      rewritten = rewritten.replace(/(['"])([\w.-]+)\1/g, (whole, quote, name) => {
        const moved = rootFolders.get(name);
        return moved && !existsIn(tree, name) ? `${quote}${moved}${quote}` : whole;
      });
    }
    return rewritten;
  });
  return { text: out.join('\n'), ambiguous };
}

/** Runs a move list on the repository at `root`; returns the report. */
export function moveModules(root, listFile, { dryRun = false } = {}) {
  const { moves, mentions } = readMoveList(listFile);
  const { done, problems } = applyMoves(root, moves, dryRun);
  const tree = trackedTree(root);
  if (dryRun) {
    // Pretend the moves happened, so that the rewrite below reports what it would do (files
    // are read at their old places, so the dry run lists files by where they are now).
    for (const { from, to } of moves) {
      for (const file of [...tree.fileSet]) {
        if (file !== from && !file.startsWith(`${from}/`)) continue;
        tree.fileSet.delete(file);
        tree.fileSet.add(to + file.slice(from.length));
      }
    }
    tree.folders.clear();
    for (const file of tree.fileSet) for (let dir = posix.dirname(file); dir !== '.'; dir = posix.dirname(dir)) tree.folders.add(dir);
  }
  const map = mapper(moves);
  const before = unmapper(moves);
  const rootFolders = new Map(moves.filter((m) => !m.from.includes('/') && !posix.extname(m.from)).map((m) => [m.from, m.to]));
  const changed = [];
  const ambiguous = [];
  const leftMentions = [];
  for (const read of tree.files) {
    // In a dry run nothing moved: a file is read where it is and rewritten as if it were where it goes.
    const file = dryRun ? (map(read)?.path ?? read) : read;
    if (!TEXT_FILE.test(file) || NEVER_REWRITTEN.some((rule) => rule.test(file))) continue;
    const full = path.join(root, read);
    if (path.resolve(full) === path.resolve(listFile)) continue;
    if (statSync(full).size > MAX_TEXT_BYTES) continue;
    const text = readFileSync(full, 'utf8');
    const result = rewriteText(text, file, before(file), tree, map, rootFolders);
    ambiguous.push(...result.ambiguous);
    if (result.text !== text) {
      changed.push(file);
      if (!dryRun) writeFileSync(full, result.text);
    }
    result.text.split('\n').forEach((line, index) => {
      for (const word of mentions)
        if (line.includes(word)) leftMentions.push(`${file}:${index + 1}: ${word}: ${line.trim().slice(0, 160)}`);
    });
  }
  return { done, problems, changed, ambiguous, leftMentions };
}

function main(argv) {
  const [listFile, ...flags] = argv;
  if (!listFile || flags.some((flag) => flag !== '--dry-run')) {
    console.error('usage: node scripts/move-modules.mjs <moves.json> [--dry-run]');
    return 2;
  }
  const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
  const report = moveModules(root, path.resolve(listFile), { dryRun: flags.includes('--dry-run') });
  for (const line of report.done) console.log(line);
  console.log(`rewrote paths in ${report.changed.length} files${report.changed.length ? `:\n  ${report.changed.join('\n  ')}` : ''}`);
  const unresolved = [...report.problems, ...report.ambiguous, ...report.leftMentions];
  if (unresolved.length > 0) {
    console.log(`\nnot rewritten (${unresolved.length}; check each by hand):`);
    for (const line of unresolved) console.log(`  ${line}`);
  }
  return report.problems.length > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
