import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { canonical } from '../canonical-json.js';
import type { SqsMappingDefinition } from './sqs-event-source.js';

/** The settings of an SQS mapping UpdateEventSourceMapping changes; the rest is the template's alone. */
export const UPDATABLE_SETTINGS = [
  'functionName',
  'functionReference',
  'batchSize',
  'maximumBatchingWindowSeconds',
  'maximumConcurrency',
  'provisionedPollerConfig',
  'reportBatchItemFailures',
  'enabled',
] as const satisfies readonly (keyof SqsMappingDefinition)[];

type Setting = (typeof UPDATABLE_SETTINGS)[number];
/** Settings as stored: JSON values, `null` for one left out. */
type Settings = Partial<Record<Setting, unknown>>;

/** A mapping as it runs, and when it last changed (its creation, a template change, an update). */
export interface ReconciledMapping {
  readonly definition: SqsMappingDefinition;
  readonly lastModified: number;
}

/**
 * What UpdateEventSourceMapping changed of the template's SQS mappings, in the Lambda
 * database (`lambda_event_source_mappings`), so that a pause outlives a restart and a
 * template reload as it outlives a deploy in AWS: each row keeps the template's settings the
 * changes were made against, and a setting the template itself changes since (a deploy that
 * sets it) takes the template's value, while the others keep theirs. A mapping the template
 * no longer has loses its row: one it adds again is a new mapping, as CloudFormation makes it.
 */
export class MappingStore {
  readonly #statements: Record<'get' | 'save' | 'all' | 'delete', StatementSync>;

  constructor(db: DatabaseSync) {
    db.exec(`CREATE TABLE IF NOT EXISTS lambda_event_source_mappings (
      uuid TEXT PRIMARY KEY, template TEXT NOT NULL, changes TEXT NOT NULL, last_modified INTEGER NOT NULL)`);
    this.#statements = {
      get: db.prepare('SELECT template, changes, last_modified FROM lambda_event_source_mappings WHERE uuid = ?'),
      save: db.prepare('INSERT OR REPLACE INTO lambda_event_source_mappings (uuid, template, changes, last_modified) VALUES (?, ?, ?, ?)'),
      all: db.prepare('SELECT uuid FROM lambda_event_source_mappings'),
      delete: db.prepare('DELETE FROM lambda_event_source_mappings WHERE uuid = ?'),
    };
  }

  /** The template's mappings with the changes kept for each, first seen now when new. */
  reconcile(template: readonly SqsMappingDefinition[], now: number): ReconciledMapping[] {
    const reconciled = template.map((definition) => this.#reconcileOne(definition, now));
    const kept = new Set(template.map((m) => m.uuid));
    for (const { uuid } of this.#statements.all.all() as { uuid: string }[]) if (!kept.has(uuid)) this.#statements.delete.run(uuid);
    return reconciled;
  }

  /** Keeps how `updated` differs from its template's mapping `template`, changed at `now`. */
  save(template: SqsMappingDefinition, updated: SqsMappingDefinition, now: number): void {
    const base = settingsOf(template);
    const mine = settingsOf(updated);
    const changes = Object.fromEntries(UPDATABLE_SETTINGS.filter((s) => !same(base[s], mine[s])).map((s) => [s, mine[s]]));
    this.#statements.save.run(template.uuid, JSON.stringify(base), JSON.stringify(changes), now);
  }

  #reconcileOne(definition: SqsMappingDefinition, now: number): ReconciledMapping {
    const settings = settingsOf(definition);
    const row = this.#statements.get.get(definition.uuid) as { template: string; changes: string; last_modified: number } | undefined;
    if (row === undefined) {
      this.#statements.save.run(definition.uuid, JSON.stringify(settings), '{}', now);
      return { definition, lastModified: now };
    }
    const madeAgainst = JSON.parse(row.template) as Settings;
    let changes = JSON.parse(row.changes) as Settings;
    let lastModified = row.last_modified;
    if (UPDATABLE_SETTINGS.some((s) => !same(madeAgainst[s], settings[s]))) {
      // The template changed the mapping (a deploy): what it changed is its, the rest stays as updated.
      changes = Object.fromEntries(Object.entries(changes).filter(([s]) => same(madeAgainst[s as Setting], settings[s as Setting])));
      lastModified = now;
      this.#statements.save.run(definition.uuid, JSON.stringify(settings), JSON.stringify(changes), now);
    }
    return { definition: withSettings(definition, changes), lastModified };
  }
}

/** A mapping with some settings replaced (`null`: left out). */
export function withSettings(definition: SqsMappingDefinition, settings: Settings): SqsMappingDefinition {
  const next: Record<string, unknown> = { ...definition };
  for (const [setting, value] of Object.entries(settings)) {
    if (value === null || value === undefined) delete next[setting];
    else next[setting] = value;
  }
  return next as unknown as SqsMappingDefinition;
}

function settingsOf(definition: SqsMappingDefinition): Settings {
  return Object.fromEntries(UPDATABLE_SETTINGS.map((s) => [s, definition[s] ?? null]));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}
