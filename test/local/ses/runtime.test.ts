import {
  DescribeConfigurationSetCommand,
  GetIdentityVerificationAttributesCommand,
  GetSendQuotaCommand,
  GetTemplateCommand,
  SendBulkTemplatedEmailCommand,
  SendEmailCommand,
  SendRawEmailCommand,
  SendTemplatedEmailCommand,
} from '@aws-sdk/client-ses';
import {
  GetAccountCommand,
  GetConfigurationSetEventDestinationsCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  SendBulkEmailCommand,
  SendEmailCommand as SendEmailV2Command,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPIC } from './fixture.js';
import { failure, ofMessage, SesRuntime } from './helpers.js';

const SIMULATOR = 'success@simulator.amazonses.com';

let app: SesRuntime;

beforeAll(async () => {
  // The sandbox, as a new AWS account's SES: mail to the mailbox simulator only (and to verified identities).
  app = await SesRuntime.start();
});

afterAll(() => app?.stop());

const simple = (subject: string, to = [SIMULATOR]) =>
  new SendEmailCommand({
    Source: 'Mailer <mailer@example.com>',
    Destination: { ToAddresses: to },
    Message: { Subject: { Data: subject }, Body: { Text: { Data: `Hello, follow https://example.com/confirm?c=1 (${subject})` } } },
  });

/** The template `welcome` sent to the simulator with this data. */
const welcome = (data: Record<string, string>) =>
  new SendTemplatedEmailCommand({
    Source: 'mailer@example.com',
    Destination: { ToAddresses: [SIMULATOR] },
    Template: 'welcome',
    TemplateData: JSON.stringify(data),
  });

describe('SES (local runtime): the app template', () => {
  it("creates the template's identity (verified), template and configuration set with its event destinations", async () => {
    const attributes = await app.v1.send(new GetIdentityVerificationAttributesCommand({ Identities: ['example.com', 'other.test'] }));
    expect(attributes.VerificationAttributes).toEqual({
      'example.com': { VerificationStatus: 'Success', VerificationToken: expect.any(String) },
    });
    const template = await app.v1.send(new GetTemplateCommand({ TemplateName: 'welcome' }));
    expect(template.Template).toMatchObject({ TemplateName: 'welcome', SubjectPart: 'Welcome, {{name}}' });
    const set = await app.v1.send(
      new DescribeConfigurationSetCommand({ ConfigurationSetName: 'tracking', ConfigurationSetAttributeNames: ['eventDestinations'] }),
    );
    expect(set.EventDestinations?.map((d) => [d.Name, d.Enabled, d.SNSDestination?.TopicARN])).toEqual([
      ['to-topic', true, TOPIC],
      ['SesApp-ToBus', true, undefined],
    ]);
    const v2 = await app.v2.send(new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: 'tracking' }));
    expect(v2.EventDestinations?.[1]).toMatchObject({
      MatchingEventTypes: ['DELIVERY'],
      EventBridgeDestination: { EventBusArn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
    });
    const identity = await app.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    expect(identity).toMatchObject({ IdentityType: 'DOMAIN', VerificationStatus: 'SUCCESS', ConfigurationSetName: 'tracking' });
    // The newer SDK lists identities with a POST the pinned model predates; both are served.
    const listed = await app.v2.send(new ListEmailIdentitiesCommand({}));
    expect(listed.EmailIdentities?.map((i) => i.IdentityName)).toContain('example.com');
  });

  it('names the resource types it accepts but does not run at start-up', () => {
    expect(app.runtime.warnings).toContainEqual(
      expect.stringContaining('SesApp/Inbound (AWS::SES::ReceiptRuleSet): SES does not receive mail locally'),
    );
  });

  it('publishes the test message to an SNS destination when it creates it, as SES does', async () => {
    const [test] = await app.events(
      'ses-events-queue',
      (e) => e.text === 'Successfully validated SNS topic for Amazon SES event publishing.',
      1,
    );
    expect(test).toBeDefined();
  });
});

