import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  CreateTemplateCommand,
  DeleteConfigurationSetEventDestinationCommand,
  DeleteIdentityCommand,
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  SendEmailCommand,
  VerifyDomainIdentityCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import {
  CreateEmailIdentityCommand,
  CreateEmailTemplateCommand,
  CreateConfigurationSetEventDestinationCommand as CreateV2EventDestinationCommand,
  DeleteEmailTemplateCommand,
  GetConfigurationSetEventDestinationsCommand,
  GetEmailTemplateCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { failure, SesRuntime } from './helpers.js';

let app: SesRuntime;
const clock = new AdvanceableClock();

beforeAll(async () => {
  app = await SesRuntime.start({ clock });
});

afterAll(() => app?.stop());

const status = async (identity: string) =>
  (await app.v1.send(new GetIdentityVerificationAttributesCommand({ Identities: [identity] }))).VerificationAttributes?.[identity]
    ?.VerificationStatus;

const mailTo = (to: string) =>
  app.v1.send(
    new SendEmailCommand({
      Source: 'mailer@example.com',
      Destination: { ToAddresses: [to] },
      Message: { Subject: { Data: 'hello' }, Body: { Text: { Data: 'hi' } } },
    }),
  );

/** The verification mail SES put in the mailbox for an address, and its link. */
async function verificationLink(address: string): Promise<string> {
  const page = await app.mailbox(`?address=${encodeURIComponent(address)}`);
  const mail = page.messages.find((m) => m.operation === 'VerifyEmailIdentity');
  if (mail === undefined) throw new Error(`no verification mail to ${address}`);
  expect(mail.from).toBe('no-reply-aws@amazon.com');
  const links = (await app.mail(mail.id)).links;
  expect(links).toHaveLength(1);
  return links[0]?.href as string;
}

describe('SES (local runtime): identities and their verification', () => {
  it('mails an address a link that verifies it when followed; until then the sandbox refuses mail to it', async () => {
    await app.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'reviewer@team.test' }));
    expect(await status('reviewer@team.test')).toBe('Pending');
    expect((await failure(mailTo('reviewer@team.test'))).name).toBe('MessageRejected');
    const link = await verificationLink('reviewer@team.test');
    expect(link.startsWith(`${app.runtime.url}/?Action=ConfirmVerification&`)).toBe(true);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('You have successfully verified an email address');
    expect(await status('reviewer@team.test')).toBe('Success');
    expect((await mailTo('reviewer@team.test')).MessageId).toBeDefined();
  });

  it("fails if a link's token is not the identity's: the address stays pending", async () => {
    await app.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'other@team.test' }));
    const link = new URL(await verificationLink('other@team.test'));
    link.searchParams.set('Token', 'forged');
    expect((await fetch(link)).status).toBe(400);
    expect(await status('other@team.test')).toBe('Pending');
  });

  it('fails a pending address after 24 hours, as AWS does, and its link no longer verifies it', async () => {
    await app.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'late@team.test' }));
    const link = await verificationLink('late@team.test');
    clock.advance(24 * 3600_000 + 1);
    expect(await status('late@team.test')).toBe('Failed');
    expect((await fetch(link)).status).toBe(400);
    // Asking again sends a new link; the old one stays dead.
    await app.v1.send(new VerifyEmailIdentityCommand({ EmailAddress: 'late@team.test' }));
    expect(await status('late@team.test')).toBe('Pending');
    expect((await fetch(link)).status).toBe(400);
    const fresh = await verificationLink('late@team.test');
    expect(fresh).not.toBe(link);
    expect((await fetch(fresh)).status).toBe(200);
    expect(await status('late@team.test')).toBe('Success');
  });

  it('verifies a domain at once (no DNS to wait for locally) and answers its verification token', async () => {
    const { VerificationToken } = await app.v1.send(new VerifyDomainIdentityCommand({ Domain: 'Team.test' }));
    expect(VerificationToken).toMatch(/^[\w-]{20,}$/);
    expect(await status('team.test')).toBe('Success');
    expect((await mailTo('anyone@team.test')).MessageId).toBeDefined();
    await app.v1.send(new DeleteIdentityCommand({ Identity: 'team.test' }));
    expect((await app.v1.send(new ListIdentitiesCommand({ IdentityType: 'Domain' }))).Identities).toEqual(['example.com']);
  });

  it('fails if a v2 identity of that name exists, with AlreadyExistsException', async () => {
    expect((await failure(app.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' })))).name).toBe(
      'AlreadyExistsException',
    );
  });
});

