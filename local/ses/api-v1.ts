import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { apiOperations, eventDestinationOf, type Input, type Operations, page, record, sendQuotaOf, strings, text } from './api-shared.js';
import type { EventDestinationDefinition } from './definitions.js';
import { dkimTokens } from './resource-types.js';
import { v1EventType } from './ses-events.js';
import type { BulkResult, SesService } from './ses-service.js';
import type { IdentityType } from './ses-store.js';

const tags = (value: unknown) => (Array.isArray(value) ? (value as { Name?: string; Value?: string }[]) : []);

/** `To`, `Cc` and `Bcc` of a v1 `Destination`. */
function destination(value: unknown) {
  const d = record(value);
  return { to: strings(d.ToAddresses), cc: strings(d.CcAddresses), bcc: strings(d.BccAddresses) };
}

/** The v1 status of a bulk entry's error code (BulkEmailDestinationStatus). */
const BULK_STATUS: Readonly<Record<string, string>> = {
  MessageRejected: 'MessageRejected',
  InvalidParameterValue: 'InvalidParameterValue',
  Throttling: 'AccountDailyQuotaExceeded',
  TemplateDoesNotExist: 'TemplateDoesNotExist',
  ConfigurationSetDoesNotExist: 'ConfigurationSetDoesNotExist',
  AccountSendingPausedException: 'AccountSendingPaused',
  ConfigurationSetSendingPausedException: 'ConfigurationSetSendingPaused',
};

function v1Destination(configurationSet: string, input: Input): EventDestinationDefinition {
  const d = record(input);
  return eventDestinationOf(configurationSet, text(d.Name) ?? '', d, {
    snsTopicArn: text(record(d.SNSDestination).TopicARN),
    unpublishedKinds: ['CloudWatchDestination', 'KinesisFirehoseDestination'],
  });
}

/** SES's v1 API (query protocol, API version 2010-12-01) over the local SES, one operation per action, in the API's shapes. */
export function sesV1Operations(ses: SesService): ModelOperations {
  return apiOperations(ses, [sendingOperations, templateOperations, identityOperations, configurationSetOperations, accountOperations]);
}

/** SendEmail, SendRawEmail, SendTemplatedEmail and SendBulkTemplatedEmail. */
function sendingOperations(ses: SesService): Operations {
  const send = (operation: string, input: Input, content: Parameters<SesService['send']>[0]['content']) =>
    ses
      .send({
        api: 'v1',
        operation,
        ...(text(input.Source) === undefined ? {} : { from: text(input.Source) }),
        ...destination(input.Destination),
        ...(operation === 'SendRawEmail' ? { to: [], cc: [], bcc: strings(input.Destinations) } : {}),
        replyTo: strings(input.ReplyToAddresses),
        ...(text(input.ConfigurationSetName) === undefined ? {} : { configurationSet: text(input.ConfigurationSetName) }),
        tags: tags(input.Tags),
        content,
      })
      .then(({ messageId }) => ({ MessageId: messageId }));

  return {
    SendEmail: (input: Input) => {
      const message = record(input.Message);
      const body = record(message.Body);
      const textPart = text(record(body.Text).Data);
      const htmlPart = text(record(body.Html).Data);
      return send('SendEmail', input, {
        kind: 'simple',
        subject: text(record(message.Subject).Data) ?? '',
        ...(textPart === undefined ? {} : { text: textPart }),
        ...(htmlPart === undefined ? {} : { html: htmlPart }),
      });
    },
    SendRawEmail: (input: Input) =>
      send('SendRawEmail', input, { kind: 'raw', data: Buffer.from(text(record(input.RawMessage).Data) ?? '', 'base64') }),
    SendTemplatedEmail: (input: Input) =>
      send('SendTemplatedEmail', input, { kind: 'template', name: text(input.Template) ?? '', data: text(input.TemplateData) ?? '' }),
    SendBulkTemplatedEmail: async (input: Input) => {
      const results = await ses.sendBulk({
        api: 'v1',
        operation: 'SendBulkTemplatedEmail',
        from: text(input.Source) ?? '',
        replyTo: strings(input.ReplyToAddresses),
        ...(text(input.ConfigurationSetName) === undefined ? {} : { configurationSet: text(input.ConfigurationSetName) }),
        tags: tags(input.DefaultTags),
        template: { name: text(input.Template) ?? '', data: text(input.DefaultTemplateData) ?? '' },
        entries: (Array.isArray(input.Destinations) ? input.Destinations : []).map((entry) => {
          const e = record(entry);
          const data = text(e.ReplacementTemplateData);
          return { ...destination(e.Destination), ...(data === undefined ? {} : { data }), tags: tags(e.ReplacementTags) };
        }),
      });
      return { Status: results.map(bulkStatus) };
    },
  };
}

