import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startupReport } from '../../../local/startup-report.js';

const definitions = {
  queues: [],
  tables: [],
  functions: [],
  sqsMappings: [],
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
      buckets: [
        { name: 'quiet', eventBridge: false },
        { name: 'uploads', eventBridge: true },
      ],
    });
    expect(lines).toContain('  buckets: quiet, uploads (events to the default bus)');
    expect(lines).toContain('  upload: aws --endpoint-url http://127.0.0.1:4566 s3 cp <file> s3://uploads/<key>');
  });
});
