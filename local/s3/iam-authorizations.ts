import { type Input, type OperationAuthorization, on, records, serviceIam, text } from '../iam/authorizations.js';

const bucketArn = (bucket: unknown) => `arn:aws:s3:::${text(bucket) ?? '*'}`;
const objectArn = (bucket: unknown, key: unknown) => `${bucketArn(bucket)}/${text(key) ?? '*'}`;

const bucket = (input: Input): string => bucketArn(input.Bucket);
const object = (input: Input): string => objectArn(input.Bucket, input.Key);

/** A copy's source (`CopySource`: `bucket/key`, possibly percent-encoded, `?versionId=` after it). */
function copySource(input: Input): OperationAuthorization[] {
  const source = text(input.CopySource);
  if (source === undefined) return [];
  let path = source.replace(/\?.*$/, '').replace(/^\//, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // Not percent-encoding: S3 refuses it; IAM sees it as sent.
  }
  return [on('s3:GetObject', `arn:aws:s3:::${path}`)];
}

/** DeleteObjects: s3:DeleteObject on each key it names (the bucket's every object when the keys are not given). */
function deleteObjects(input: Input): OperationAuthorization[] {
  const keys = records((input.Delete as Input | undefined)?.Objects).map((o) => text(o.Key));
  const named = keys.filter((key): key is string => key !== undefined);
  return (named.length > 0 ? [...new Set(named)] : ['*']).map((key) => on('s3:DeleteObject', objectArn(input.Bucket, key)));
}

/**
 * What S3 authorizes before it tells a caller that a key does not exist: s3:ListBucket on the
 * bucket. A caller who may not list it gets 403 AccessDenied instead of 404 NoSuchKey
 * (GetObject's and HeadObject's API reference), so that it learns nothing of the keys.
 */
export const MISSING_KEY = 'a missing key';

/**
 * How IAM authorizes S3's requests (its module declares it; the operations S3's model routes a request to, with
 * their input in the API's shape): object operations on
 * `arn:aws:s3:::<bucket>/<key>`, bucket operations on `arn:aws:s3:::<bucket>`. HeadObject
 * is s3:GetObject, listing s3:ListBucket, HeadBucket s3:ListBucket, a multipart upload's
 * parts s3:PutObject, a copy s3:PutObject on the target and s3:GetObject on the source.
 */
export const s3Iam = serviceIam('s3', {
  // S3's messages quote the resource ("is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" ...").
  accessDenied: { code: 'AccessDenied', status: 403, quotesResource: true },
  renamed: {
    GetObject: ['GetObject', object],
    HeadObject: ['GetObject', object],
    PutObject: ['PutObject', object],
    DeleteObject: ['DeleteObject', object],
    CreateMultipartUpload: ['PutObject', object],
    UploadPart: ['PutObject', object],
    CompleteMultipartUpload: ['PutObject', object],
    AbortMultipartUpload: ['AbortMultipartUpload', object],
    ListParts: ['ListMultipartUploadParts', object],
    GetObjectTagging: ['GetObjectTagging', object],
    PutObjectTagging: ['PutObjectTagging', object],
    DeleteObjectTagging: ['DeleteObjectTagging', object],
    GetObjectAcl: ['GetObjectAcl', object],
    PutObjectAcl: ['PutObjectAcl', object],
    ListObjects: ['ListBucket', bucket],
    ListObjectsV2: ['ListBucket', bucket],
    HeadBucket: ['ListBucket', bucket],
    ListObjectVersions: ['ListBucketVersions', bucket],
    ListMultipartUploads: ['ListBucketMultipartUploads', bucket],
    CreateBucket: ['CreateBucket', bucket],
    DeleteBucket: ['DeleteBucket', bucket],
    ListBuckets: ['ListAllMyBuckets', () => '*'],
    // Not an operation: what S3 asks before it answers a missing key with 404 (MISSING_KEY).
    [MISSING_KEY]: ['ListBucket', bucket],
  },
  operations: {
    // The API reference: GetObjectAttributes needs both s3:GetObject and s3:GetObjectAttributes.
    GetObjectAttributes: (input) => [on('s3:GetObject', object(input)), on('s3:GetObjectAttributes', object(input))],
    CopyObject: (input) => [on('s3:PutObject', object(input)), ...copySource(input)],
    UploadPartCopy: (input) => [on('s3:PutObject', object(input)), ...copySource(input)],
    DeleteObjects: deleteObjects,
  },
});
