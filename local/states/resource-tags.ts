import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { TagStore } from '../store/tag-store.js';
import { parseActivityArn, parseStateMachineArn, required } from './names.js';

/** A tag as Step Functions' API writes it. */
export interface StatesTag {
  readonly key: string;
  readonly value: string;
}

/**
 * Tags of state machines and activities (TagResource, UntagResource, ListTagsForResource, and
 * the `tags` of CreateStateMachine and CreateActivity), in Step Functions' shapes and words, kept
 * in the TagStore (in the order their keys were first given; a key given again takes the new
 * value). A version's or alias's ARN is
 * no resource to tag (AWS's recorded answer: `Resource not found`), and a resource's tags go
 * with it when it is deleted.
 */
export class StatesTags {
  readonly #store: TagStore;

  constructor(
    db: DatabaseSync,
    /** Whether a state machine's or activity's ARN names one that exists. */
    private readonly exists: (arn: string) => boolean,
  ) {
    // Before the TagStore, the `sfn_tags` table held each resource's `[{ key, value }]`.
    this.#store = new TagStore(db, { table: 'sfn_tags', pairs: (tags) => (tags as StatesTag[]).map((tag) => [tag.key, tag.value]) });
  }

  async TagResource(input: { resourceArn?: string; tags?: Partial<StatesTag>[] }) {
    const arn = this.#resource(input.resourceArn);
    this.tag(arn, required(input.tags, 'tags'));
    return {};
  }

  async UntagResource(input: { resourceArn?: string; tagKeys?: string[] }) {
    const arn = this.#resource(input.resourceArn);
    this.#store.untag(arn, required(input.tagKeys, 'tagKeys'));
    return {};
  }

  async ListTagsForResource(input: { resourceArn?: string }) {
    return { tags: this.#store.list(this.#resource(input.resourceArn)).map(([key, value]) => ({ key, value })) };
  }

  /** Adds tags to a resource that exists (its creation's `tags`), a key given again taking its new value. */
  tag(arn: string, tags: readonly Partial<StatesTag>[] | undefined): void {
    if (tags === undefined) return;
    // The model makes neither member required; a tag without a value is the empty one.
    this.#store.tag(
      arn,
      tags.map(({ key, value }): [string, string] => [required(key, 'tags.member.key'), value ?? '']),
    );
  }

  /** Drops a deleted resource's tags. */
  forget(arn: string): void {
    this.#store.forget(arn);
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
