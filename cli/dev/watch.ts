import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import * as path from 'node:path';

/** Which files of the project are the app's sources (cdk.json's `watch`, as `cdk watch` reads it). */
export interface WatchPatterns {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Project-relative folders switchyard dev writes itself, taken by name (not as globs: a folder may be named `data[1]`). */
  readonly ownFolders?: readonly string[];
}

/**
 * Never sources, whatever cdk.json says (as `cdk watch` leaves out its output folder,
 * dotfiles and node_modules): dependencies, build and synth output, and dot-folders such
 * as .git and .switchyard, where switchyard dev itself writes.
 */
const ALWAYS_EXCLUDED_SEGMENTS = new Set(['node_modules', 'cdk.out']);
/** Left out when cdk.json has no `watch`: the usual build output folder too. */
const DEFAULT_PATTERNS: WatchPatterns = { include: ['**'], exclude: ['dist', 'cdk.out'] };

/**
 * The patterns (cdk.json's `watch`, or the defaults) without a folder dev writes itself: a
 * `--data` folder inside the project holds the runtime's state, whose writes are never the
 * app's changes.
 */
export function excludingFolder(patterns: WatchPatterns | undefined, root: string, folder: string): WatchPatterns {
  const base = patterns ?? DEFAULT_PATTERNS;
  const relative = path.relative(root, folder);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return base;
  return { ...base, ownFolders: [...(base.ownFolders ?? []), relative.split(path.sep).join('/')] };
}

/** Whether a project-relative path (with `/` separators) is a source by the patterns. */
export function isSource(relative: string, patterns: WatchPatterns): boolean {
  return !isExcluded(relative, patterns) && patterns.include.some((glob) => path.matchesGlob(relative, glob));
}

/**
 * Why a path is left out: `never` a source (a dot-folder, node_modules, cdk.out, a folder dev
 * writes), or by cdk.json's `watch.exclude` (a pattern matching it or a folder above it:
 * `lib/generated` leaves out all that is in it); undefined when it is not left out.
 */
function exclusion(relative: string, patterns: WatchPatterns): 'never' | 'pattern' | undefined {
  const segments = relative.split('/');
  if (segments.some((segment) => segment.startsWith('.') || ALWAYS_EXCLUDED_SEGMENTS.has(segment))) return 'never';
  if (patterns.ownFolders?.some((folder) => relative === folder || relative.startsWith(`${folder}/`))) return 'never';
  for (let i = 1; i <= segments.length; i++) {
    const prefix = segments.slice(0, i).join('/');
    if (patterns.exclude.some((glob) => path.matchesGlob(prefix, glob))) return 'pattern';
  }
  return undefined;
}

function isExcluded(relative: string, patterns: WatchPatterns): boolean {
  return exclusion(relative, patterns) !== undefined;
}

/**
 * How long the sources stay quiet before a change is applied: an editor's save (a write, or a
 * temporary file renamed over the source) ends within a few milliseconds, and every millisecond
 * here is one more before the edit runs. webpack's watcher waits as long by default
 * (`watchOptions.aggregateTimeout`, 20: https://webpack.js.org/configuration/watch).
 */
const QUIET_MS = 20;

/**
 * Watches the project's sources and calls `changed` with the files that changed, once they
 * have been quiet for `quietMs` (an editor's save: one call; a git checkout that writes for
 * longer: a call per pause, each applied after the one before). Each folder
 * not excluded is watched on its own, so node_modules is never walked; folders created later
 * are watched when they appear.
 */
