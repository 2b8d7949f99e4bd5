import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketReport as s3Report } from '../../../local/s3/startup-lines.js';
import { startupReport } from '../../../local/startup/startup-report.js';
import { appDefinitions } from '../service-registry/service-definitions.js';

/** The startup report's lines for an app of these buckets alone. */
function bucketReport(buckets: Parameters<typeof s3Report>[0]): readonly string[] {
  return startupReport({
    url: 'http://127.0.0.1:4566',
    definitions: appDefinitions(),
    warnings: [],
    dataDir: '.data',
    startedSeconds: 1,
    root: mkdtempSync(path.join(tmpdir(), 'switchyard-root-')),
    services: [s3Report(buckets, 'http://127.0.0.1:4566'), LAMBDA],
  }).lines;
}

/** What the Lambda module offers to try for an app with a function: an invocation with `{}` (rank 4). */
const LAMBDA = { tryIt: { rank: 4, command: "lambda invoke --function-name f --payload '{}' /dev/stdout" } };

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

  it('offers an upload to a bucket that notifies, rather than an invocation with {} its function cannot read', () => {
    expect(bucketReport([{ name: 'uploads', eventBridge: true }])).toContain(
      "  try: echo hello | aws --endpoint-url http://127.0.0.1:4566 s3 cp - 's3://uploads/hello.txt'",
    );
  });

  it("uploads a key its object-created configuration's filter takes, decoded as S3 writes the filter", () => {
    const fn = 'arn:aws:lambda:us-east-1:000000000000:function:load';
    const tried = (configuration: { prefix?: string; suffix?: string; events?: string[] }) =>
      bucketReport([{ name: 'b', eventBridge: false, configurations: [{ kind: 'function', arn: fn, ...configuration }] }]).find((l) =>
        l.startsWith('  try: '),
      );
    const upload = (key: string) => `  try: echo hello | aws --endpoint-url http://127.0.0.1:4566 s3 cp - 's3://b/${key}'`;
    expect(tried({ prefix: 'products.csv', events: ['s3:ObjectCreated:*'] })).toBe(upload('products.csv'));
    expect(tried({ prefix: 'in/', suffix: '.jpg' })).toBe(upload('in/hello.jpg'));
    expect(tried({ prefix: 'my+photos/' })).toBe(upload('my photos/hello.txt'));
    // A bucket that notifies removals only is not tried with an upload: the function's invocation is.
    expect(tried({ events: ['s3:ObjectRemoved:*'] })).toBe(
      "  try: aws --endpoint-url http://127.0.0.1:4566 lambda invoke --function-name f --payload '{}' /dev/stdout",
    );
  });
});