describe('SES (local runtime): sending', () => {
  it('keeps a simple message in the mailbox, readable with its links, and publishes its Send and Delivery events', async () => {
    const { MessageId } = await app.v1.send(simple('first'));
    const mail = await app.mail(MessageId as string);
    expect(mail).toMatchObject({
      from: 'Mailer <mailer@example.com>',
      to: [SIMULATOR],
      subject: 'first',
      operation: 'SendEmail',
      configurationSet: 'tracking',
      status: 'delivered',
      links: [{ href: 'https://example.com/confirm?c=1', text: 'https://example.com/confirm?c=1' }],
    });
    expect(mail.headers).toContainEqual({ name: 'message-id', value: `<${MessageId}@email.amazonses.com>` });
    const events = await app.events('ses-events-queue', ofMessage(MessageId as string), 2);
    expect(events.map((e) => e.eventType).sort()).toEqual(['Delivery', 'Send']);
    expect(events[0]?.mail).toMatchObject({
      source: 'Mailer <mailer@example.com>',
      sourceArn: 'arn:aws:ses:us-east-1:000000000000:identity/example.com',
      destination: [SIMULATOR],
      commonHeaders: { subject: 'first', messageId: MessageId },
      tags: { 'ses:operation': ['SendEmail'], 'ses:configuration-set': ['tracking'], 'ses:from-domain': ['example.com'] },
    });
    const [onBus] = await app.events('ses-bus-queue', ofMessage(MessageId as string), 1);
    expect(onBus).toMatchObject({
      source: 'aws.ses',
      'detail-type': 'Email Delivered',
      resources: ['arn:aws:ses:us-east-1:000000000000:configuration-set/tracking'],
      detail: { eventType: 'Delivery', delivery: { recipients: [SIMULATOR] } },
    });
  });

  it("answers the mailbox simulator's bounce and complaint addresses with their events", async () => {
    const { MessageId } = await app.v1.send(simple('simulated', ['bounce@simulator.amazonses.com', 'complaint@simulator.amazonses.com']));
    const events = await app.events('ses-events-queue', ofMessage(MessageId as string), 4);
    expect(events.map((e) => e.eventType).sort()).toEqual(['Bounce', 'Complaint', 'Delivery', 'Send']);
    expect(events.find((e) => e.eventType === 'Bounce')?.bounce).toMatchObject({
      bounceType: 'Permanent',
      bouncedRecipients: [{ emailAddress: 'bounce@simulator.amazonses.com' }],
    });
  });

  it('renders a templated message with its data, HTML-escaping values in every part as Handlebars does', async () => {
    const { MessageId } = await app.v1.send(welcome({ name: 'Ann & Bo', code: '4711', link: 'https://example.com/v?t=1&u=2' }));
    const mail = await app.mail(MessageId as string);
    // SES renders subject and text with the same Handlebars: `{{name}}` is escaped there too (`{{{name}}}` is not).
    expect(mail.subject).toBe('Welcome, Ann &amp; Bo');
    expect(mail.text).toContain('Hello Ann &amp; Bo, your code is 4711.');
    expect(mail.html).toContain('<b>4711</b>');
    expect(mail.links).toEqual([{ href: 'https://example.com/v?t=1&u=2', text: 'Confirm' }]);
  });

  it('accepts a templated message whose data lacks an attribute, never delivers it, and publishes a rendering failure', async () => {
    const { MessageId } = await app.v1.send(welcome({ name: 'Ann' }));
    const mail = await app.mail(MessageId as string);
    expect(mail).toMatchObject({ status: 'rendering-failure', failure: "Attribute 'code' is not present in the rendering data." });
    const [event] = await app.events('ses-events-queue', ofMessage(MessageId as string), 1);
    expect(event).toMatchObject({
      eventType: 'Rendering Failure',
      failure: { errorMessage: "Attribute 'code' is not present in the rendering data.", templateName: 'welcome' },
    });
  });

  it('sends a raw message to its headers, with SES Message-ID and Date, and without its Bcc header', async () => {
    const raw = [
      'From: mailer@example.com',
      `To: ${SIMULATOR}`,
      'Bcc: ooto@simulator.amazonses.com',
      'Message-ID: <mine@example.com>',
      'Subject: raw one',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>See <a href="https://example.com/r">this</a></p>',
    ].join('\r\n');
    const { MessageId } = await app.v1.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } }));
    const mail = await app.mail(MessageId as string);
    expect(mail).toMatchObject({ to: [SIMULATOR, 'ooto@simulator.amazonses.com'], subject: 'raw one', toHeader: [SIMULATOR] });
    expect(mail.headers.filter((h) => h.name === 'bcc')).toEqual([]);
    expect(mail.headers).toContainEqual({ name: 'message-id', value: `<${MessageId}@email.amazonses.com>` });
    expect(mail.links).toEqual([{ href: 'https://example.com/r', text: 'this' }]);
    const source = await fetch(`${app.runtime.url}/_switchyard/v1/mail/${MessageId}/raw`);
    expect(source.headers.get('content-type')).toBe('message/rfc822');
    expect(await source.text()).toContain('Subject: raw one');
  });

  it('sends through the v2 API too: simple, with attachments, and from an inline template', async () => {
    const { MessageId } = await app.v2.send(
      new SendEmailV2Command({
        FromEmailAddress: 'mailer@example.com',
        Destination: { ToAddresses: [SIMULATOR] },
        Content: {
          Simple: {
            Subject: { Data: 'v2 simple' },
            Body: { Html: { Data: '<a href="https://example.com/2">two</a>' } },
            Attachments: [{ FileName: 'note.txt', RawContent: Buffer.from('a note'), ContentType: 'text/plain' }],
          },
        },
      }),
    );
    const mail = await app.mail(MessageId as string);
    expect(mail).toMatchObject({ subject: 'v2 simple', links: [{ href: 'https://example.com/2', text: 'two' }] });
    expect(mail.attachments).toEqual([{ filename: 'note.txt', mimeType: 'text/plain', size: 6 }]);
    const inline = await app.v2.send(
      new SendEmailV2Command({
        FromEmailAddress: 'mailer@example.com',
        Destination: { ToAddresses: [SIMULATOR] },
        Content: {
          Template: { TemplateContent: { Subject: 'Code {{code}}', Text: 'Your code: {{code}}' }, TemplateData: '{"code":"99"}' },
        },
      }),
    );
    expect((await app.mail(inline.MessageId as string)).text).toContain('Your code: 99');
  });

  it('sends bulk templated mail one message per destination, failing only the entries the sandbox refuses (v1 and v2)', async () => {
    const v1 = await app.v1.send(
      new SendBulkTemplatedEmailCommand({
        Source: 'mailer@example.com',
        Template: 'welcome',
        DefaultTemplateData: JSON.stringify({ name: 'friend', code: '0' }),
        Destinations: [
          { Destination: { ToAddresses: [SIMULATOR] }, ReplacementTemplateData: JSON.stringify({ name: 'Ann', code: '1' }) },
          { Destination: { ToAddresses: ['stranger@unverified.test'] } },
          { Destination: { ToAddresses: [SIMULATOR] }, ReplacementTemplateData: '{}' },
        ],
      }),
    );
    expect(v1.Status?.map((s) => s.Status)).toEqual(['Success', 'MessageRejected', 'Success']);
    expect((await app.mail(v1.Status?.[0]?.MessageId as string)).subject).toBe('Welcome, Ann');
    expect((await app.mail(v1.Status?.[2]?.MessageId as string)).subject).toBe('Welcome, friend');
    const v2 = await app.v2.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'mailer@example.com',
        DefaultContent: { Template: { TemplateName: 'welcome', TemplateData: JSON.stringify({ name: 'x', code: 'y' }) } },
        BulkEmailEntries: [{ Destination: { ToAddresses: [SIMULATOR] } }, { Destination: { ToAddresses: ['stranger@unverified.test'] } }],
      }),
    );
    expect(v2.BulkEmailEntryResults?.map((r) => r.Status)).toEqual(['SUCCESS', 'MESSAGE_REJECTED']);
  });

  it('counts recipients against the sandbox quota, which GetSendQuota and GetAccount report', async () => {
    const quota = await app.v1.send(new GetSendQuotaCommand({}));
    expect(quota).toMatchObject({ Max24HourSend: 200, MaxSendRate: 1 });
    expect(quota.SentLast24Hours).toBeGreaterThan(0);
    const account = await app.v2.send(new GetAccountCommand({}));
    expect(account).toMatchObject({ ProductionAccessEnabled: false, SendingEnabled: true, SendQuota: { Max24HourSend: 200 } });
  });

  it('lists the mailbox newest first, a page at a time, and by address', async () => {
    const first = await app.mailbox('?limit=2');
    expect(first.messages).toHaveLength(2);
    expect(first.nextToken).toBeDefined();
    const next = await app.mailbox(`?limit=2&nextToken=${encodeURIComponent(first.nextToken as string)}`);
    expect(Date.parse(next.messages[0]?.sentAt as string)).toBeLessThanOrEqual(Date.parse(first.messages[1]?.sentAt as string));
    const byAddress = await app.mailbox('?address=bounce@simulator');
    expect(byAddress.messages.map((m) => m.subject)).toEqual(['simulated']);
    expect((await app.read('/mail/no-such-id')).status).toBe(404);
  });

  it("fails if the sender is not verified, with SES's MessageRejected naming it (v1 and v2)", async () => {
    const expected =
      'Email address is not verified. The following identities failed the check in region US-EAST-1: Someone <someone@unverified.test>';
    expect(
      await failure(
        app.v1.send(
          new SendEmailCommand({
            Source: 'Someone <someone@unverified.test>',
            Destination: { ToAddresses: [SIMULATOR] },
            Message: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } },
          }),
        ),
      ),
    ).toEqual({ name: 'MessageRejected', status: 400, message: expected });
    expect(
      await failure(
        app.v2.send(
          new SendEmailV2Command({
            FromEmailAddress: 'Someone <someone@unverified.test>',
            Destination: { ToAddresses: [SIMULATOR] },
            Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
          }),
        ),
      ),
    ).toEqual({ name: 'MessageRejected', status: 400, message: expected });
  });

  it('fails if the sandbox refuses a recipient that is not verified, naming it', async () => {
    expect(await failure(app.v1.send(simple('s', [SIMULATOR, 'stranger@unverified.test'])))).toEqual({
      name: 'MessageRejected',
      status: 400,
      message: 'Email address is not verified. The following identities failed the check in region US-EAST-1: stranger@unverified.test',
    });
  });

  it('keeps every accepted message across a restart', async () => {
    const before = (await app.mailbox('?limit=1000')).messages.map((m) => m.id);
    await app.restart();
    const after = (await app.mailbox('?limit=1000')).messages.map((m) => m.id);
    expect(after).toEqual(before);
    expect(after.length).toBeGreaterThan(5);
  });
});

describe('SES (local runtime): the API the identity of the mail sender authorizes', () => {
  it('lists the template-declared identity once, whatever case a request writes its domain in', async () => {
    const attributes = await app.v1.send(new GetIdentityVerificationAttributesCommand({ Identities: ['EXAMPLE.com'] }));
    expect(attributes.VerificationAttributes?.['EXAMPLE.com']?.VerificationStatus).toBe('Success');
  });
});