/** The templates: Create, Update, Delete, Get, List and TestRender. */
function templateOperations(ses: SesService): Operations {
  return {
    CreateTemplate: async (input: Input) => {
      const t = record(input.Template);
      ses.createTemplate(text(t.TemplateName) ?? '', templateParts(t));
      return {};
    },
    UpdateTemplate: async (input: Input) => {
      const t = record(input.Template);
      ses.updateTemplate(text(t.TemplateName) ?? '', templateParts(t));
      return {};
    },
    DeleteTemplate: async (input: Input) => {
      ses.deleteTemplate(text(input.TemplateName) ?? '');
      return {};
    },
    GetTemplate: async (input: Input) => {
      const t = ses.template(text(input.TemplateName) ?? '');
      return { Template: { TemplateName: t.name, SubjectPart: t.subject, TextPart: t.text, HtmlPart: t.html } };
    },
    ListTemplates: async (input: Input) => {
      const { items, next } = page((start, count) => ses.store.templateSummaries(start, count), input.NextToken, input.MaxItems, 10);
      return { TemplatesMetadata: items.map((t) => ({ Name: t.name, CreatedTimestamp: new Date(t.createdAt) })), NextToken: next };
    },
    TestRenderTemplate: async (input: Input) => ({
      RenderedTemplate: await ses.renderTest(text(input.TemplateName) ?? '', text(input.TemplateData)),
    }),
  };
}

/** Identities and their verification. */
function identityOperations(ses: SesService): Operations {
  return {
    VerifyEmailIdentity: async (input: Input) => {
      await ses.createIdentity(text(input.EmailAddress) ?? '');
      return {};
    },
    VerifyEmailAddress: async (input: Input) => {
      await ses.createIdentity(text(input.EmailAddress) ?? '');
      return {};
    },
    VerifyDomainIdentity: async (input: Input) => {
      const identity = await ses.createIdentity(text(input.Domain) ?? '');
      return { VerificationToken: identity.token };
    },
    VerifyDomainDkim: async (input: Input) => {
      const identity = await ses.createIdentity(text(input.Domain) ?? '');
      return { DkimTokens: dkimTokens(identity.name) };
    },
    DeleteIdentity: async (input: Input) => {
      ses.deleteIdentity(text(input.Identity) ?? '');
      return {};
    },
    DeleteVerifiedEmailAddress: async (input: Input) => {
      ses.deleteIdentity(text(input.EmailAddress) ?? '');
      return {};
    },
    ListIdentities: async (input: Input) => {
      const type = text(input.IdentityType) as IdentityType | undefined;
      const { items, next } = page(ses.identities.list(type), input.NextToken, input.MaxItems, 1000);
      return { Identities: items.map((i) => i.name), NextToken: next };
    },
    ListVerifiedEmailAddresses: async () => ({
      VerifiedEmailAddresses: ses.identities
        .list('EmailAddress')
        .filter((i) => i.status === 'Success')
        .map((i) => i.name),
    }),
    GetIdentityVerificationAttributes: async (input: Input) => ({
      VerificationAttributes: Object.fromEntries(
        strings(input.Identities).flatMap((name) => {
          const identity = ses.identities.get(name);
          if (identity === undefined) return [];
          return [
            [name, { VerificationStatus: identity.status, ...(identity.type === 'Domain' ? { VerificationToken: identity.token } : {}) }],
          ];
        }),
      ),
    }),
    GetIdentityDkimAttributes: async (input: Input) => ({
      DkimAttributes: Object.fromEntries(
        strings(input.Identities).flatMap((name) => {
          const identity = ses.identities.get(name);
          if (identity === undefined) return [];
          const domain = identity.type === 'Domain';
          return [
            [
              name,
              {
                DkimEnabled: domain,
                DkimVerificationStatus: domain ? 'Success' : 'NotStarted',
                ...(domain ? { DkimTokens: dkimTokens(identity.name) } : {}),
              },
            ],
          ];
        }),
      ),
    }),
  };
}

