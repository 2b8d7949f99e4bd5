import type { OperationTable } from './shared.js';
import { on, text } from './shared.js';

const bucket = (input: Record<string, unknown>) => `arn:aws:s3:::${text(input.Bucket) ?? '*'}`;
const object = (input: Record<string, unknown>) => `${bucket(input)}/${text(input.Key) ?? ''}`;

/** S3: each REST operation's action (the service authorization reference's names, which differ in places) on the bucket or object. */
const S3_ACTIONS: Readonly<Record<string, readonly [action: string, on: 'bucket' | 'object' | 'none']>> = {
  ListBuckets: ['s3:ListAllMyBuckets', 'none'],
  CreateBucket: ['s3:CreateBucket', 'bucket'],
  DeleteBucket: ['s3:DeleteBucket', 'bucket'],
  HeadBucket: ['s3:ListBucket', 'bucket'],
  ListObjects: ['s3:ListBucket', 'bucket'],
  ListObjectsV2: ['s3:ListBucket', 'bucket'],
  ListObjectVersions: ['s3:ListBucketVersions', 'bucket'],
  ListMultipartUploads: ['s3:ListBucketMultipartUploads', 'bucket'],
  GetObject: ['s3:GetObject', 'object'],
  HeadObject: ['s3:GetObject', 'object'],
  GetObjectAttributes: ['s3:GetObjectAttributes', 'object'],
  PutObject: ['s3:PutObject', 'object'],
  CopyObject: ['s3:PutObject', 'object'],
  CreateMultipartUpload: ['s3:PutObject', 'object'],
  UploadPart: ['s3:PutObject', 'object'],
  UploadPartCopy: ['s3:PutObject', 'object'],
  CompleteMultipartUpload: ['s3:PutObject', 'object'],
  AbortMultipartUpload: ['s3:AbortMultipartUpload', 'object'],
  ListParts: ['s3:ListMultipartUploadParts', 'object'],
  DeleteObject: ['s3:DeleteObject', 'object'],
  GetObjectTagging: ['s3:GetObjectTagging', 'object'],
  PutObjectTagging: ['s3:PutObjectTagging', 'object'],
  DeleteObjectTagging: ['s3:DeleteObjectTagging', 'object'],
  GetObjectAcl: ['s3:GetObjectAcl', 'object'],
  PutObjectAcl: ['s3:PutObjectAcl', 'object'],
};

export const s3Operations: OperationTable = {
  ...Object.fromEntries(
    Object.entries(S3_ACTIONS).map(([operation, [action, kind]]) => [
      operation,
      (input: Record<string, unknown>) => [on(action, kind === 'none' ? '*' : kind === 'bucket' ? bucket(input) : object(input))],
    ]),
  ),
  // DeleteObjects is authorized per key (s3:DeleteObject on each); the keys are in its XML body, which the check does not read: not checked.
};