export class SourceWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  /** Folders inside a nested node_modules watched because the synthesis listed them (watchListed). */
  readonly #listed = new Set<string>();
  readonly #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  private readonly patterns: WatchPatterns;

  constructor(
    private readonly root: string,
    patterns: WatchPatterns | undefined,
    private readonly changed: (files: readonly string[]) => void,
    private readonly onError: (error: Error) => void,
    private readonly quietMs = QUIET_MS,
    /**
     * Whether the app reads a file (its synthesis, or a function's code): such a file is a source
     * whatever cdk.json's `watch` says. CDK's template excludes `**\/*.js` as tsc's output, and a
     * JS resolver or handler the synthesis reads is then left out, its edits unseen.
     */
    private readonly appReads: (file: string) => boolean = () => false,
  ) {
    this.patterns = patterns ?? DEFAULT_PATTERNS;
    this.#watchTree(root);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  /**
   * Watches the folders the synthesis listed (an asset it fingerprinted and copied) that lie in
   * a node_modules inside the project's sources: a Node.js layer's code is
   * `<layer>/nodejs/node_modules/<package>` (Lambda's layout), so an edit of it is the app's
   * change, not an install's. The project's own node_modules (its dependencies) and what
   * dot-folders or cdk.out hold stay out. Each listed folder is watched alone (CDK lists every
   * folder it walks); a file in one counts when the app reads it (`appReads`).
   */
  watchListed(folders: Iterable<string>): void {
    for (const folder of folders) {
      const relative = path.relative(this.root, folder).split(path.sep).join('/');
      if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) continue;
      const segments = relative.split('/');
      if (segments[0] === 'node_modules' || !segments.includes('node_modules')) continue;
      if (segments.some((segment) => segment.startsWith('.') || segment === 'cdk.out')) continue;
      if (this.#closed || this.#watchers.has(folder)) continue;
      let watcher: FSWatcher;
      try {
        watcher = watch(folder, (_event, name) => this.#onListedEvent(folder, name === null ? undefined : String(name)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
        throw error;
      }
      watcher.on('error', (error) => {
        watcher.close();
        this.#watchers.delete(folder);
        this.#listed.delete(folder);
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EPERM') this.onError(error);
      });
      this.#watchers.set(folder, watcher);
      this.#listed.add(folder);
    }
  }

  #onListedEvent(folder: string, name: string | undefined): void {
    if (this.#closed || name === undefined) return;
    const file = path.join(folder, name);
    if (!this.appReads(file)) return;
    this.#report(path.relative(this.root, file).split(path.sep).join('/'));
  }

  #watchTree(folder: string): void {
    if (this.#closed || this.#watchers.has(folder)) return;
    const relative = path.relative(this.root, folder).split(path.sep).join('/');
    if (relative !== '' && isExcluded(relative, this.patterns)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, (_event, name) => this.#onEvent(folder, name === null ? undefined : String(name)));
    } catch (error) {
      // A folder removed between listing and watching has nothing left to watch.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    watcher.on('error', (error) => {
      watcher.close();
      this.#watchers.delete(folder);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EPERM') this.onError(error);
    });
    this.#watchers.set(folder, watcher);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) this.#watchTree(path.join(folder, entry.name));
    }
  }

  #onEvent(folder: string, name: string | undefined): void {
    if (this.#closed) return;
    const file = name === undefined ? folder : path.join(folder, name);
    const relative = path.relative(this.root, file).split(path.sep).join('/');
    const excluded = relative === '' ? 'never' : exclusion(relative, this.patterns);
    if (excluded === 'never') return;
    if (isDirectory(file)) {
      if (excluded !== undefined) return;
      this.#watchTree(file);
      // A folder moved in brings its files along: each of them is new to the app.
      if (!isSource(relative, this.patterns) && !this.patterns.include.some((glob) => path.matchesGlob(`${relative}/x`, glob))) return;
    } else if (!isSource(relative, this.patterns) && !this.appReads(file)) return;
    this.#report(relative);
  }

  #report(relative: string): void {
    this.#pending.add(relative);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const files = [...this.#pending].sort();
      this.#pending.clear();
      this.changed(files);
    }, this.quietMs);
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch (error) {
    // Removed already: a deleted file is a change like any other.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
