import { describe, expect, it } from 'vitest';
import { FileLanded, idempotencyKeyOf } from '../../../domain/index.js';
import { fileLandedFrom } from '../../../lambdas/file-trigger/file-landed.js';

/** S3's Object Created event as AWS documents it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
function objectCreated(object: Record<string, unknown> = {}, reason = 'PutObject') {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2021-11-12T00:00:00Z',
    region: 'ca-central-1',
    resources: ['arn:aws:s3:::amzn-s3-demo-bucket1'],
    detail: {
      version: '0',
      bucket: { name: 'amzn-s3-demo-bucket1' },
      object: { key: 'example-key', size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '617f08299329d189', ...object },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason,
    },
  };
}

describe('fileLandedFrom', () => {
  it("restates S3's Object Created as a FileLanded detail that keeps its contract", () => {
    const detail = fileLandedFrom(objectCreated(), 'uploads');
    expect(detail).toEqual({
      fileId: 's3://amzn-s3-demo-bucket1/example-key#seq=617f08299329d189',
      trigger: 'uploads',
      bucket: 'amzn-s3-demo-bucket1',
      key: 'example-key',
      size: 5,
      etag: 'b1946ac92492d2347c6235b4d2611184',
      sequencer: '617f08299329d189',
      reason: 'PutObject',
      landedAt: '2021-11-12T00:00:00Z',
    });
    expect(FileLanded.validate(detail).ok).toBe(true);
  });

  it('derives the fileId from the version id in a versioned bucket', () => {
    const detail = fileLandedFrom(objectCreated({ 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' }), 'uploads');
    expect(detail.fileId).toBe('s3://amzn-s3-demo-bucket1/example-key#v=IYV3p45BT0ac8hjHg1houSdS1a.Mro8e');
    expect(detail.versionId).toBe('IYV3p45BT0ac8hjHg1houSdS1a.Mro8e');
  });

  it('gives two deliveries of one S3 event the same idempotency key, and another write of the key a new one', () => {
    const key = (event: unknown) => idempotencyKeyOf(FileLanded, { id: 'x', detail: fileLandedFrom(event, 'uploads') });
    expect(key(objectCreated())).toBe(key(objectCreated()));
    expect(key(objectCreated({ sequencer: '617f08299329d190' }))).not.toBe(key(objectCreated()));
  });

  it('fails if the event is not an S3 Object Created event, naming what is wrong', () => {
    expect(() => fileLandedFrom({ ...objectCreated(), 'detail-type': 'Object Deleted' }, 'uploads')).toThrow(
      /not an S3 Object Created event: \/detail-type: /,
    );
    const noSize = objectCreated();
    delete (noSize.detail.object as Record<string, unknown>).size;
    expect(() => fileLandedFrom(noSize, 'uploads')).toThrow(expect.objectContaining({ name: 'InvalidEvent' }));
  });
});
