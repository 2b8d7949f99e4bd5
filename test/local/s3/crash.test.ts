import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { crashClients, useCrashableApps } from '../../helpers/crashable-apps.js';
import { eventually } from '../helpers.js';
import { s3Assembly } from './fixture.js';

/** Apps on a runtime in a process of its own, which `crash()` kills with SIGKILL (the public testing API). */
const crashable = useCrashableApps({ iam: 'off' });

describe('S3 durability', () => {
  it('keeps every object PutObject acknowledged, and its event, when the runtime is killed with SIGKILL and started again', async () => {
    const cdkOut = s3Assembly();
    const running = await crashable(cdkOut);
    const { config, sqs } = crashClients(running, { forcePathStyle: true });
    const s3 = new S3Client(config);

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
    // The SIGKILL goes out within the call; the restart on the same data follows.
    const crashed = running.crash();
    const results = await settled;
    const kept = keys.filter((_, i) => results[i]?.status === 'fulfilled');
    expect(kept.length).toBeGreaterThan(0);

    await crashed;
    for (const Key of kept) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key }));
      expect(await got.Body?.transformToString()).toBe(`body of ${Key}`);
    }
    const QueueUrl = `${running.endpoint}/000000000000/s3-events`;
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
