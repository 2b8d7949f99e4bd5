import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketLines } from '../../../local/s3/startup-lines.js';
import { startupReport } from '../../../local/startup/startup-report.js';
import { appDefinitions } from '../service-registry/service-definitions.js';

/** The startup report's lines for an app of these buckets alone. */
function bucketReport(buckets: Parameters<typeof bucketLines>[0]): readonly string[] {
  return startupReport({
    url: 'http://127.0.0.1:4566',
    definitions: appDefinitions(),
    warnings: [],
    dataDir: '.data',
    startedSeconds: 1,
    root: mkdtempSync(path.join(tmpdir(), 'switchyard-root-')),
    services: [{ lines: bucketLines(buckets, 'http://127.0.0.1:4566') }],
  }).lines;
}

describe('startupReport with S3 buckets', () => {
  it('lists the buckets, says which send events, and how to upload to one that does', () => {
    const lines = bucketReport([
      { name: 'quiet', eventBridge: false },
      { name: 'uploads', eventBridge: true },
    ]);
    expect(lines).toContain('  buckets: quiet, uploads (events to the default bus)');
    expect(lines).toContain('  upload: aws --endpoint-url http://127.0.0.1:4566 s3 cp <file> s3://uploads/<key>');
  });

  it('names the queues, topics and functions a bucket notifies, and how to upload to it', () => {
    const lines = bucketReport([
      { name: 'quiet', eventBridge: false, configurations: [] },
      {
        name: 'photos',
        eventBridge: false,
        configurations: [
          { kind: 'topic', arn: 'arn:aws:sns:us-east-1:000000000000:uploaded' },
          { kind: 'function', arn: 'arn:aws:lambda:us-east-1:000000000000:function:thumbnail' },
        ],
      },
    ]);
    expect(lines).toContain('  buckets: quiet, photos (topic uploaded, function thumbnail)');
    expect(lines).toContain('  upload: aws --endpoint-url http://127.0.0.1:4566 s3 cp <file> s3://photos/<key>');
  });
});
