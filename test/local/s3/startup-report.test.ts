import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketLines } from '../../../local/s3/startup-lines.js';
import { startupReport } from '../../../local/startup-report.js';

const definitions = {
  queues: [],
  tables: [],
  functions: [],
  sqsMappings: [],
  functionUrls: [],
  buses: [],
  rules: [],
  archives: [],
  stateMachines: [],
  warnings: [],
};

describe('startupReport with S3 buckets', () => {
  it('lists the buckets, says which send events, and how to upload to one that does', () => {
    const { lines } = startupReport({
      url: 'http://127.0.0.1:4566',
      definitions,
      warnings: [],
      dataDir: '.data',
      startedSeconds: 1,
      root: mkdtempSync(path.join(tmpdir(), 'switchyard-root-')),
      services: [
        {
          lines: bucketLines(
            [
              { name: 'quiet', eventBridge: false },
              { name: 'uploads', eventBridge: true },
            ],
            'http://127.0.0.1:4566',
          ),
        },
      ],
    });
    expect(lines).toContain('  buckets: quiet, uploads (events to the default bus)');
    expect(lines).toContain('  upload: aws --endpoint-url http://127.0.0.1:4566 s3 cp <file> s3://uploads/<key>');
  });

  it('names the queues, topics and functions a bucket notifies, and how to upload to it', () => {
    const { lines } = startupReport({
      url: 'http://127.0.0.1:4566',
      definitions,
      warnings: [],
      dataDir: '.data',
      startedSeconds: 1,
      root: mkdtempSync(path.join(tmpdir(), 'switchyard-root-')),
      services: [
        {
          lines: bucketLines(
            [
              { name: 'quiet', eventBridge: false, configurations: [] },
              {
                name: 'photos',
                eventBridge: false,
                configurations: [
                  { kind: 'topic', arn: 'arn:aws:sns:us-east-1:000000000000:uploaded' },
                  { kind: 'function', arn: 'arn:aws:lambda:us-east-1:000000000000:function:thumbnail' },
                ],
              },
            ],
            'http://127.0.0.1:4566',
          ),
        },
      ],
    });
    expect(lines).toContain('  buckets: quiet, photos (topic uploaded, function thumbnail)');
    expect(lines).toContain('  upload: aws --endpoint-url http://127.0.0.1:4566 s3 cp <file> s3://photos/<key>');
  });
});
