import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { filtered } from '../../../local/s3/bucket-deployments.js';
import { synthStack } from '../cdk-stack.js';
import { tempDataDir } from '../helpers.js';

/**
 * A site deployed as CDK apps deploy one: a folder of files (one excluded) under a prefix,
 * a `Source.data` and a `Source.jsonData` file naming resources of the app (deploy-time
 * values, written as markers), and a second deployment that keeps what it finds (prune off).
 */
function synthApp(outdir: string, site: string, page: string): void {
  mkdirSync(path.join(site, 'data'), { recursive: true });
  writeFileSync(path.join(site, 'index.html'), page);
  writeFileSync(path.join(site, 'data', 'items.json'), '[1,2,3]');
  writeFileSync(path.join(site, 'scratch.tmp'), 'not deployed');
  synthStack(
    'Site',
    (stack) => {
      const bucket = new s3.Bucket(stack, 'Web', { bucketName: 'web' });
      const queue = new sqs.Queue(stack, 'Jobs', { queueName: 'jobs' });
      new s3deploy.BucketDeployment(stack, 'DeploySite', {
        sources: [
          s3deploy.Source.asset(site),
          s3deploy.Source.data('config.txt', `bucket=${bucket.bucketName}`),
          s3deploy.Source.jsonData('settings.json', { queueArn: queue.queueArn }),
        ],
        destinationBucket: bucket,
        destinationKeyPrefix: 'site/',
        exclude: ['*.tmp'],
        cacheControl: [s3deploy.CacheControl.maxAge(Duration.minutes(5))],
      });
      new s3deploy.BucketDeployment(stack, 'DeployNotes', {
        sources: [s3deploy.Source.data('readme.txt', 'notes')],
        destinationBucket: bucket,
        destinationKeyPrefix: 'notes/',
        prune: false,
      });
    },
    outdir,
  );
}

let outdir: string;
let site: string;
let dataDir: string;
let runtime: LocalRuntime;
const logs: string[] = [];

async function start(): Promise<LocalRuntime> {
  return LocalRuntime.start({ cdkOut: outdir, dataDir, port: 0, log: (line) => logs.push(line) });
}

const text = (key: string) => runtime.s3.s3.GetObject({ Bucket: 'web', Key: key }).body.toString('utf8');
const keys = () => runtime.s3.s3.ListObjects({ Bucket: 'web' }).Contents.map((o) => o.key);

beforeAll(async () => {
  outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-deploy-'));
  site = mkdtempSync(path.join(tmpdir(), 'switchyard-site-'));
  dataDir = tempDataDir();
  synthApp(outdir, site, '<h1>one</h1>');
  runtime = await start();
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  rmSync(outdir, { recursive: true, force: true });
  rmSync(site, { recursive: true, force: true });
});

describe('CDK bucket deployments (Custom::CDKBucketDeployment)', () => {
  it('copies each source’s files under the prefix, leaving out what Exclude names, with no start-up warning', () => {
    expect(keys().sort()).toEqual(['notes/readme.txt', 'site/config.txt', 'site/data/items.json', 'site/index.html', 'site/settings.json']);
    expect(text('site/index.html')).toBe('<h1>one</h1>');
    expect(runtime.warnings.filter((w) => w.includes('CDKBucketDeployment'))).toEqual([]);
  });

  it('gives each object the content type the AWS CLI guesses and the deployment’s metadata', () => {
    const page = runtime.s3.s3.HeadObject({ Bucket: 'web', Key: 'site/index.html' });
    expect(page.contentType).toBe('text/html');
    expect(page.headers['cache-control']).toBe('max-age=300');
    expect(runtime.s3.s3.HeadObject({ Bucket: 'web', Key: 'site/data/items.json' }).contentType).toBe('application/json');
  });

  it('writes the deploy-time values of Source.data and Source.jsonData in place of their markers', () => {
    expect(text('site/config.txt')).toBe('bucket=web');
    expect(JSON.parse(text('site/settings.json'))).toEqual({ queueArn: 'arn:aws:sqs:us-east-1:000000000000:jobs' });
  });

  it('runs a deployment again only when it changed, as a deploy would: a restart keeps what the app wrote since', async () => {
    runtime.s3.s3.PutObject(
      { Bucket: 'web', Key: 'site/uploaded.txt', Body: Buffer.from('by the app') },
      { requestId: 'r', sourceIp: '127.0.0.1' },
    );
    await runtime.stop();
    runtime = await start();
    expect(keys()).toContain('site/uploaded.txt');
  }, 60_000);

  it('prunes what the new sources no longer have when a changed deployment runs, and keeps what a deployment without Prune finds', async () => {
    runtime.s3.s3.PutObject({ Bucket: 'web', Key: 'notes/mine.txt', Body: Buffer.from('kept') }, { requestId: 'r', sourceIp: '127.0.0.1' });
    const next = mkdtempSync(path.join(tmpdir(), 'switchyard-deploy-'));
    synthApp(next, site, '<h1>two</h1>');
    const summary = await runtime.reload(next);
    // Only the deployment whose source changed runs again.
    expect(summary.reloaded).toEqual([expect.stringMatching(/^bucket deployment Site\/DeploySiteCustomResource/)]);
    expect(text('site/index.html')).toBe('<h1>two</h1>');
    expect(keys()).not.toContain('site/uploaded.txt');
    expect(keys()).toContain('notes/mine.txt');
    rmSync(next, { recursive: true, force: true });
  }, 60_000);
});

describe('filtered', () => {
  it('keeps a file an Include names after an Exclude left it out, as aws s3 sync’s filters decide in turn', () => {
    expect(filtered('a/b.tmp', ['*.tmp'], [])).toBe(false);
    expect(filtered('a/keep.tmp', ['*.tmp'], ['*/keep.*'])).toBe(true);
    expect(filtered('index.html', ['*'], ['index.html'])).toBe(true);
    expect(filtered('x1.txt', ['x[0-9].txt'], [])).toBe(false);
  });
});
