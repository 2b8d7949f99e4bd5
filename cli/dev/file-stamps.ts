import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A file as it was when something read it: its size and time, and for the project's own
 * files (not a dependency's) a hash of its content, so that a file saved again unchanged, or
 * touched by a checkout, does not count as a change.
 */
export interface FileStamp {
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256?: string;
}

/** A folder the synthesis listed, with what it held. */
export interface FolderStamp {
  readonly folder: string;
  readonly entries: readonly string[];
}

/** Whether a file is a dependency's (inside node_modules): those change only with an install, so their size and time tell. */
function isDependency(file: string): boolean {
  return file.split(path.sep).includes('node_modules');
}

/** Stamps each file that exists (one that does not was read by nobody). */
export function stampFiles(files: Iterable<string>): FileStamp[] {
  const stamps: FileStamp[] = [];
  for (const file of files) {
    const stamp = stampFile(file);
    if (stamp !== undefined) stamps.push(stamp);
  }
  return stamps;
}

function stampFile(file: string): FileStamp | undefined {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return undefined;
    return { file, size: stat.size, mtimeMs: stat.mtimeMs, ...(isDependency(file) ? {} : { sha256: digest(readFileSync(file)) }) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function digest(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The first of the stamped files that is not as it was (changed or gone), else undefined. */
export function firstChanged(stamps: readonly FileStamp[]): string | undefined {
  for (const stamp of stamps) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(stamp.file);
    } catch {
      return stamp.file;
    }
    if (stat.size === stamp.size && stat.mtimeMs === stamp.mtimeMs) continue;
    if (stat.size !== stamp.size || stamp.sha256 === undefined) return stamp.file;
    if (digest(readFileSync(stamp.file)) !== stamp.sha256) return stamp.file;
  }
  return undefined;
}

export function stampFolders(folders: Iterable<string>): FolderStamp[] {
  const stamps: FolderStamp[] = [];
  for (const folder of folders) {
    const entries = entriesOf(folder);
    if (entries !== undefined) stamps.push({ folder, entries });
  }
  return stamps;
}

/** The first listed folder whose entries are not what they were, else undefined. */
export function firstChangedFolder(stamps: readonly FolderStamp[]): string | undefined {
  return stamps.find((stamp) => (entriesOf(stamp.folder) ?? []).join('\n') !== stamp.entries.join('\n'))?.folder;
}

function entriesOf(folder: string): string[] | undefined {
  try {
    return readdirSync(folder).sort();
  } catch {
    return undefined;
  }
}
