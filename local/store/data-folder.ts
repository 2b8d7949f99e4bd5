import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * All local state lives under one folder (git-ignored; `--data` or SWITCHYARD_DATA to
 * move it). Each service keeps its own SQLite database there: SQLite in WAL mode commits
 * a transaction before the call returns, so a SIGKILL at any moment loses nothing that
 * was acknowledged (only an OS crash could lose the last commits; synchronous=NORMAL).
 */
export class DataFolder {
  constructor(readonly root: string) {
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
    return openDatabase(path.join(this.root, `${name}.sqlite`));
  }

  /** Whether `<root>/<name>.sqlite` exists, without opening or creating it. */
  hasDatabase(name: string): boolean {
    return existsSync(path.join(this.root, `${name}.sqlite`));
  }
}

/**
 * Opens (creating if needed) a SQLite database tuned for a single-process durable store;
 * `:memory:` for tests. synchronous=NORMAL keeps every commit safe from a process crash
 * (what the runtime promises) and the database safe from corruption on power loss. The
 * WAL is checkpointed every 10,000 pages (about 40 MiB) instead of SQLite's 1,000, because
 * each checkpoint syncs to disk and execution histories write a lot; the WAL file is cut
 * back to 64 MiB after a checkpoint.
 */
export function openDatabase(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA wal_autocheckpoint = 10000;
    PRAGMA journal_size_limit = 67108864;
    PRAGMA busy_timeout = 5000;
    PRAGMA foreign_keys = ON;
  `);
  return db;
}
