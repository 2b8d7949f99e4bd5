import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * All local state lives under one folder (git-ignored; `--data` or SWITCHYARD_DATA to
 * move it). Each service keeps its own SQLite database there: SQLite in WAL mode commits
 * a transaction before the call returns, so a SIGKILL at any moment loses nothing that
 * was acknowledged. What an OS crash or a power loss could cost depends on its kind
 * (DataFolderKind): a kept folder's last commits, a disposable one's databases.
 */
export class DataFolder {
  constructor(
    readonly root: string,
    /** @default 'kept' */
    readonly kind: DataFolderKind = 'kept',
  ) {
    mkdirSync(root, { recursive: true });
  }

  /** A sub-folder for a service that keeps files of its own (the DynamoDB engine's database). */
  folder(name: string): string {
    const dir = path.join(this.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Opens (creating if needed) the SQLite database `<root>/<name>.sqlite`. */
  database(name: string): DatabaseSync {
    return openDatabase(path.join(this.root, `${name}.sqlite`), this.kind);
  }

  /** Whether `<root>/<name>.sqlite` exists, without opening or creating it. */
  hasDatabase(name: string): boolean {
    return existsSync(path.join(this.root, `${name}.sqlite`));
  }
}

/**
 * What a data folder's databases owe the disk. Either way a commit is written to the OS
 * before the call returns, so a process crash (a SIGKILL) loses nothing acknowledged.
 * - `kept` (a user's folder, `switchyard dev`'s): synchronous=NORMAL, so that a power loss
 *   or an OS crash may lose the last commits but never corrupts a database.
 * - `disposable` (a folder removed when its runtime stops: a test's): synchronous=OFF,
 *   nothing synced. A fresh folder's 30-odd databases cost a sync each to create, to switch
 *   to WAL and to checkpoint on close, more than the rest of a test runtime's start and
 *   stop; a power loss could corrupt such a folder, which nothing reads after its stop.
 */
export type DataFolderKind = 'kept' | 'disposable';

/**
 * Opens (creating if needed) a SQLite database tuned for a single-process durable store;
 * `:memory:` for tests. Its syncs are the folder's kind's (DataFolderKind), set before the
 * switch to WAL, which is itself a commit. The WAL is checkpointed every 10,000 pages
 * (about 40 MiB) instead of SQLite's 1,000, because each checkpoint syncs to disk and
 * execution histories write a lot; the WAL file is cut back to 64 MiB after a checkpoint.
 */
export function openDatabase(file: string, kind: DataFolderKind = 'kept'): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec(`
    PRAGMA synchronous = ${kind === 'disposable' ? 'OFF' : 'NORMAL'};
    PRAGMA journal_mode = WAL;
    PRAGMA wal_autocheckpoint = 10000;
    PRAGMA journal_size_limit = 67108864;
    PRAGMA busy_timeout = 5000;
    PRAGMA foreign_keys = ON;
  `);
  return db;
}
