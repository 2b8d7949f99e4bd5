import type { ChildProcess } from 'node:child_process';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';
import { freePort, RuntimeProcesses } from '../runtime-process.js';
import { writeSnsApp } from './fixture.js';

const runtimes = new RuntimeProcesses();
afterAll(() => runtimes.killAll());

async function startRuntime(cdkOut: string, dataDir: string, port: number): Promise<ChildProcess> {
  return (await runtimes.start(cdkOut, dataDir, port)).child;
}

describe('SNS durability', () => {
  it('delivers every message Publish acknowledged when the runtime is killed with SIGKILL and started again', async () => {
    const { cdkOut } = writeSnsApp();
    const dataDir = tempDataDir();
    const port = await freePort();
    const config = { endpoint: `http://127.0.0.1:${port}`, region, credentials, maxAttempts: 1 };
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);
    const first = await startRuntime(cdkOut, dataDir, port);

    const batches = Array.from({ length: 30 }, (_, b) =>
      sns.send(
        new PublishBatchCommand({
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:orders',
          PublishBatchRequestEntries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, Message: `message-${b * 10 + i}` })),
        }),
      ),
    );
    const acknowledged = (await Promise.all(batches)).flatMap((result) => result.Successful ?? []);
    expect(acknowledged).toHaveLength(300);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await startRuntime(cdkOut, dataDir, port);
    const QueueUrl = `http://127.0.0.1:${port}/000000000000/raw-orders`;
    const received = new Set<string>();
    await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
        for (const message of Messages) received.add(message.Body ?? '');
        return received.size >= 300 ? true : undefined;
      },
      60_000,
      'every acknowledged message in the queue',
    );
    expect([...received].sort()).toEqual(Array.from({ length: 300 }, (_, i) => `message-${i}`).sort());
    sns.destroy();
    sqs.destroy();
  }, 120_000);
});
