import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { TagStore } from '../store/tag-store.js';

/**
 * Each key's secret material, kept in the data folder so what was encrypted before a
 * restart still decrypts after it. Created on first use, never exported.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kms_key_material (
  key_id TEXT PRIMARY KEY,
  material BLOB NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kms_managed_alias (
  alias TEXT PRIMARY KEY,
  key_id TEXT NOT NULL
) WITHOUT ROWID;
`;

export class KmsStore {
  /** Keys' tags, by the key's ARN (the template's keys': their Tags at each start). */
  readonly tags: TagStore;

  constructor(private readonly db: DatabaseSync) {
    db.exec(SCHEMA);
    this.tags = new TagStore(db);
  }

  /** The key's 256-bit material and when it was first used, created now if the key has none yet. */
  material(keyId: string, now: number): { material: Buffer; createdAt: number } {
    const found = this.db.prepare('SELECT material, created_at FROM kms_key_material WHERE key_id = ?').get(keyId) as
      | { material: Uint8Array; created_at: number }
      | undefined;
    if (found !== undefined) return { material: Buffer.from(found.material), createdAt: found.created_at };
    const material = randomBytes(32);
    this.db.prepare('INSERT OR IGNORE INTO kms_key_material (key_id, material, created_at) VALUES (?, ?, ?)').run(keyId, material, now);
    return this.material(keyId, now);
  }

  /** AWS managed keys used so far (`alias/aws/<service>` -> key id): they keep existing after a restart. */
  managedAliases(): { alias: string; key_id: string }[] {
    return this.db.prepare('SELECT alias, key_id FROM kms_managed_alias').all() as unknown as { alias: string; key_id: string }[];
  }

  addManagedAlias(alias: string, keyId: string): void {
    this.db.prepare('INSERT OR IGNORE INTO kms_managed_alias (alias, key_id) VALUES (?, ?)').run(alias, keyId);
  }
}
