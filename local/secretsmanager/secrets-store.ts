import type { DatabaseSync } from 'node:sqlite';
import { type AddedColumn, addMissingColumns } from '../store/added-columns.js';
import { TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';

/**
 * Secrets, their versions and the staging labels on them. A label (AWSCURRENT,
 * AWSPREVIOUS, AWSPENDING or a custom one) is on at most one version of a secret: the
 * primary key says so. `template_value` remembers what the template last declared, so a
 * restart keeps a value put (or generated) earlier and only a changed template writes anew.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS sm_secret (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  description TEXT,
  kms_key_id TEXT,
  created_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  accessed_at INTEGER,
  template_value TEXT,
  deletion_date INTEGER,
  rotation_lambda_arn TEXT,
  rotation_rules TEXT,
  rotation_enabled INTEGER,
  last_rotated_at INTEGER,
  resource_policy TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sm_version (
  name TEXT NOT NULL,
  version_id TEXT NOT NULL,
  secret_string TEXT,
  secret_binary BLOB,
  created_at INTEGER NOT NULL,
  accessed_at INTEGER,
  seq INTEGER,
  PRIMARY KEY (name, version_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sm_stage (
  name TEXT NOT NULL,
  stage TEXT NOT NULL,
  version_id TEXT NOT NULL,
  PRIMARY KEY (name, stage)
) WITHOUT ROWID;
`;

export interface SecretRow {
  name: string;
  arn: string;
  description: string | null;
  kms_key_id: string | null;
  created_at: number;
  changed_at: number;
  accessed_at: number | null;
  template_value: string | null;
  /** When a secret DeleteSecret scheduled for deletion goes (epoch ms); null for one not scheduled. */
  deletion_date: number | null;
  /** RotateSecret's function, rules (RotationRules as JSON) and whether rotation is on (1), as it last configured them. */
  rotation_lambda_arn: string | null;
  rotation_rules: string | null;
  rotation_enabled: number | null;
  /** When a rotation last finished (epoch ms). */
  last_rotated_at: number | null;
  /** PutResourcePolicy's document, as it was put. */
  resource_policy: string | null;
}

/** The columns a data folder of an earlier version lacks, added on open. */
const ADDED_COLUMNS: readonly AddedColumn[] = [
  { table: 'sm_secret', column: 'deletion_date', definition: 'INTEGER' },
  { table: 'sm_secret', column: 'rotation_lambda_arn', definition: 'TEXT' },
  { table: 'sm_secret', column: 'rotation_rules', definition: 'TEXT' },
  { table: 'sm_secret', column: 'rotation_enabled', definition: 'INTEGER' },
  { table: 'sm_secret', column: 'last_rotated_at', definition: 'INTEGER' },
  { table: 'sm_secret', column: 'resource_policy', definition: 'TEXT' },
  { table: 'sm_version', column: 'accessed_at', definition: 'INTEGER' },
  { table: 'sm_version', column: 'seq', definition: 'INTEGER' },
];

export interface VersionRow {
  name: string;
  version_id: string;
  secret_string: string | null;
  secret_binary: Uint8Array | null;
  created_at: number;
}

/** A version as ListSecretVersionIds lists it: when it was last read (to the day) besides. */
export interface ListedVersion extends VersionRow {
  accessed_at: number | null;
}

/** A secret's fields set after it is made (by use, deletion, rotation, a policy), none of them on insert. */
type LaterFields =
  | 'accessed_at'
  | 'deletion_date'
  | 'rotation_lambda_arn'
  | 'rotation_rules'
  | 'rotation_enabled'
  | 'last_rotated_at'
  | 'resource_policy';

type SecretFields = Partial<Pick<SecretRow, 'description' | 'kms_key_id' | 'template_value' | 'changed_at' | LaterFields>>;

export class SecretsStore {
  /** Secrets' tags, by the secret's ARN. */
  readonly tags: TagStore;

  constructor(private readonly db: DatabaseSync) {
    db.exec(SCHEMA);
    addMissingColumns(db, ADDED_COLUMNS);
    // Before the TagStore, `sm_secret`'s `tags` column held each secret's `[{ Key, Value }]` (NULL: none given).
    this.tags = new TagStore(db, { table: 'sm_secret', tagsColumn: 'tags', arnColumn: 'arn' });
  }

  /** A secret by name or ARN. */
  find(nameOrArn: string): SecretRow | undefined {
    return this.db.prepare('SELECT * FROM sm_secret WHERE name = ? OR arn = ?').get(nameOrArn, nameOrArn) as SecretRow | undefined;
  }

  all(): SecretRow[] {
    return this.db.prepare('SELECT * FROM sm_secret ORDER BY name').all() as unknown as SecretRow[];
  }

  /** Removes a secret with its versions, labels and tags (a deletion forced, or its recovery window over). */
  purge(secret: SecretRow): void {
    inTransaction(this.db, () => {
      for (const table of ['sm_stage', 'sm_version', 'sm_secret']) this.db.prepare(`DELETE FROM ${table} WHERE name = ?`).run(secret.name);
      this.tags.forget(secret.arn);
    });
  }

