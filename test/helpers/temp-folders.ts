import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';

/** Folders of a test's own (`<tmp>/<prefix>XXXXXX`), removed after each test of the file (or describe) that calls this. */
export function useTempFolders(prefix: string) {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  const folder = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    folders.push(dir);
    return dir;
  };
  return {
    folder,
    /** A new folder holding `files`. */
    withFiles(files: Readonly<Record<string, string>>): string {
      const dir = folder();
      writeFiles(dir, files);
      return dir;
    },
  };
}

/** Writes `files` (a path below `root` → its content) in `root`, making the folders on the way. */
export function writeFiles(root: string, files: Readonly<Record<string, string>>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
}

/** Writes in `root` an assembly (its manifest) in each of `dirs`, each synthesized a minute after the one before. */
export function assembliesIn(root: string, ...dirs: string[]): string {
  dirs.forEach((dir, index) => {
    const manifest = path.join(root, dir, 'manifest.json');
    writeFiles(root, { [path.join(dir, 'manifest.json')]: '{}' });
    const time = new Date(Date.UTC(2026, 0, 1, 0, index));
    utimesSync(manifest, time, time);
  });
  return root;
}
