import type { DatabaseSync } from 'node:sqlite';
import { validationError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import { TagStore } from '../store/tag-store.js';
import type { RuleStore } from './rule-store.js';

type Tag = { Key: string; Value: string };

/**
 * Tags of buses and rules (TagResource, UntagResource, ListTagsForResource, and the Tags
 * of CreateEventBus and PutRule), in EventBridge's shapes and words, kept in the TagStore. They
 * go with their resource: a bus or rule deleted and created again has none (RuleStore's `forget`).
 */
export class EventTags {
  readonly #store: TagStore;

  constructor(
    db: DatabaseSync,
    private readonly ruleStore: RuleStore,
  ) {
    // Before the TagStore, the `tags` table held each resource's `[{ Key, Value }]`.
    this.#store = new TagStore(db, { table: 'tags', pairs: (tags) => (tags as Tag[]).map((tag) => [tag.Key, tag.Value]) });
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
    this.#store.untag(arn, keys as string[]);
    return {};
  }

  async ListTagsForResource(input: Record<string, unknown>) {
    return { Tags: this.#store.list(this.#resource(input.ResourceARN)).map(([Key, Value]) => ({ Key, Value })) };
  }

  /** Adds tags to a resource known to exist, a value replacing the one its key had (CreateEventBus, PutRule). */
  tag(arn: string, tags: unknown): void {
    if (tags === undefined) return;
    if (!Array.isArray(tags)) throw validationError('Tags must be a list of Key and Value pairs');
    const pairs = (tags as Partial<Tag>[]).map((tag): [string, string] => {
      if (typeof tag?.Key !== 'string' || typeof tag.Value !== 'string') throw validationError('Each tag needs a Key and a Value');
      return [tag.Key, tag.Value];
    });
    this.#store.tag(arn, pairs);
  }

  /** Drops a deleted resource's tags. */
  forget(arn: string): void {
    this.#store.forget(arn);
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
