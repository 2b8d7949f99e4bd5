import { type FileLanded, fileIdOf, S3ObjectCreatedSchema, validatorFor } from '../../contracts/index.js';
import { InvalidEventError } from '../kit/errors.js';

const validateObjectCreated = validatorFor(S3ObjectCreatedSchema);

/**
 * The FileLanded detail for S3's `Object Created` event. An event of another shape is a
 * permanent failure (InvalidEvent): the rule's target dead-letter queue keeps it.
 */
export function fileLandedFrom(event: unknown, trigger: string): Omit<FileLanded, 'metadata'> {
  const result = validateObjectCreated(event);
  if (!result.ok) throw new InvalidEventError('not an S3 Object Created event', result.errors);
  const { detail, time } = result.value;
  const versionId = detail.object['version-id'];
  const object = {
    bucket: detail.bucket.name,
    key: detail.object.key,
    sequencer: detail.object.sequencer,
    ...(versionId === undefined || versionId === 'null' ? {} : { versionId }),
  };
  return {
    fileId: fileIdOf(object),
    trigger,
    ...object,
    size: detail.object.size,
    etag: detail.object.etag,
    reason: detail.reason ?? 'PutObject',
    landedAt: time,
  };
}
