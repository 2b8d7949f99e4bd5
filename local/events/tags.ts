import type { DatabaseSync } from 'node:sqlite';
import { tryParseArn } from '../arn.js';
import { validationError } from '../aws-error.js';
import { JsonTable } from '../store/json-table.js';
import type { RuleStore } from './rule-store.js';

type Tag = { Key: string; Value: string };

/**
 * Tags of buses and rules (TagResource, UntagResource, ListTagsForResource, and the Tags
 * of CreateEventBus and PutRule), kept in SQLite by ARN. They go with their resource: a
 * bus or rule deleted and created again has none (RuleStore's `forget`).
 */
export class EventTags {
  readonly #table: JsonTable<Tag[]>;

  constructor(
    db: DatabaseSync,
    private readonly ruleStore: RuleStore,
  ) {
    this.#table = new JsonTable(db, 'tags', 'arn');
  }

  async TagResource(input: Record<string, unknown>) {
    const arn = this.#resource(input.ResourceARN);
    this.tag(arn, input.Tags);
    return {};
  }

  async UntagResource(input: Record<string, unknown>) {
    const arn = this.#resource(input.ResourceARN);
    const keys = input.TagKeys;
    if (!Array.isArray(keys)) throw validationError('TagKeys is required');
    const remove = new Set(keys);
    this.#save(
      arn,
      this.#tags(arn).filter((tag) => !remove.has(tag.Key)),
    );
    return {};
  }

  async ListTagsForResource(input: Record<string, unknown>) {
    return { Tags: this.#tags(this.#resource(input.ResourceARN)) };
  }

  /** Adds tags to a resource known to exist, a value replacing the one its key had (CreateEventBus, PutRule). */
  tag(arn: string, tags: unknown): void {
    if (tags === undefined) return;
    if (!Array.isArray(tags)) throw validationError('Tags must be a list of Key and Value pairs');
    const merged = new Map(this.#tags(arn).map((tag) => [tag.Key, tag.Value]));
    for (const tag of tags as Partial<Tag>[]) {
      if (typeof tag?.Key !== 'string' || typeof tag.Value !== 'string') throw validationError('Each tag needs a Key and a Value');
      merged.set(tag.Key, tag.Value);
    }
    this.#save(
      arn,
      [...merged].map(([Key, Value]) => ({ Key, Value })),
    );
  }

  /** Drops a deleted resource's tags. */
  forget(arn: string): void {
    this.#table.delete(arn);
  }

  #tags(arn: string): Tag[] {
    return this.#table.get(arn) ?? [];
  }

  #save(arn: string, tags: readonly Tag[]): void {
    if (tags.length === 0) this.#table.delete(arn);
    else this.#table.put(arn, [...tags]);
  }

  /**
   * The ARN of the bus or rule `value` names, as the rule store knows it.
   * @throws AwsError ResourceNotFoundException in EventBridge's words for a bus or rule that does not exist
   */
  #resource(value: unknown): string {
    if (typeof value !== 'string') throw validationError('ResourceARN is required');
    const arn = tryParseArn(value);
    if (arn?.service !== 'events') throw validationError(`Parameter ResourceARN is not valid. Reason: ${value} is not an EventBridge ARN.`);
    if (arn.resourceType === 'event-bus') return this.ruleStore.bus(value).arn;
    if (arn.resourceType === 'rule') {
      // rule/<name> is on the default bus; rule/<bus>/<name> on a custom one (the ARN's parent).
      return this.ruleStore.rule(arn.resourceId, arn.parent ?? 'default').definition.arn;
    }
    throw validationError(`Parameter ResourceARN is not valid. Reason: tags are kept for event buses and rules only.`);
  }
}
