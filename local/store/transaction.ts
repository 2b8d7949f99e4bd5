import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` in one SQLite transaction of `db`: committed if it returns, rolled back if it
 * throws. A call inside a transaction already open joins it (its work commits or rolls back
 * with the outer one), so a store's methods can each be atomic and still compose. BEGIN
 * IMMEDIATE takes the write lock at once, so two writers never both read before either writes.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
