import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI } from '../aws-cli.js';
import { AwsCliSession } from '../aws-cli-session.js';
import { credentials, region } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { s3Assembly } from './fixture.js';

/** The AWS CLI v1 on PATH (pyenv), if there is one that is not Debian's v2. */
function cliV1(): string | undefined {
  try {
    const found = execFileSync('bash', ['-c', 'type -ap aws'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '' && line !== AWS_CLI && line !== '/bin/aws');
    return found.find((candidate) => execFileSync(candidate, ['--version'], { encoding: 'utf8' }).startsWith('aws-cli/1.'));
  } catch {
    return undefined;
  }
}

const clis = [
  { name: 'v2', binary: existsSync(AWS_CLI) ? AWS_CLI : undefined },
  { name: 'v1', binary: cliV1() },
];

const local = restartableRuntime({ assembly: s3Assembly });
let s3: S3Client;
let work: string;
beforeAll(async () => {
  s3 = new S3Client({ endpoint: local.runtime.url, region, credentials, forcePathStyle: true });
  work = mkdtempSync(path.join(tmpdir(), 'switchyard-s3-cli-'));
});

/** One CLI process per CLI for the file's commands (see AwsCliSession). */
const sessions = new Map<string, AwsCliSession>();
afterAll(() => {
  for (const session of sessions.values()) session.close();
});

async function aws(binary: string, args: string[]): Promise<string> {
  let session = sessions.get(binary);
  if (session === undefined) {
    session = new AwsCliSession(binary, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // CLI v1 needs a region from somewhere.
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    });
    sessions.set(binary, session);
  }
  const { stdout } = await session.run(['--endpoint-url', local.runtime.url, ...args]);
  return stdout;
}

describe.each(clis)('the local S3 through the AWS CLI $name', ({ name, binary }) => {
  it.skipIf(binary === undefined)('copies a file up and down with aws s3 cp, and lists it with aws s3 ls', async () => {
    const cli = binary as string;
    const file = path.join(work, `${name}-upload.txt`);
    const content = `uploaded by the CLI ${name} with a ü\n`.repeat(2000);
    writeFileSync(file, content);
    await aws(cli, ['s3', 'cp', file, `s3://uploads/cli-${name}/upload one.txt`]);

    const listing = await aws(cli, ['s3', 'ls', `s3://uploads/cli-${name}/`]);
    expect(listing).toContain('upload one.txt');
    expect(listing).toContain(String(Buffer.byteLength(content)));
    // The bucket list (ListBuckets) is the SDK tests'.
    expect(await aws(cli, ['s3', 'ls', 's3://uploads/'])).toContain(`PRE cli-${name}/`);

    const back = path.join(work, `${name}-download.txt`);
    await aws(cli, ['s3', 'cp', `s3://uploads/cli-${name}/upload one.txt`, back]);
    expect(readFileSync(back, 'utf8')).toBe(content);

    await aws(cli, ['s3', 'rm', `s3://uploads/cli-${name}/upload one.txt`]);
    // What rm did, seen through the SDK rather than another CLI call.
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: 'uploads', Prefix: `cli-${name}/` }));
    expect(Contents.map((o) => o.Key)).not.toContain(`cli-${name}/upload one.txt`);
  });

  it.skipIf(binary === undefined)('copies a file over the multipart threshold (8 MB) up and down', async () => {
    const cli = binary as string;
    const file = path.join(work, `${name}-large.bin`);
    const content = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < content.length; i += 4096) content.writeUInt32BE(i, i);
    writeFileSync(file, content);
    await aws(cli, ['s3', 'cp', file, `s3://uploads/large-${name}.bin`]);
    const back = path.join(work, `${name}-large-back.bin`);
    await aws(cli, ['s3', 'cp', `s3://uploads/large-${name}.bin`, back]);
    expect(readFileSync(back).equals(content)).toBe(true);
  });

  it.skipIf(binary === undefined)('fails if the bucket does not exist, naming NoSuchBucket', async () => {
    const error = await aws(binary as string, ['s3', 'ls', 's3://no-such-bucket-here/']).catch((e: { stderr: string }) => e.stderr);
    expect(error).toContain('NoSuchBucket');
  });
});
