import type { RawRequest } from '../endpoint/protocols.js';

/** The query parameters of ListObjects and ListObjectsV2: a bucket's GET with others is another operation. */
export const LISTING_ARGUMENTS: ReadonlySet<string> = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'continuation-token',
  'start-after',
  'marker',
  'encoding-type',
  'fetch-owner',
]);

/** Object sub-resources and the operations a GET, PUT or DELETE of them is. */
const OBJECT_SUBRESOURCES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  tagging: { GET: 'GetObjectTagging', PUT: 'PutObjectTagging', DELETE: 'DeleteObjectTagging' },
  acl: { GET: 'GetObjectAcl', PUT: 'PutObjectAcl' },
  attributes: { GET: 'GetObjectAttributes' },
};

/**
 * The S3 API operation a REST request is (`GetObject`, `ListObjectsV2`, `UploadPart`), for
 * the IAM check, which authorizes by operation; undefined for a request it cannot name
 * (bucket configuration sub-resources: the administrator's, not a function's).
 */
export function s3OperationName(
  request: Pick<RawRequest, 'method' | 'query' | 'headers'>,
  bucket?: string,
  key?: string,
): string | undefined {
  const { method, query } = request;
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : undefined;
  if (key !== undefined && key !== '') {
    for (const [name, byMethod] of Object.entries(OBJECT_SUBRESOURCES)) if (query.has(name)) return byMethod[method];
    const upload = query.has('uploadId');
    if (method === 'GET') return upload ? 'ListParts' : 'GetObject';
    if (method === 'HEAD') return 'HeadObject';
    if (method === 'PUT') {
      if (upload) return request.headers['x-amz-copy-source'] ? 'UploadPartCopy' : 'UploadPart';
      return request.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    }
    if (method === 'DELETE') return upload ? 'AbortMultipartUpload' : 'DeleteObject';
    if (method === 'POST') return query.has('uploads') ? 'CreateMultipartUpload' : upload ? 'CompleteMultipartUpload' : undefined;
    return undefined;
  }
  if (method === 'GET') {
    if (query.has('uploads')) return 'ListMultipartUploads';
    if (query.has('versions')) return 'ListObjectVersions';
    if ([...query.keys()].some((name) => !LISTING_ARGUMENTS.has(name))) return undefined;
    return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  }
  if (method === 'HEAD') return 'HeadBucket';
  if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
  if (method === 'PUT' && [...query.keys()].length === 0) return 'CreateBucket';
  if (method === 'DELETE' && [...query.keys()].length === 0) return 'DeleteBucket';
  return undefined;
}
