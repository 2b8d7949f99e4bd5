import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { MailPage } from '../../../clients/read-api-contract.js';
import { crashClients, useCrashableApps } from '../../helpers/crashable-apps.js';
import { eventually } from '../helpers.js';
import { writeSesApp } from './fixture.js';

/** Apps on a runtime in a process of its own, which `crash()` kills with SIGKILL (the public testing API). */
const crashable = useCrashableApps({ iam: 'off' });

describe('SES durability', () => {
  it('keeps every message SendEmail acknowledged, and publishes its events, when the runtime is killed with SIGKILL', async () => {
    // Out of the sandbox, which the option carries to the runtime's own process.
    const running = await crashable(writeSesApp(), { sesSandbox: false });
    const { config, sqs } = crashClients(running);
    const ses = new SESClient(config);
    const sends = Array.from({ length: 30 }, (_, i) =>
      ses.send(
        new SendEmailCommand({
          Source: 'mailer@example.com',
          Destination: { ToAddresses: [`reader${i}@anywhere.test`] },
          Message: { Subject: { Data: `message ${i}` }, Body: { Text: { Data: 'hello' } } },
        }),
      ),
    );
    const acknowledged = (await Promise.all(sends)).map((sent) => sent.MessageId as string);
    await running.crash();

    const page = (await (await fetch(`${running.endpoint}/_switchyard/v1/mail?limit=1000`)).json()) as MailPage;
    expect(page.messages.map((m) => m.id).sort()).toEqual([...acknowledged].sort());

    // Each message's Delivery event reaches the configuration set's topic, from the outbox that outlived the crash.
    const QueueUrl = `${running.endpoint}/000000000000/ses-events-queue`;
    const delivered = new Set<string>();
    await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
        for (const message of Messages) {
          const event = JSON.parse(message.Body?.startsWith('{') ? message.Body : '{}') as {
            eventType?: string;
            mail?: { messageId: string };
          };
          if (event.eventType === 'Delivery' && event.mail) delivered.add(event.mail.messageId);
        }
        return delivered.size >= acknowledged.length ? true : undefined;
      },
      60_000,
      'a Delivery event for every acknowledged message',
    );
    expect([...delivered].sort()).toEqual([...acknowledged].sort());
    ses.destroy();
    sqs.destroy();
  }, 120_000);
});
