import { DescribeExecutionCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, eventually, region } from '../helpers.js';
import { ACCOUNT } from './fixture.js';
import { SesRuntime } from './helpers.js';

let app: SesRuntime;
let sfn: SFNClient;

beforeAll(async () => {
  app = await SesRuntime.start({ iam: 'enforce' });
  sfn = new SFNClient({ endpoint: app.runtime.url, region, credentials, maxAttempts: 1 });
});

afterAll(async () => {
  sfn?.destroy();
  await app?.stop();
});

describe('SES from Step Functions (aws-sdk:sesv2:sendEmail.waitForTaskToken)', () => {
  it('mails the task token, as the execution role, and waits until the reviewer sends it back', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:ask-reviewer`,
        input: JSON.stringify({ ticket: 'T-7', destination: { ToAddresses: ['success@simulator.amazonses.com'] } }),
      }),
    );
    const mail = await eventually(async () =>
      (await app.mailbox('?address=success@simulator')).messages.find((m) => m.subject === 'Review T-7'),
    );
    const text = (await app.mail(mail.id)).text ?? '';
    const token = /Your approval token: (\S+)/.exec(text)?.[1] as string;
    expect(token).toBeDefined();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }));
    const ended = await eventually(async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    });
    expect(ended).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ approved: true }) });
  });
});
