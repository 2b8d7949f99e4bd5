import { describe, expect, it } from 'vitest';
import { outputLocation } from '../../../local/bedrock/job-objects.js';

describe('outputLocation', () => {
  it('reads the bucket and prefix of an outputDataConfig, as both job APIs take it', () => {
    expect(outputLocation({ s3OutputDataConfig: { s3Uri: 's3://videos/out/' } })).toEqual({ bucket: 'videos', key: 'out/' });
    expect(outputLocation({ s3OutputDataConfig: { s3Uri: 's3://videos' } })).toEqual({ bucket: 'videos', key: '' });
  });

  it('fails if the URI is missing or not S3, with ValidationException naming the member', () => {
    for (const config of [undefined, { s3OutputDataConfig: { s3Uri: 'https://videos/out' } }]) {
      expect(() => outputLocation(config)).toThrow(
        expect.objectContaining({
          code: 'ValidationException',
          message: expect.stringContaining('outputDataConfig.s3OutputDataConfig.s3Uri'),
        }),
      );
    }
  });
});