/** Configuration sets and their event destinations. */
function configurationSetOperations(ses: SesService): Operations {
  return {
    CreateConfigurationSet: async (input: Input) => {
      ses.createConfigurationSet(text(record(input.ConfigurationSet).Name) ?? '');
      return {};
    },
    DescribeConfigurationSet: async (input: Input) => {
      const set = ses.configurationSet(text(input.ConfigurationSetName) ?? '');
      const wanted = strings(input.ConfigurationSetAttributeNames);
      return {
        ConfigurationSet: { Name: set.name },
        ...(wanted.includes('eventDestinations')
          ? {
              EventDestinations: ses.eventDestinations(set.name).map((d) => ({
                Name: d.name,
                Enabled: d.enabled,
                MatchingEventTypes: d.eventTypes.map(v1EventType),
                ...(d.snsTopicArn ? { SNSDestination: { TopicARN: d.snsTopicArn } } : {}),
              })),
            }
          : {}),
        ...(wanted.includes('reputationOptions')
          ? { ReputationOptions: { SendingEnabled: set.sendingEnabled, ReputationMetricsEnabled: false } }
          : {}),
      };
    },
    ListConfigurationSets: async (input: Input) => {
      const { items, next } = page(ses.store.configurationSets(), input.NextToken, input.MaxItems, 1000);
      return { ConfigurationSets: items.map((s) => ({ Name: s.name })), NextToken: next };
    },
    CreateConfigurationSetEventDestination: async (input: Input) => {
      const set = text(input.ConfigurationSetName) ?? '';
      await ses.putEventDestination(v1Destination(set, record(input.EventDestination)), 'create');
      return {};
    },
    UpdateConfigurationSetEventDestination: async (input: Input) => {
      const set = text(input.ConfigurationSetName) ?? '';
      await ses.putEventDestination(v1Destination(set, record(input.EventDestination)), 'update');
      return {};
    },
    UpdateConfigurationSetSendingEnabled: async (input: Input) => {
      ses.setConfigurationSetSending(text(input.ConfigurationSetName) ?? '', input.Enabled === true);
      return {};
    },
  };
}

/** The account: its quota, statistics and sending. */
function accountOperations(ses: SesService): Operations {
  return {
    GetSendQuota: async () => sendQuotaOf(ses),
    GetSendStatistics: async () => ({ SendDataPoints: sendStatistics(ses) }),
    GetAccountSendingEnabled: async () => ({ Enabled: ses.sendingEnabled }),
    UpdateAccountSendingEnabled: async (input: Input) => {
      ses.setSendingEnabled(input.Enabled === true);
      return {};
    },
  };
}

function templateParts(t: Input) {
  const subject = text(t.SubjectPart);
  const html = text(t.HtmlPart);
  const textPart = text(t.TextPart);
  return {
    ...(subject === undefined ? {} : { subject }),
    ...(html === undefined ? {} : { html }),
    ...(textPart === undefined ? {} : { text: textPart }),
  };
}

function bulkStatus(result: BulkResult) {
  if ('messageId' in result) return { Status: 'Success', MessageId: result.messageId };
  return { Status: BULK_STATUS[result.code] ?? 'Failed', Error: result.message };
}

/** The last two weeks of sending in 15-minute data points, as GetSendStatistics reports them. */
export function sendStatistics(ses: SesService) {
  const since = ses.context.clock.now() - 14 * 24 * 3600_000;
  const points = new Map<number, { DeliveryAttempts: number; Bounces: number; Complaints: number; Rejects: number }>();
  for (const { bucket, kind, count } of ses.store.statistics(since)) {
    const point = points.get(bucket) ?? { DeliveryAttempts: 0, Bounces: 0, Complaints: 0, Rejects: 0 };
    if (kind === 'send') point.DeliveryAttempts += count;
    if (kind === 'bounce') point.Bounces += count;
    if (kind === 'complaint') point.Complaints += count;
    if (kind === 'reject') point.Rejects += count;
    points.set(bucket, point);
  }
  return [...points].map(([bucket, point]) => ({ Timestamp: new Date(bucket), ...point }));
}
