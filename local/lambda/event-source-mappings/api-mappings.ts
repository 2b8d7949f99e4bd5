import type { DatabaseSync } from 'node:sqlite';
import type { PipeDefinition } from '../../pipes/definitions.js';
import { JsonTable } from '../../store/json-table.js';
import { type CreatedMapping, uuidOf } from './mapping-create.js';

/** A mapping CreateEventSourceMapping made, as kept: its definition now, when it was last changed (epoch milliseconds), its tags. */
export type StoredMapping = CreatedMapping & { readonly lastModified: number; readonly tags?: Readonly<Record<string, string>> };

/**
 * The event source mappings Lambda's API made, kept whole in the Lambda database
 * (`api_event_source_mappings`) as they are now, so that they come back, and run, after a
 * restart as the functions the API made do. The template's mappings keep only what the API
 * changed of them (template-changes.ts).
 */
export class ApiMappingStore {
  readonly #table: JsonTable<StoredMapping>;

  constructor(db: DatabaseSync) {
    this.#table = new JsonTable(db, 'api_event_source_mappings', 'uuid');
  }

  all(): StoredMapping[] {
    return this.#table.all();
  }

  /** The stored SQS mappings, as SqsMappings takes them. */
  sqs() {
    return this.all().flatMap((m) => (m.kind === 'sqs' ? [{ definition: m.definition, lastModified: m.lastModified }] : []));
  }

  streams(): { definition: PipeDefinition; lastModified: number }[] {
    return this.all().flatMap((m) => (m.kind === 'stream' ? [{ definition: m.definition, lastModified: m.lastModified }] : []));
  }

  get(uuid: string): StoredMapping | undefined {
    return this.#table.get(uuid);
  }

  /** Keeps a mapping UpdateEventSourceMapping changed: its new definition, its tags as they were. */
  changed(mapping: CreatedMapping, lastModified: number): void {
    const tags = this.get(uuidOf(mapping))?.tags;
    this.save({ ...mapping, lastModified, ...(tags ? { tags } : {}) });
  }

  save(mapping: StoredMapping): void {
    this.#table.put(uuidOf(mapping), mapping);
  }

  delete(uuid: string): void {
    this.#table.delete(uuid);
  }
}
