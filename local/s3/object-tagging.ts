import { AwsError } from '../endpoint/aws-error.js';
import type { Tag } from './s3-store.js';

/**
 * Object tagging as S3 documents it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html):
 * a tag set of at most 10 tags, keys of 1 to 128 and values of 0 to 256 Unicode characters,
 * keys unique. Sent as `x-amz-tagging` (URL query encoded) on PutObject, CreateMultipartUpload
 * and CopyObject, or as the `?tagging` sub-resource's document (S3Api); the set is kept with the object.
 */
export type { Tag } from './s3-store.js';

const MAX_TAGS = 10;
const MAX_KEY_CHARACTERS = 128;
const MAX_VALUE_CHARACTERS = 256;

/** Refuses a tag set S3 would refuse, with S3's InvalidTag. */
export function validateTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_TAGS) throw invalidTag(`Object tags cannot be greater than ${MAX_TAGS}`);
  const seen = new Set<string>();
  for (const { Key, Value } of tags) {
    // S3 counts Unicode characters, not UTF-16 code units: spread by code point.
    const keyLength = [...Key].length;
    if (keyLength < 1 || keyLength > MAX_KEY_CHARACTERS) throw invalidTag('The TagKey you have provided is invalid');
    if ([...Value].length > MAX_VALUE_CHARACTERS) throw invalidTag('The TagValue you have provided is invalid');
    if (Key.toLowerCase().startsWith('aws:')) throw invalidTag('Your TagKey cannot be prefixed with aws:');
    if (seen.has(Key)) throw invalidTag('Cannot provide multiple Tags with the same key');
    seen.add(Key);
  }
}

/** `x-amz-tagging`: `k1=v1&k2=v2`, URL query encoded; absent is no tags. */
export function tagsFromHeader(value: string | undefined): Tag[] {
  if (value === undefined || value === '') return [];
  const tags = [...new URLSearchParams(value)].map(([Key, Value]) => ({ Key, Value }));
  validateTags(tags);
  return tags;
}

function invalidTag(message: string): AwsError {
  return new AwsError('InvalidTag', message);
}
