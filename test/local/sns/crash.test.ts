import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { crashClients, useCrashableApps } from '../../helpers/crashable-apps.js';
import { eventually } from '../helpers.js';
import { writeSnsApp } from './fixture.js';

/** Apps on a runtime in a process of its own, which `crash()` kills with SIGKILL (the public testing API). */
const crashable = useCrashableApps({ iam: 'off' });

describe('SNS durability', () => {
  it('delivers every message Publish acknowledged when the runtime is killed with SIGKILL and started again', async () => {
    const { cdkOut } = writeSnsApp();
    const running = await crashable(cdkOut);
    const { config, sqs } = crashClients(running);
    const sns = new SNSClient(config);

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
