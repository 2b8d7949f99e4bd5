import { AwsError } from '../endpoint/aws-error.js';
import type { ObjectRecord } from './s3-store.js';

export interface ListObjectsInput {
  readonly Bucket: string;
  readonly Prefix?: string;
  readonly Delimiter?: string;
  /** @default 1000 (also the most S3 returns in one page) */
  readonly MaxKeys?: number;
  /** Keys after this one (ListObjectsV2's StartAfter, ListObjects' Marker). */
  readonly StartAfter?: string;
  /** An opaque token from a previous page (ListObjectsV2). */
  readonly ContinuationToken?: string;
}

export interface ListObjectsResult {
  readonly Contents: readonly ObjectRecord[];
  readonly CommonPrefixes: readonly string[];
  readonly IsTruncated: boolean;
  /** Where the next page starts (as a continuation token); only when truncated. */
  readonly NextContinuationToken?: string;
  /** The last key or common prefix of this page (ListObjects' NextMarker). */
  readonly LastEntry?: string;
}

const MAX_PAGE = 1000;
/** Sorts after every other character, so that `prefix + LAST` is past every key under `prefix`. */
const LAST = '\u{10FFFF}';

/**
 * One page of a listing, as S3 builds it: keys in UTF-8 byte order; with a delimiter, every
 * key with the delimiter after the prefix is rolled up into one common prefix, which counts
 * as one entry towards max-keys. The continuation token is where the page stopped.
 */
export function listObjects(
  read: (prefix: string, after: string, limit: number) => ObjectRecord[],
  input: ListObjectsInput,
): ListObjectsResult {
  const prefix = input.Prefix ?? '';
  const delimiter = input.Delimiter === '' ? undefined : input.Delimiter;
  const maxKeys = Math.min(input.MaxKeys ?? MAX_PAGE, MAX_PAGE);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  let after = input.StartAfter ?? '';
  if (input.ContinuationToken !== undefined) {
    const decoded = decodeToken(input.ContinuationToken);
    if (decoded > after) after = decoded;
  }
  // A marker that is itself a common prefix (ListObjects' NextMarker) continues after every key under it.
  if (
    delimiter !== undefined &&
    after.startsWith(prefix) &&
    after.length >= prefix.length + delimiter.length &&
    after.indexOf(delimiter, prefix.length) === after.length - delimiter.length
  ) {
    after += LAST;
  }
  const contents: ObjectRecord[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  let truncated = false;
  while (!truncated) {
    const rows = read(prefix, after, MAX_PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.key;
      const rolled = delimiter === undefined ? -1 : row.key.indexOf(delimiter, prefix.length);
      const entry = rolled < 0 ? row.key : row.key.slice(0, rolled + (delimiter as string).length);
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (rolled < 0) contents.push(row);
      else {
        prefixes.push(entry);
        // Skip the rest of the keys under this common prefix.
        after = entry + LAST;
      }
      last = entry;
      if (rolled >= 0) break;
    }
  }
  return {
    Contents: contents,
    CommonPrefixes: prefixes,
    IsTruncated: truncated,
    ...(truncated && last !== undefined ? { NextContinuationToken: encodeToken(last) } : {}),
    ...(last === undefined ? {} : { LastEntry: last }),
  };
}

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof value.after === 'string') return value.after;
  } catch {
    // answered below
  }
  throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect');
}
