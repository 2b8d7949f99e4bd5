import { AwsError } from '../../endpoint/aws-error.js';

/** Lambda's limit of tags on a resource (a function, an event source mapping). */
const MAX_TAGS = 50;

type Tags = Readonly<Record<string, string>>;

/** Refuses more tags than a resource takes (CreateFunction's, CreateEventSourceMapping's or after TagResource), in Lambda's words. */
export function checkTagCount(tags: Tags | undefined): void {
  if (Object.keys(tags ?? {}).length > MAX_TAGS) {
    throw new AwsError('InvalidParameterValueException', 'Number of tags exceeds resource tag limit.');
  }
}

/**
 * TagResource: `given` over a resource's `current` tags.
 * @throws AwsError InvalidParameterValueException for no tags, or for more than the resource takes
 */
export function taggedWith(current: Tags, given: Tags | undefined): Record<string, string> {
  if (Object.keys(given ?? {}).length === 0) {
    throw new AwsError('InvalidParameterValueException', 'An error occurred and the request cannot be processed.');
  }
  const merged = { ...current, ...given };
  checkTagCount(merged);
  return merged;
}

/** UntagResource: a resource's tags but those named (a key it does not have is no error). */
export function untagged(current: Tags, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(current).filter(([key]) => !keys.includes(key)));
}