  insert(row: Omit<SecretRow, LaterFields>): void {
    this.db
      .prepare(
        'INSERT INTO sm_secret (name, arn, description, kms_key_id, created_at, changed_at, template_value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(row.name, row.arn, row.description, row.kms_key_id, row.created_at, row.changed_at, row.template_value);
  }

  update(name: string, fields: SecretFields): void {
    for (const [column, value] of Object.entries(fields)) {
      this.db.prepare(`UPDATE sm_secret SET ${column} = ? WHERE name = ?`).run(value ?? null, name);
    }
  }

  version(name: string, versionId: string): VersionRow | undefined {
    return this.db.prepare('SELECT * FROM sm_version WHERE name = ? AND version_id = ?').get(name, versionId) as VersionRow | undefined;
  }

  versionAt(name: string, stage: string): VersionRow | undefined {
    return this.db
      .prepare(
        'SELECT v.* FROM sm_version v JOIN sm_stage s ON s.name = v.name AND s.version_id = v.version_id WHERE s.name = ? AND s.stage = ?',
      )
      .get(name, stage) as VersionRow | undefined;
  }

  /** Staging labels by version id (DescribeSecret's VersionIdsToStages). */
  stages(name: string): Map<string, string[]> {
    const rows = this.db.prepare('SELECT stage, version_id FROM sm_stage WHERE name = ? ORDER BY stage').all(name) as {
      stage: string;
      version_id: string;
    }[];
    const byVersion = new Map<string, string[]>();
    for (const row of rows) byVersion.set(row.version_id, [...(byVersion.get(row.version_id) ?? []), row.stage]);
    return byVersion;
  }

  /**
   * Adds a version with the given labels in one transaction. Moving AWSCURRENT to it moves
   * AWSPREVIOUS to the version that was current, as Secrets Manager does.
   */
  addVersion(version: VersionRow, stages: readonly string[]): void {
    inTransaction(this.db, () => {
      const existing = this.version(version.name, version.version_id);
      if (existing) {
        // A version RotateSecret made without a value (AWSPENDING), given one by the rotation function.
        this.db
          .prepare('UPDATE sm_version SET secret_string = ?, secret_binary = ? WHERE name = ? AND version_id = ?')
          .run(version.secret_string, version.secret_binary, version.name, version.version_id);
      } else {
        this.db
          .prepare(
            'INSERT INTO sm_version (name, version_id, secret_string, secret_binary, created_at, seq) ' +
              'VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sm_version WHERE name = ?))',
          )
          .run(version.name, version.version_id, version.secret_string, version.secret_binary, version.created_at, version.name);
      }
      // A version made current ends a rotation its predecessor was in (AWS's recorded answers: the old one keeps AWSPREVIOUS alone).
      const current = this.versionAt(version.name, 'AWSCURRENT');
      if (stages.includes('AWSCURRENT') && current && this.versionAt(version.name, 'AWSPENDING')?.version_id === current.version_id) {
        this.removeStage(version.name, 'AWSPENDING');
      }
      for (const stage of stages) this.moveStage(version.name, stage, version.version_id);
      this.db.prepare('UPDATE sm_secret SET changed_at = ? WHERE name = ?').run(version.created_at, version.name);
    });
  }

  /**
   * Puts a label on a version (taking it off the version that had it). Moving AWSCURRENT moves
   * AWSPREVIOUS to the version that was current, as Secrets Manager does.
   */
  moveStage(name: string, stage: string, versionId: string): void {
    inTransaction(this.db, () => {
      if (stage === 'AWSCURRENT') {
        const current = this.versionAt(name, 'AWSCURRENT');
        if (current && current.version_id !== versionId) this.#label(name, 'AWSPREVIOUS', current.version_id);
      }
      this.#label(name, stage, versionId);
    });
  }

  /** Takes a label off the version that has it. */
  removeStage(name: string, stage: string): void {
    this.db.prepare('DELETE FROM sm_stage WHERE name = ? AND stage = ?').run(name, stage);
  }

  /** Removes a version and its labels (the AWSPENDING version RotateSecret made to test a rotation without running it). */
  removeVersion(name: string, versionId: string): void {
    inTransaction(this.db, () => {
      this.db.prepare('DELETE FROM sm_stage WHERE name = ? AND version_id = ?').run(name, versionId);
      this.db.prepare('DELETE FROM sm_version WHERE name = ? AND version_id = ?').run(name, versionId);
    });
  }

  /** A secret's versions in the order they were made. */
  versions(name: string): ListedVersion[] {
    return this.db
      .prepare('SELECT * FROM sm_version WHERE name = ? ORDER BY COALESCE(seq, 0), created_at')
      .all(name) as unknown as ListedVersion[];
  }

  /** Notes that a version was read, to the day (ListSecretVersionIds' LastAccessedDate). */
  accessed(name: string, versionId: string, day: number): void {
    this.db.prepare('UPDATE sm_version SET accessed_at = ? WHERE name = ? AND version_id = ?').run(day, name, versionId);
  }

  #label(name: string, stage: string, versionId: string): void {
    this.db.prepare('INSERT OR REPLACE INTO sm_stage (name, stage, version_id) VALUES (?, ?, ?)').run(name, stage, versionId);
  }
}
