import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { type LegacyTagTable, TagStore } from '../../store/tag-store.js';
import { tagMap } from '../../template/tags.js';

/** Lambda's limit of tags on a resource (a function, an event source mapping). */
const MAX_TAGS = 50;

type Tags = Readonly<Record<string, string>>;

/** Refuses more tags than a resource takes (CreateFunction's, CreateEventSourceMapping's or after TagResource), in Lambda's words. */
export function checkTagCount(tags: Tags | undefined): void {
  if (Object.keys(tags ?? {}).length > MAX_TAGS) {
    throw new AwsError('InvalidParameterValueException', 'Number of tags exceeds resource tag limit.');
  }
}

/** An event source mapping's ARN, by its UUID: what its tags are kept by. */
export function mappingArn(place: { readonly region: string; readonly accountId: string }, uuid: string): string {
  return `arn:aws:lambda:${place.region}:${place.accountId}:event-source-mapping:${uuid}`;
}

/**
 * Lambda's tags of functions (by their unqualified ARN, as AWS keys them) and event source
 * mappings (by their ARN), kept in the one TagStore, in Lambda's rules and words: TagResource
 * takes at least one tag, a resource at most MAX_TAGS. A template's resource has its template's
 * `Tags`, set again with each synthesis; a deleted resource's go with it.
 */
export class LambdaTags {
  readonly #store: TagStore;

  /** `legacy`: where the functions' and mappings' records held their tags before (function-store.ts, api-mappings.ts). */
  constructor(db: DatabaseSync, legacy: readonly LegacyTagTable[]) {
    this.#store = new TagStore(db, legacy);
  }

  /** The resource's tags, as ListTags and GetFunction answer them. */
  of(arn: string): Record<string, string> {
    return this.#store.map(arn);
  }

  /** A resource's tags at its creation (a resource created again under an ARN has only these). */
  created(arn: string, tags: Tags | undefined): void {
    checkTagCount(tags);
    this.#store.forget(arn);
    this.#store.tag(arn, Object.entries(tags ?? {}));
  }

  /** A template's resource: its template's `Tags` (a CloudFormation list, or a definition's map of them), in place of those it had. */
  fromTemplate(arn: string, tags: unknown): void {
    this.#store.forget(arn);
    const map = Array.isArray(tags) ? tagMap(tags) : ((tags ?? {}) as Tags);
    this.#store.tag(arn, Object.entries(map));
  }

  /**
   * TagResource: `given` over the resource's tags.
   * @throws AwsError InvalidParameterValueException for no tags, or for more than the resource takes
   */
  tag(arn: string, given: Tags | undefined): void {
    if (Object.keys(given ?? {}).length === 0) {
      throw new AwsError('InvalidParameterValueException', 'An error occurred and the request cannot be processed.');
    }
    checkTagCount({ ...this.of(arn), ...given });
    this.#store.tag(arn, Object.entries(given ?? {}));
  }

  /** UntagResource: the keys named go (a key the resource does not have is no error). */
  untag(arn: string, keys: readonly string[]): void {
    this.#store.untag(arn, keys);
  }

  /** The tagged resources whose ARN starts with `prefix` (every event source mapping's: `…:event-source-mapping:`). */
  taggedUnder(prefix: string): string[] {
    return this.#store.arnsUnder(prefix);
  }

  /** A deleted resource's tags go: one created again under its ARN starts untagged, as in Lambda. */
  forget(arn: string): void {
    this.#store.forget(arn);
  }
}
