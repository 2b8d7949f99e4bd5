import { readFileSync, statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';

/** Where a database's write-ahead log ends now, in bytes (0 when it has none yet): pass it to {@link walPagesByOwner} later. */
export function walEnd(walFile: string): number {
  return statSync(walFile, { throwIfNoEntry: false })?.size ?? 0;
}

/**
 * The pages the log took from byte `from` on, by the table or index each page belongs to now
 * (SQLite's dbstat names it; '(free now)' for a page freed since). Machine-independent: what a
 * commit costs in writes, whatever the CPU. Only meaningful while no checkpoint has restarted
 * the log (open the database with `PRAGMA wal_autocheckpoint = 0`).
 */
export function walPagesByOwner(db: DatabaseSync, walFile: string, from: number): { pages: number; byOwner: Map<string, number> } {
  const log = readFileSync(walFile);
  const pageSize = log.readUInt32BE(8);
  // A frame: a 24-byte header (its page number first), then the page; frames begin after a 32-byte header.
  const first = Math.max(0, Math.ceil((from - 32) / (24 + pageSize)));
  const frames = Math.floor((log.length - 32) / (24 + pageSize));
  const owners = new Map<number, string>();
  for (const row of db.prepare('SELECT name, pageno, pagetype FROM dbstat').all())
    owners.set(Number(row.pageno), `${row.name} (${row.pagetype})`);
  const byOwner = new Map<string, number>();
  for (let frame = first; frame < frames; frame++) {
    const owner = owners.get(log.readUInt32BE(32 + frame * (24 + pageSize))) ?? '(free now)';
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
  }
  return { pages: frames - first, byOwner };
}
