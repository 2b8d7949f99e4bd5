import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { processAlive } from '../../contracts/process-alive.js';

/** Who holds a data folder, as the holder wrote it down for the next one to read. */
export interface DataFolderHolder {
  readonly pid: number;
  /** The command line that started it. */
  readonly command: string;
  /** The endpoint's URL, once it listens. */
  readonly url?: string;
  readonly startedAt: string;
}

/** A data folder that another running runtime holds. */
export class DataFolderInUseError extends Error {
  override readonly name = 'DataFolderInUseError';
  constructor(
    readonly folder: string,
    readonly holder: DataFolderHolder | undefined,
  ) {
    super(
      holder
        ? `the data folder ${folder} is in use by another local runtime: process ${holder.pid}` +
            `${holder.url ? ` listening on ${holder.url}` : ''}, started ${holder.startedAt} by \`${holder.command}\`. ` +
            `Stop it (kill ${holder.pid}) or give this one its own folder (--data <dir>).`
        : `the data folder ${folder} is in use by another local runtime (it has not said which process it is yet); ` +
            'stop it or give this one its own folder (--data <dir>).',
    );
  }
}

const LOCK_FILE = 'runtime.lock';
const HOLDER_FILE = 'runtime.lock.json';

/**
 * One runtime at a time per data folder: two would both deliver the same queued messages
 * and resume the same executions. The lock is SQLite's exclusive lock on
 * `runtime.lock` (an fcntl lock underneath), which the operating system drops when its
 * process ends however it ends, so a SIGKILLed runtime never leaves a stale lock behind,
 * and a reused pid never looks like a holder. Who holds it is written next to it
 * (`runtime.lock.json`) for the message the next runtime gives.
 */
export class DataFolderLock {
  private constructor(
    private readonly db: DatabaseSync,
    private readonly folder: string,
    private holder: DataFolderHolder,
  ) {}

  /** Takes the folder's lock, or throws DataFolderInUseError naming the process that has it. */
  static acquire(folder: string): DataFolderLock {
    const db = new DatabaseSync(path.join(folder, LOCK_FILE));
    try {
      // No busy wait: a held lock answers SQLITE_BUSY at once.
      db.exec('PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if (isBusy(error)) throw new DataFolderInUseError(folder, readHolder(folder));
      throw error;
    }
    const lock = new DataFolderLock(db, folder, {
      pid: process.pid,
      command: [process.execPath, ...process.execArgv, ...process.argv.slice(1)]
        .map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg))
        .join(' '),
      startedAt: new Date().toISOString(),
    });
    lock.#write();
    return lock;
  }

  /** Records the endpoint's URL once it listens, for the message a second runtime gives. */
  listening(url: string): void {
    this.holder = { ...this.holder, url };
    this.#write();
  }

  release(): void {
    if (!this.db.isOpen) return;
    rmSync(path.join(this.folder, HOLDER_FILE), { force: true });
    this.db.close();
  }

  #write(): void {
    writeFileSync(path.join(this.folder, HOLDER_FILE), `${JSON.stringify(this.holder, null, 2)}\n`);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: number }).errcode;
  // SQLITE_BUSY (5) and its extended codes; SQLITE_LOCKED (6) within one process.
  return (code !== undefined && ((code & 0xff) === 5 || (code & 0xff) === 6)) || /database is locked/i.test(String(error));
}

function readHolder(folder: string): DataFolderHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path.join(folder, HOLDER_FILE), 'utf8')) as DataFolderHolder;
    // A holder file left by a runtime that died names nobody (the live holder may not have written its own yet).
    return typeof holder.pid === 'number' && processAlive(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

// The one check of whether a process runs, shared with inspect/ (which reads what switchyard dev leaves on disk).
export { processAlive };
