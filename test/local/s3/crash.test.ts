import type { ChildProcess } from 'node:child_process';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';
import { freePort, RuntimeProcesses } from '../runtime-process.js';
import { s3Assembly } from './fixture.js';

const runtimes = new RuntimeProcesses();
afterAll(() => runtimes.killAll());

async function startRuntime(cdkOut: string, dataDir: string, port: number): Promise<ChildProcess> {
  return (await runtimes.start(cdkOut, dataDir, port)).child;
}

describe('S3 durability', () => {
  it('keeps every object PutObject acknowledged, and its event, when the runtime is killed with SIGKILL and started again', async () => {
    const cdkOut = s3Assembly();
    const dataDir = tempDataDir();
    const port = await freePort();
    const config = { endpoint: `http://127.0.0.1:${port}`, region, credentials, forcePathStyle: true, maxAttempts: 1 };
    const s3 = new S3Client(config);
    const sqs = new SQSClient(config);
    const first = await startRuntime(cdkOut, dataDir, port);

    const keys = Array.from({ length: 60 }, (_, i) => `crash/${i}.txt`);
    let acknowledgedSoFar = 0;
    const puts = keys.map((Key) =>
      s3.send(new PutObjectCommand({ Bucket: 'uploads', Key, Body: `body of ${Key}` })).then((output) => {
        acknowledgedSoFar += 1;
        return output;
      }),
    );
    // Kill while puts are still arriving: only the acknowledged ones are promised.
    const settled = Promise.allSettled(puts);
    await eventually(async () => (acknowledgedSoFar >= 5 ? true : undefined), 30_000, 'some puts acknowledged');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const results = await settled;
    const kept = keys.filter((_, i) => results[i]?.status === 'fulfilled');
    expect(kept.length).toBeGreaterThan(0);

    await startRuntime(cdkOut, dataDir, port);
    for (const Key of kept) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key }));
      expect(await got.Body?.transformToString()).toBe(`body of ${Key}`);
    }
    const QueueUrl = `http://127.0.0.1:${port}/000000000000/s3-events`;
    const notified = new Set<string>();
    await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
        for (const message of Messages) notified.add(JSON.parse(message.Body ?? '{}').detail.object.key);
        return kept.every((key) => notified.has(key)) ? true : undefined;
      },
      60_000,
      'an Object Created event for every acknowledged object',
    );
    s3.destroy();
    sqs.destroy();
  }, 120_000);
});
