import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { eventually } from '../local/helpers.js';
import { restartableRuntime, sdkConfig } from '../local/restartable-runtime.js';
import { notificationApp } from '../local/sns/fixture.js';
import { runCli } from './run-cli.js';

const local = restartableRuntime({
  assembly: notificationApp,
  ownsAssembly: true,
  clients: ({ url }) => ({ sns: new SNSClient(sdkConfig(url)) }),
});

describe('switchyard trace of an SNS message id', () => {
  it('draws the notification, what each subscription got and the subscription its filter policy kept it from', async () => {
    const { MessageId = '' } = await local.sns.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:news', Message: 'hello', Subject: 'Greeting' }),
    );
    // Traced once the listener's invocation has ended.
    await eventually(async () => {
      const text = JSON.stringify(await local.runtime.readApi.lineage(MessageId));
      return text.includes('"status":"succeeded"') ? true : undefined;
    }, 30_000);
    const { code, stdout, stderr } = await runCli(['trace', MessageId, '--endpoint', local.runtime.url]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} {2}SNS notification: notification to news "Greeting" {2}\\[published\\] {2}${MessageId}$`),
    );
    expect(stdout).toMatch(/[├└]─ \S+ {2}message: message to inbox {2}\[sent\] {2}\S+/);
    expect(stdout).toMatch(/[├└]─ \S+ {2}invocation: listener invocation \S+ {2}\[succeeded\]/);
    expect(stdout).toMatch(
      /[├└]─ \S+ {2}SNS delivery: filtered out: sqs rare {2}\[filtered out\]\n.* {2}reason: the filter policy of this subscription did not match the message/,
    );
  }, 40_000);
});
