import { AwsError } from '../aws-error.js';
import type { RawResponse } from '../endpoint/protocols.js';
import type { Tag } from './s3-store.js';
import { document, elementTexts, hasElement } from './xml.js';

/**
 * Object tagging as S3 documents it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html):
 * a tag set of at most 10 tags, keys of 1 to 128 and values of 0 to 256 Unicode characters,
 * keys unique. Sent as `x-amz-tagging` (URL query encoded) on PutObject, CreateMultipartUpload
 * and CopyObject, or as the `?tagging` sub-resource's XML; the set is kept with the object.
 */
export type { Tag } from './s3-store.js';

const MAX_TAGS = 10;
const MAX_KEY_CHARACTERS = 128;
const MAX_VALUE_CHARACTERS = 256;

/** The operations the `?tagging` routes call (S3Service has them; named here so this module does not import it). */
export interface TaggingOperations {
  PutObjectTagging(input: { Bucket: string; Key: string; Tags: readonly Tag[] }): void;
  GetObjectTagging(input: { Bucket: string; Key: string }): { Tags: readonly Tag[] };
  DeleteObjectTagging(input: { Bucket: string; Key: string }): void;
}

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

/** PutObjectTagging's body: `<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>`. */
function tagsFromXml(body: string): Tag[] {
  if (!hasElement(body, 'Tagging') || !hasElement(body, 'TagSet')) throw malformedXml();
  const tags = [...body.matchAll(/<Tag(?:\s[^>]*)?>([\s\S]*?)<\/Tag>/g)].map((match) => tagOf(match[1] ?? ''));
  validateTags(tags);
  return tags;
}

/** One `<Tag>`: both elements are required by S3's schema; an empty value may be `<Value/>`. */
function tagOf(inner: string): Tag {
  const key = elementTexts(inner, 'Key')[0] ?? (hasElement(inner, 'Key') ? '' : undefined);
  const value = elementTexts(inner, 'Value')[0] ?? (hasElement(inner, 'Value') ? '' : undefined);
  if (key === undefined || value === undefined) throw malformedXml();
  return { Key: key, Value: value };
}

/** GetObject's and HeadObject's `x-amz-tagging-count`, sent only when the object has tags, as S3 does. */
export function taggingCountHeader(tags: readonly Tag[]): Record<string, string> {
  return tags.length === 0 ? {} : { 'x-amz-tagging-count': String(tags.length) };
}

/** `PUT`, `GET` and `DELETE /<bucket>/<key>?tagging`; `body` is the request's body as text. */
export function objectTagging(
  s3: TaggingOperations,
  request: { method: string; body: () => string },
  bucket: string,
  key: string,
): RawResponse {
  switch (request.method) {
    case 'PUT':
      s3.PutObjectTagging({ Bucket: bucket, Key: key, Tags: tagsFromXml(request.body()) });
      return { status: 200 };
    case 'GET': {
      const { Tags } = s3.GetObjectTagging({ Bucket: bucket, Key: key });
      const body = document('Tagging', { TagSet: { Tag: Tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) } });
      return { status: 200, headers: { 'content-type': 'application/xml' }, body };
    }
    case 'DELETE':
      s3.DeleteObjectTagging({ Bucket: bucket, Key: key });
      return { status: 204 };
    default:
      throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }
}

function invalidTag(message: string): AwsError {
  return new AwsError('InvalidTag', message);
}

function malformedXml(): AwsError {
  return new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
}
