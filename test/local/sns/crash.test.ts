import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../../testing/index.js';
import { credentials, eventually, region } from '../helpers.js';
import { writeSnsApp } from './fixture.js';

let app: TestApp | undefined;
afterAll(async () => {
  await app?.stop();
});

describe('SNS durability', () => {
  it('delivers every message Publish acknowledged when the runtime is killed with SIGKILL and started again', async () => {
    const { cdkOut } = writeSnsApp();
    // A runtime in a process of its own, which `crash()` kills with SIGKILL (the public testing API).
    const running = await startApp({ cdkOut }, { ownProcess: true, iam: 'off' });
    app = running;
    const config = { endpoint: running.endpoint, region, credentials, maxAttempts: 1 };
    const sns = new SNSClient(config);
    const sqs = new SQSClient(config);

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
    await running.crash();
    const QueueUrl = `${running.endpoint}/000000000000/raw-orders`;
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
