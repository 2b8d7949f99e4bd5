import type { DatabaseSync } from 'node:sqlite';
import type { PipeDefinition } from '../../pipes/definitions.js';
import { JsonTable } from '../../store/json-table.js';
import type { LegacyTagTable } from '../../store/tag-store.js';
import { mappingArn } from '../core/resource-tags.js';
import { type CreatedMapping, uuidOf } from './mapping-create.js';

/** A mapping CreateEventSourceMapping made, as kept: its definition now and when it was last changed (epoch milliseconds); its tags are LambdaTags'. */
export type StoredMapping = CreatedMapping & { readonly lastModified: number };

/**
 * Before the TagStore, a mapping's record held its tags (`tags`): moved into the store by the
 * mapping's ARN, the record rewritten without them (LambdaTags).
 */
export function legacyMappingTags(place: { readonly region: string; readonly accountId: string }): LegacyTagTable {
  return {
    table: 'api_event_source_mappings',
    keyColumn: 'uuid',
    embedded: (document) => {
      const { tags, ...record } = document as StoredMapping & { tags?: Readonly<Record<string, string>> };
      if (tags === undefined) return undefined;
      return { arn: mappingArn(place, uuidOf(record)), pairs: Object.entries(tags), without: record };
    },
  };
}

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

  /** Keeps a mapping UpdateEventSourceMapping changed: its new definition. */
  changed(mapping: CreatedMapping, lastModified: number): void {
    this.save({ ...mapping, lastModified });
  }

  save(mapping: StoredMapping): void {
    this.#table.put(uuidOf(mapping), mapping);
  }

  delete(uuid: string): void {
    this.#table.delete(uuid);
  }
}
