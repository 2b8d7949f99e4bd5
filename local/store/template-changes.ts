import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { canonical } from '../json/canonical-json.js';

/** A resource's settings as kept: JSON values by name, `null` for one left out. */
export type Settings = Readonly<Record<string, unknown>>;

/** A template resource as it runs: the template's, with what the API changed of it that still stands. */
export interface Reconciled<T> {
  readonly definition: T;
  /** When the resource last changed: the API's last change, or when the template first or last gave it anew. */
  readonly changedAt: number;
  /** Whether the API's changes stand on it now. */
  readonly changed: boolean;
}

/**
 * What the API changed of the template's resources (UpdateEventSourceMapping of a mapping,
 * UpdateSchedule of a schedule, DisableRule of a rule), in the service's database, so that a
 * change outlives a restart and a template reload as it outlives a deploy in AWS that leaves
 * the resource alone: each row keeps the template's settings the change was made against,
 * and a setting the template itself changes since (a deploy that sets it) takes the
 * template's value, while the others keep the API's. The settings compared and kept are what
 * `settingsOf` picks of a definition (those an API can change, not a time the service stamps).
 * One table per kind of resource; rows of resources the template no longer has are forgotten.
 */
export class TemplateChanges<T extends object> {
  readonly #statements: Record<'get' | 'save' | 'keys' | 'delete', StatementSync>;

  constructor(
    db: DatabaseSync,
    table: string,
    private readonly settingsOf: (definition: T) => Settings,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      key TEXT PRIMARY KEY, template TEXT NOT NULL, changes TEXT NOT NULL, changed_at INTEGER NOT NULL)`);
    this.#statements = {
      get: db.prepare(`SELECT template, changes, changed_at FROM ${table} WHERE key = ?`),
      save: db.prepare(`INSERT OR REPLACE INTO ${table} (key, template, changes, changed_at) VALUES (?, ?, ?, ?)`),
      keys: db.prepare(`SELECT key FROM ${table}`),
      delete: db.prepare(`DELETE FROM ${table} WHERE key = ?`),
    };
  }

  /**
   * The resource `key` as it runs, from the template's definition of it: with the changes kept
   * for it, less those of the settings the template changed since they were made. A resource
   * seen for the first time is recorded as given now (its `changedAt`).
   */
  reconcile(key: string, template: T, now: number): Reconciled<T> {
    const settings = this.#settings(template);
    const row = this.#statements.get.get(key) as { template: string; changes: string; changed_at: number } | undefined;
    if (row === undefined) {
      this.#statements.save.run(key, JSON.stringify(settings), '{}', now);
      return { definition: template, changedAt: now, changed: false };
    }
    const madeAgainst = JSON.parse(row.template) as Settings;
    let changes = JSON.parse(row.changes) as Settings;
    let changedAt = row.changed_at;
    if (Object.keys({ ...settings, ...madeAgainst }).some((name) => !same(madeAgainst[name], settings[name]))) {
      // The template changed the resource (a deploy): what it changed is its, the rest stays as the API left it.
      changes = Object.fromEntries(Object.entries(changes).filter(([name]) => same(madeAgainst[name], settings[name])));
      changedAt = now;
      this.#statements.save.run(key, JSON.stringify(settings), JSON.stringify(changes), now);
    }
    const changed = Object.keys(changes).length > 0;
    return { definition: changed ? withSettings(template, changes) : template, changedAt, changed };
  }

  /** Keeps how `changed` differs from the template's definition `template` of the resource, changed at `now`. */
  save(key: string, template: T, changed: T, now: number): void {
    const base = this.#settings(template);
    const mine = this.#settings(changed);
    const differences = Object.keys({ ...base, ...mine }).filter((name) => !same(base[name], mine[name]));
    const changes = Object.fromEntries(differences.map((name) => [name, mine[name] ?? null]));
    this.#statements.save.run(key, JSON.stringify(base), JSON.stringify(changes), now);
  }

  forget(key: string): void {
    this.#statements.delete.run(key);
  }

  /** Forgets every resource but those the template has now. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const { key } of this.#statements.keys.all() as { key: string }[]) if (!keys.has(key)) this.#statements.delete.run(key);
  }

  #settings(definition: T): Settings {
    return Object.fromEntries(Object.entries(this.settingsOf(definition)).map(([name, value]) => [name, value ?? null]));
  }
}

/** A definition with some settings replaced (`null`: left out). */
function withSettings<T extends object>(definition: T, settings: Settings): T {
  const next = { ...definition } as Record<string, unknown>;
  for (const [name, value] of Object.entries(settings)) {
    if (value === null || value === undefined) delete next[name];
    else next[name] = value;
  }
  return next as T;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}
