import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../aws-error.js';
import { JsonTable } from '../store/json-table.js';
import { parseActivityArn, parseStateMachineArn, required } from './names.js';

/** A tag as Step Functions' API writes it. */
export interface StatesTag {
  readonly key: string;
  readonly value: string;
}

/**
 * Tags of state machines and activities (TagResource, UntagResource, ListTagsForResource, and
 * the `tags` of CreateStateMachine and CreateActivity), kept in SQLite by ARN in the order their
 * keys were first given; a key given again takes the new value. A version's or alias's ARN is
 * no resource to tag (AWS's recorded answer: `Resource not found`), and a resource's tags go
 * with it when it is deleted.
 */
export class StatesTags {
  readonly #table: JsonTable<StatesTag[]>;

  constructor(
    db: DatabaseSync,
    /** Whether a state machine's or activity's ARN names one that exists. */
    private readonly exists: (arn: string) => boolean,
  ) {
    this.#table = new JsonTable(db, 'sfn_tags', 'arn');
  }

  async TagResource(input: { resourceArn?: string; tags?: Partial<StatesTag>[] }) {
    const arn = this.#resource(input.resourceArn);
    this.tag(arn, required(input.tags, 'tags'));
    return {};
  }

  async UntagResource(input: { resourceArn?: string; tagKeys?: string[] }) {
    const arn = this.#resource(input.resourceArn);
    const remove = new Set(required(input.tagKeys, 'tagKeys'));
    this.#save(
      arn,
      this.#tags(arn).filter((tag) => !remove.has(tag.key)),
    );
    return {};
  }

  async ListTagsForResource(input: { resourceArn?: string }) {
    return { tags: this.#tags(this.#resource(input.resourceArn)) };
  }

  /** Adds tags to a resource that exists (its creation's `tags`), a key given again taking its new value. */
  tag(arn: string, tags: readonly Partial<StatesTag>[] | undefined): void {
    if (tags === undefined) return;
    const merged = new Map(this.#tags(arn).map((tag) => [tag.key, tag.value]));
    // The model makes neither member required; a tag without a value is the empty one.
    for (const { key, value } of tags) merged.set(required(key, 'tags.member.key'), value ?? '');
    this.#save(
      arn,
      [...merged].map(([key, value]) => ({ key, value })),
    );
  }

  /** Drops a deleted resource's tags. */
  forget(arn: string): void {
    this.#table.delete(arn);
  }

  #tags(arn: string): StatesTag[] {
    return this.#table.get(arn) ?? [];
  }

  #save(arn: string, tags: readonly StatesTag[]): void {
    if (tags.length === 0) this.#table.delete(arn);
    else this.#table.put(arn, [...tags]);
  }

  /** The state machine or activity `resourceArn` names; InvalidArn for another ARN, ResourceNotFound for one that is not there. */
  #resource(resourceArn: string | undefined): string {
    const arn = required(resourceArn, 'resourceArn');
    if (arn.includes(':activity:')) parseActivityArn(arn);
    // A version's or alias's ARN names no resource to tag (AWS's recorded answer).
    else if (parseStateMachineArn(arn).qualifier !== undefined) throw notFound(arn);
    if (!this.exists(arn)) throw notFound(arn);
    return arn;
  }
}

const notFound = (arn: string) => new AwsError('ResourceNotFound', `Resource not found: '${arn}'`);
