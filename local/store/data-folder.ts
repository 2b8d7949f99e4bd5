import { mkdirSync } from 'node:fs';
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

  /** A sub-folder for a service that keeps files of its own (dynalite's LevelDB). */
  folder(name: string): string {
    const dir = path.join(this.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Opens (creating if needed) the SQLite database `<root>/<name>.sqlite`. */
  database(name: string): DatabaseSync {
    return openDatabase(path.join(this.root, `${name}.sqlite`));
  }
}

/** Opens a SQLite database tuned for a single-process durable store; `:memory:` for tests. */
export function openDatabase(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  return db;
}
