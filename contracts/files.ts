import Type from 'typebox';
import { type Detail, defineContract } from './contract.js';

/**
 * A file landed in a bucket a FileTrigger watches: S3's `Object Created` event (from
 * PutObject, POST Object, CopyObject or CompleteMultipartUpload) for a key under the
 * trigger's prefix and suffix, restated as a contract event on the hub.
 *
 * The fact is one write of one object, so `fileId` is derived from what identifies that
 * write: the bucket, the key and the object's version id (in a versioned bucket), else the
 * write's sequencer (which S3 gives every write, and repeats in a redelivered event). Two
 * deliveries of one S3 event get the same `fileId`; a second upload of the same key is a
 * new file.
 */
export const FileLanded = defineContract({
  detailType: 'FileLanded',
  source: 'switchyard.files',
  description: 'A file landed in a watched bucket (an S3 Object Created event under the trigger prefix and suffix).',
  properties: {
    /** See fileIdOf. */
    fileId: Type.String({ minLength: 1, maxLength: 2048 }),
    /** The FileTrigger's name: which watched location the file landed in. */
    trigger: Type.String({ minLength: 1, maxLength: 128 }),
    bucket: Type.String({ minLength: 3, maxLength: 63 }),
    key: Type.String({ minLength: 1, maxLength: 1024 }),
    size: Type.Integer({ minimum: 0 }),
    /** The object's ETag as S3 reports it in the event (no quotes). */
    etag: Type.String({ minLength: 1 }),
    sequencer: Type.String({ minLength: 1 }),
    versionId: Type.Optional(Type.String({ minLength: 1 })),
    /** The S3 API that created the object: PutObject, POST Object, CopyObject or CompleteMultipartUpload. */
    reason: Type.String({ minLength: 1 }),
    /** When S3 created the object (the S3 event's `time`, ISO 8601). */
    landedAt: Type.String({ minLength: 1 }),
  },
  idempotencyFields: ['fileId'],
});
export type FileLanded = Detail<typeof FileLanded>;

/** `s3://<bucket>/<key>#v=<version id>`, or `#seq=<sequencer>` in an unversioned bucket. */
export function fileIdOf(object: { bucket: string; key: string; versionId?: string; sequencer: string }): string {
  const write = object.versionId !== undefined && object.versionId !== 'null' ? `v=${object.versionId}` : `seq=${object.sequencer}`;
  return `s3://${object.bucket}/${object.key}#${write}`;
}

/** What a FileTrigger's function reads of S3's `Object Created` event (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
export const S3ObjectCreatedSchema = Type.Object({
  source: Type.Literal('aws.s3'),
  'detail-type': Type.Literal('Object Created'),
  time: Type.String(),
  detail: Type.Object({
    bucket: Type.Object({ name: Type.String({ minLength: 3, maxLength: 63 }) }),
    object: Type.Object({
      key: Type.String({ minLength: 1 }),
      size: Type.Integer({ minimum: 0 }),
      etag: Type.String({ minLength: 1 }),
      sequencer: Type.String({ minLength: 1 }),
      'version-id': Type.Optional(Type.String()),
    }),
    reason: Type.Optional(Type.String()),
  }),
});
