import { SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textMail } from '../helpers/ses-mail.js';
import { SesRuntime } from '../local/ses/helpers.js';
import { runCli } from './run-cli.js';

let app: SesRuntime;
let messageId: string;
const cli = (...args: string[]) => runCli([...args, '--endpoint', app.runtime.url]);

beforeAll(async () => {
  app = await SesRuntime.start();
  const sent = await app.v1.send(
    new SendEmailCommand({
      Source: 'Mailer <mailer@example.com>',
      Destination: { ToAddresses: ['success@simulator.amazonses.com'], BccAddresses: ['ooto@simulator.amazonses.com'] },
      Message: {
        Subject: { Data: 'Your code' },
        Body: { Html: { Data: '<p>Your code is <b>4711</b>.</p><p><a href="https://example.com/approve?c=4711">Approve</a></p>' } },
      },
    }),
  );
  messageId = sent.MessageId as string;
});

afterAll(() => app?.stop());

describe('switchyard mail', () => {
  it('lists the mailbox newest first, by address too', async () => {
    const listed = await cli('mail');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/SENT\s+FROM\s+TO\s+SUBJECT\s+STATUS\s+ID/);
    expect(listed.stdout).toContain('Your code');
    expect(listed.stdout).toContain(messageId);
    expect((await cli('mail', '--to', 'nobody@nowhere.test')).stdout).toContain('No mail from or to nobody@nowhere.test.');
  });

  it("opens a message: its headers, its HTML's text, and its links numbered", async () => {
    const opened = await cli('mail', messageId);
    expect(opened.code).toBe(0);
    expect(opened.stdout).toContain('From:     Mailer <mailer@example.com>');
    expect(opened.stdout).toContain('Sent to:  success@simulator.amazonses.com, ooto@simulator.amazonses.com');
    expect(opened.stdout).toContain('Your code is 4711.');
    expect(opened.stdout).toContain('  [1] Approve: https://example.com/approve?c=4711');
    expect((await cli('mail', messageId, '--raw')).stdout).toContain('Subject: Your code');
    expect((await cli('mail', messageId, '--json')).stdout).toContain('"links"');
  });

  it('verifies an address by following the link of the mail SES sends it, so the sandbox lets mail go to it', async () => {
    const verified = await runCli(['mail', 'verify', 'reviewer@team.test', '--endpoint', app.runtime.url], { process: true });
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.stdout).toContain('reviewer@team.test is verified');
    const sent = await app.v1.send(textMail('reviewer@team.test', 'now it arrives', 'hi'));
    expect(sent.MessageId).toBeDefined();
    expect((await cli('mail', 'verify', 'reviewer@team.test')).stdout).toContain('reviewer@team.test is verified already.');
  });

  it('fails if a message id names no mail, or the target is AWS (which keeps no copy of sent mail)', async () => {
    expect(await cli('mail', 'no-such-id')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no mail no-such-id in the local mailbox'),
    });
    const aws = await runCli(['mail', '--aws']);
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('mail reads the local runtime');
  });
});