describe('SES (local runtime): templates and configuration sets through the APIs', () => {
  it('creates, updates, tags and deletes a template through v2, and refuses a second of the same name through v1', async () => {
    await app.v2.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'code',
        TemplateContent: { Subject: 'Code', Text: '{{code}}' },
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    expect(await failure(app.v1.send(new CreateTemplateCommand({ Template: { TemplateName: 'code', SubjectPart: 'x' } })))).toMatchObject({
      name: 'AlreadyExistsException',
      message: 'Template code already exists.',
    });
    await app.v2.send(
      new UpdateEmailTemplateCommand({ TemplateName: 'code', TemplateContent: { Subject: 'Your code', Text: '{{code}}' } }),
    );
    expect((await app.v2.send(new GetEmailTemplateCommand({ TemplateName: 'code' }))).TemplateContent?.Subject).toBe('Your code');
    const arn = 'arn:aws:ses:us-east-1:000000000000:template/code';
    await app.v2.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'owner', Value: 'me' }] }));
    expect((await app.v2.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'owner', Value: 'me' },
      { Key: 'team', Value: 'a' },
    ]);
    await app.v2.send(new DeleteEmailTemplateCommand({ TemplateName: 'code' }));
    expect((await failure(app.v2.send(new GetEmailTemplateCommand({ TemplateName: 'code' })))).name).toBe('NotFoundException');
  });

  it("fails if a template's Handlebars does not parse, with InvalidTemplate", async () => {
    expect(
      (await failure(app.v1.send(new CreateTemplateCommand({ Template: { TemplateName: 'broken', SubjectPart: '{{#if}}' } })))).name,
    ).toBe('InvalidTemplateException');
  });

  it("fails if an SNS destination's topic does not exist, or a deleted destination or a created set does, in SES's words", async () => {
    await app.v1.send(new CreateConfigurationSetCommand({ ConfigurationSet: { Name: 'second' } }));
    const topic = 'arn:aws:sns:us-east-1:000000000000:missing';
    expect(
      await failure(
        app.v1.send(
          new CreateConfigurationSetEventDestinationCommand({
            ConfigurationSetName: 'second',
            EventDestination: { Name: 'd', Enabled: true, MatchingEventTypes: ['send'], SNSDestination: { TopicARN: topic } },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidSNSDestinationException', message: `SNS topic <${topic}> not found.` });
    expect(
      await failure(
        app.v1.send(new DeleteConfigurationSetEventDestinationCommand({ ConfigurationSetName: 'second', EventDestinationName: 'd' })),
      ),
    ).toMatchObject({ name: 'EventDestinationDoesNotExistException', message: 'No EventDestination found for second' });
    expect(await failure(app.v1.send(new CreateConfigurationSetCommand({ ConfigurationSet: { Name: 'second' } })))).toMatchObject({
      name: 'ConfigurationSetAlreadyExistsException',
      message: 'Configuration set <second> already exists.',
    });
  });

  it('creates a v2 EventBridge destination and keeps a CloudWatch one, both read back with their event types and state', async () => {
    await app.v1.send(new CreateConfigurationSetCommand({ ConfigurationSet: { Name: 'v2-destinations' } }));
    const bus = 'arn:aws:events:us-east-1:000000000000:event-bus/default';
    const create = (name: string, destination: Record<string, unknown>) =>
      app.v2.send(
        new CreateV2EventDestinationCommand({
          ConfigurationSetName: 'v2-destinations',
          EventDestinationName: name,
          EventDestination: { MatchingEventTypes: ['BOUNCE', 'DELIVERY'], ...destination },
        }),
      );
    await create('to-bus', { Enabled: true, EventBridgeDestination: { EventBusArn: bus } });
    await create('to-metrics', { CloudWatchDestination: { DimensionConfigurations: [] } });
    const { EventDestinations } = await app.v2.send(
      new GetConfigurationSetEventDestinationsCommand({ ConfigurationSetName: 'v2-destinations' }),
    );
    expect(EventDestinations).toEqual([
      { Name: 'to-bus', Enabled: true, MatchingEventTypes: ['BOUNCE', 'DELIVERY'], EventBridgeDestination: { EventBusArn: bus } },
      { Name: 'to-metrics', Enabled: false, MatchingEventTypes: ['BOUNCE', 'DELIVERY'] },
    ]);
  });
});
