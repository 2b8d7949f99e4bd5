import type { DatabaseSync } from 'node:sqlite';

/** A column a table gained after data folders with the table existed. */
export interface AddedColumn {
  readonly table: string;
  readonly column: string;
  /** Its type and default, as ALTER TABLE ... ADD COLUMN takes them. */
  readonly definition: string;
}

/**
 * Adds each column a table of an older data folder lacks (CREATE TABLE IF NOT EXISTS leaves
 * an existing table as it was): a data folder written by an earlier version opens with
 * its rows kept, the new column empty or at its default.
 */
export function addMissingColumns(db: DatabaseSync, columns: readonly AddedColumn[]): void {
  for (const { table, column, definition } of columns) {
    const present = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!present.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
}
