import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../../testing/index.js';
import { ACCOUNT, writeSesApp } from './fixture.js';

let app: TestApp;

beforeAll(async () => {
  app = await startApp({ cdkOut: writeSesApp() }, { iam: 'off' });
});

afterAll(() => app?.stop());

describe('TestApp.waitForMail', () => {
  it('resolves with the mail a flow sent, read, so a test can act on its code as the reviewer would', async () => {
    const { executionArn } = await app.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:ask-reviewer`,
        name: 'review-T-9',
        input: JSON.stringify({ ticket: 'T-9', destination: { ToAddresses: ['success@simulator.amazonses.com'] } }),
      }),
    );
    const mail = await app.waitForMail({ to: 'success@simulator.amazonses.com', subject: 'Review T-9' });
    const token = /Your approval token: (\S+)/.exec(mail.text ?? '')?.[1] as string;
    await app.clients.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    expect((await app.waitForExecution('review-T-9')).executionArn).toBe(executionArn);
  });

  it('fails if no such mail comes in time, naming the mail there is', async () => {
    await expect(app.waitForMail({ to: 'nobody@else.test' }, { timeoutMs: 300 })).rejects.toThrow(
      /timed out after 300 ms waiting for a message to nobody@else.test; seen instead: "Review T-9" to success@simulator.amazonses.com/,
    );
  });
});
