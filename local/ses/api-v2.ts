import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { apiOperations, eventDestinationOf, type Input, type Operations, page, record, sendQuotaOf, strings, text } from './api-shared.js';
import type { EventDestinationDefinition } from './definitions.js';
import type { Attachment } from './mime.js';
import { dkimTokens } from './resource-types.js';
import { sesArn } from './ses-context.js';
import type { BulkResult, SesService } from './ses-service.js';
import type { IdentityRow } from './ses-store.js';
import type { TemplateParts } from './templates.js';

const list = (value: unknown): Input[] => (Array.isArray(value) ? value.map(record) : []);

/**
 * The v2 API's error for each error the local SES throws (the v1 API's codes): v2 names its
 * errors by kind (`NotFoundException`, `BadRequestException`), with its own statuses.
 */
const V2_ERRORS: Readonly<Record<string, { code: string; status: number }>> = {
  InvalidParameterValue: { code: 'BadRequestException', status: 400 },
  ValidationError: { code: 'BadRequestException', status: 400 },
  InvalidRenderingParameter: { code: 'BadRequestException', status: 400 },
  MissingRenderingAttribute: { code: 'BadRequestException', status: 400 },
  InvalidTemplate: { code: 'BadRequestException', status: 400 },
  InvalidConfigurationSet: { code: 'BadRequestException', status: 400 },
  InvalidSNSDestination: { code: 'BadRequestException', status: 400 },
  TemplateDoesNotExist: { code: 'NotFoundException', status: 404 },
  ConfigurationSetDoesNotExist: { code: 'NotFoundException', status: 404 },
  EventDestinationDoesNotExist: { code: 'NotFoundException', status: 404 },
  AlreadyExists: { code: 'AlreadyExistsException', status: 400 },
  ConfigurationSetAlreadyExists: { code: 'AlreadyExistsException', status: 400 },
  EventDestinationAlreadyExists: { code: 'AlreadyExistsException', status: 400 },
  AccountSendingPausedException: { code: 'SendingPausedException', status: 400 },
  ConfigurationSetSendingPausedException: { code: 'SendingPausedException', status: 400 },
  Throttling: { code: 'LimitExceededException', status: 400 },
  AccessDenied: { code: 'AccessDeniedException', status: 403 },
};

/** An error of the local SES as the v2 API answers it (one it has no entry for passes as it is). */
export function v2Error(error: AwsError): AwsError {
  const mapped = V2_ERRORS[error.code];
  return mapped === undefined ? error : new AwsError(mapped.code, error.message, mapped.status, { cause: error });
}

/** The v2 status of a bulk entry's error code (BulkEmailStatus). */
const BULK_STATUS: Readonly<Record<string, string>> = {
  MessageRejected: 'MESSAGE_REJECTED',
  InvalidParameterValue: 'INVALID_PARAMETER',
  Throttling: 'ACCOUNT_DAILY_QUOTA_EXCEEDED',
  TemplateDoesNotExist: 'TEMPLATE_NOT_FOUND',
  ConfigurationSetDoesNotExist: 'CONFIGURATION_SET_NOT_FOUND',
  AccountSendingPausedException: 'ACCOUNT_SENDING_PAUSED',
  ConfigurationSetSendingPausedException: 'CONFIGURATION_SET_SENDING_PAUSED',
};

const upper = (status: string) => status.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

function identityType(identity: IdentityRow): string {
  return identity.type === 'Domain' ? 'DOMAIN' : 'EMAIL_ADDRESS';
}

function templateContent(value: unknown): TemplateParts {
  const c = record(value);
  return {
    ...(text(c.Subject) === undefined ? {} : { subject: text(c.Subject) }),
    ...(text(c.Html) === undefined ? {} : { html: text(c.Html) }),
    ...(text(c.Text) === undefined ? {} : { text: text(c.Text) }),
  };
}

function headers(value: unknown) {
  return list(value).map((h) => ({ name: text(h.Name) ?? '', value: text(h.Value) ?? '' }));
}

function attachments(value: unknown): Attachment[] {
  return list(value).map((a) => ({
    filename: text(a.FileName) ?? 'attachment',
    content: Buffer.from(text(a.RawContent) ?? '', 'base64'),
    ...(text(a.ContentType) ? { contentType: text(a.ContentType) } : {}),
    ...(a.ContentDisposition === 'INLINE' ? { disposition: 'inline' as const } : {}),
    ...(text(a.ContentId) ? { cid: text(a.ContentId) } : {}),
  }));
}

function v2Destination(configurationSet: string, name: string, value: unknown): EventDestinationDefinition {
  const d = record(value);
  return eventDestinationOf(configurationSet, name, d, {
    snsTopicArn: text(record(d.SnsDestination).TopicArn),
    eventBusArn: text(record(d.EventBridgeDestination).EventBusArn),
    unpublishedKinds: ['CloudWatchDestination', 'KinesisFirehoseDestination', 'PinpointDestination'],
  });
}

const tagsOf = (ses: SesService, arn: string) => ses.store.tags(arn);
const templateArn = (ses: SesService, name: string) => sesArn(ses.context, `template/${name}`);

/** SES's v2 API (REST-JSON, API version 2019-09-27) over the local SES, in the API's shapes; errors in v2's codes. */
export function sesV2Operations(ses: SesService): ModelOperations {
  const groups = [sendingOperations, templateOperations, identityOperations, configurationSetOperations, accountOperations];
  return apiOperations(ses, groups, v2Error);
}

/** SendEmail and SendBulkEmail. */
function sendingOperations(ses: SesService): Operations {
  return {
    SendEmail: async (input) => {
      const content = record(input.Content);
      const destination = record(input.Destination);
      const simple = record(content.Simple);
      const template = record(content.Template);
      const body = record(simple.Body);
      const { messageId } = await ses.send({
        api: 'v2',
        operation: 'SendEmail',
        ...(text(input.FromEmailAddress) === undefined ? {} : { from: text(input.FromEmailAddress) }),
        to: strings(destination.ToAddresses),
        cc: strings(destination.CcAddresses),
        bcc: strings(destination.BccAddresses),
        replyTo: strings(input.ReplyToAddresses),
        ...(text(input.ConfigurationSetName) === undefined ? {} : { configurationSet: text(input.ConfigurationSetName) }),
        tags: list(input.EmailTags),
        content:
          content.Raw !== undefined
            ? { kind: 'raw', data: Buffer.from(text(record(content.Raw).Data) ?? '', 'base64') }
            : content.Template !== undefined
              ? {
                  kind: 'template',
                  ...(text(template.TemplateName) === undefined ? {} : { name: text(template.TemplateName) }),
                  ...(template.TemplateContent === undefined ? {} : { inline: templateContent(template.TemplateContent) }),
                  ...(text(template.TemplateData) === undefined ? {} : { data: text(template.TemplateData) }),
                  headers: headers(template.Headers),
                }
              : {
                  kind: 'simple',
                  subject: text(record(simple.Subject).Data) ?? '',
                  ...(text(record(body.Text).Data) === undefined ? {} : { text: text(record(body.Text).Data) }),
                  ...(text(record(body.Html).Data) === undefined ? {} : { html: text(record(body.Html).Data) }),
                  headers: headers(simple.Headers),
                  attachments: attachments(simple.Attachments),
                },
      });
      return { MessageId: messageId };
    },
    SendBulkEmail: async (input) => {
      const template = record(record(input.DefaultContent).Template);
      const results = await ses.sendBulk({
        api: 'v2',
        operation: 'SendBulkEmail',
        from: text(input.FromEmailAddress) ?? '',
        replyTo: strings(input.ReplyToAddresses),
        ...(text(input.ConfigurationSetName) === undefined ? {} : { configurationSet: text(input.ConfigurationSetName) }),
        tags: list(input.DefaultEmailTags),
        template: {
          ...(text(template.TemplateName) === undefined ? {} : { name: text(template.TemplateName) }),
          ...(template.TemplateContent === undefined ? {} : { inline: templateContent(template.TemplateContent) }),
          ...(text(template.TemplateData) === undefined ? {} : { data: text(template.TemplateData) }),
        },
        entries: list(input.BulkEmailEntries).map((entry) => {
          const destination = record(entry.Destination);
          const data = text(record(record(entry.ReplacementEmailContent).ReplacementTemplate).ReplacementTemplateData);
          return {
            to: strings(destination.ToAddresses),
            cc: strings(destination.CcAddresses),
            bcc: strings(destination.BccAddresses),
            ...(data === undefined ? {} : { data }),
            tags: list(entry.ReplacementTags),
          };
        }),
      });
      return { BulkEmailEntryResults: results.map(bulkResult) };
    },
  };
}

/** The email templates: Create, Get, Update, Delete, List and TestRender. */
function templateOperations(ses: SesService): Operations {
  return {
    CreateEmailTemplate: async (input) => {
      const name = text(input.TemplateName) ?? '';
      ses.createTemplate(name, templateContent(input.TemplateContent));
      const tags = list(input.Tags).map((t) => ({ Key: text(t.Key) ?? '', Value: text(t.Value) ?? '' }));
      if (tags.length > 0) ses.store.putTags(templateArn(ses, name), tags);
      return {};
    },
    GetEmailTemplate: async (input) => {
      const t = ses.template(text(input.TemplateName) ?? '');
      return {
        TemplateName: t.name,
        TemplateContent: { Subject: t.subject, Text: t.text, Html: t.html },
        Tags: tagsOf(ses, templateArn(ses, t.name)),
      };
    },
    UpdateEmailTemplate: async (input) => {
      ses.updateTemplate(text(input.TemplateName) ?? '', templateContent(input.TemplateContent));
      return {};
    },
    DeleteEmailTemplate: async (input) => {
      const name = text(input.TemplateName) ?? '';
      ses.template(name);
      ses.deleteTemplate(name);
      ses.store.deleteTags(templateArn(ses, name));
      return {};
    },
    ListEmailTemplates: async (input) => {
      const { items, next } = page((start, count) => ses.store.templateSummaries(start, count), input.NextToken, input.PageSize, 10);
      return { TemplatesMetadata: items.map((t) => ({ TemplateName: t.name, CreatedTimestamp: new Date(t.createdAt) })), NextToken: next };
    },
    TestRenderEmailTemplate: async (input) => ({
      RenderedTemplate: await ses.renderTest(text(input.TemplateName) ?? '', text(input.TemplateData)),
    }),
  };
}

/** Email identities. */
function identityOperations(ses: SesService): Operations {
  return {
    CreateEmailIdentity: async (input) => {
      const name = text(input.EmailIdentity) ?? '';
      if (ses.identities.get(name) !== undefined)
        throw new AwsError('AlreadyExistsException', `Email identity ${name} already exist.`, 400);
      const identity = await ses.createIdentity(name, {
        ...(text(input.ConfigurationSetName) === undefined ? {} : { configurationSet: text(input.ConfigurationSetName) }),
        tags: list(input.Tags).map((t) => ({ Key: text(t.Key) ?? '', Value: text(t.Value) ?? '' })),
      });
      return {
        IdentityType: identityType(identity),
        VerifiedForSendingStatus: identity.status === 'Success',
        DkimAttributes: dkim(identity),
      };
    },
    GetEmailIdentity: async (input) => {
      const identity = requireIdentity(ses, text(input.EmailIdentity) ?? '');
      return {
        IdentityType: identityType(identity),
        FeedbackForwardingStatus: true,
        VerifiedForSendingStatus: identity.status === 'Success',
        DkimAttributes: dkim(identity),
        Policies: {},
        Tags: tagsOf(ses, ses.identities.arn(identity.name)),
        ...(identity.configurationSet ? { ConfigurationSetName: identity.configurationSet } : {}),
        VerificationStatus: upper(identity.status),
      };
    },
    DeleteEmailIdentity: async (input) => {
      const identity = requireIdentity(ses, text(input.EmailIdentity) ?? '');
      ses.deleteIdentity(identity.name);
      return {};
    },
    ListEmailIdentities: async (input) => {
      const { items, next } = page(ses.identities.list(), input.NextToken, input.PageSize, 100);
      return {
        EmailIdentities: items.map((i) => ({
          IdentityType: identityType(i),
          IdentityName: i.name,
          SendingEnabled: i.status === 'Success',
          VerificationStatus: upper(i.status),
        })),
        NextToken: next,
      };
    },
  };
}

/** Configuration sets and their event destinations. */
function configurationSetOperations(ses: SesService): Operations {
  return {
    CreateConfigurationSet: async (input) => {
      const sending = record(input.SendingOptions).SendingEnabled;
      ses.createConfigurationSet(text(input.ConfigurationSetName) ?? '', {
        sendingEnabled: sending !== false,
        tags: list(input.Tags).map((t) => ({ Key: text(t.Key) ?? '', Value: text(t.Value) ?? '' })),
      });
      return {};
    },
    GetConfigurationSet: async (input) => {
      const set = ses.configurationSet(text(input.ConfigurationSetName) ?? '');
      return {
        ConfigurationSetName: set.name,
        SendingOptions: { SendingEnabled: set.sendingEnabled },
        Tags: tagsOf(ses, sesArn(ses.context, `configuration-set/${set.name}`)),
      };
    },
    ListConfigurationSets: async (input) => {
      const { items, next } = page(ses.store.configurationSets(), input.NextToken, input.PageSize, 100);
      return { ConfigurationSets: items.map((s) => s.name), NextToken: next };
    },
    CreateConfigurationSetEventDestination: async (input) => {
      const set = text(input.ConfigurationSetName) ?? '';
      await ses.putEventDestination(v2Destination(set, text(input.EventDestinationName) ?? '', input.EventDestination), 'create');
      return {};
    },
    GetConfigurationSetEventDestinations: async (input) => ({
      EventDestinations: ses.eventDestinations(text(input.ConfigurationSetName) ?? '').map((d) => ({
        Name: d.name,
        Enabled: d.enabled,
        MatchingEventTypes: d.eventTypes,
        ...(d.snsTopicArn ? { SnsDestination: { TopicArn: d.snsTopicArn } } : {}),
        ...(d.eventBusArn ? { EventBridgeDestination: { EventBusArn: d.eventBusArn } } : {}),
      })),
    }),
    UpdateConfigurationSetEventDestination: async (input) => {
      const set = text(input.ConfigurationSetName) ?? '';
      await ses.putEventDestination(v2Destination(set, text(input.EventDestinationName) ?? '', input.EventDestination), 'update');
      return {};
    },
    PutConfigurationSetSendingOptions: async (input) => {
      ses.setConfigurationSetSending(text(input.ConfigurationSetName) ?? '', input.SendingEnabled === true);
      return {};
    },
  };
}

/** The account, and the tags of identities, templates and configuration sets. */
function accountOperations(ses: SesService): Operations {
  return {
    GetAccount: async () => ({
      DedicatedIpAutoWarmupEnabled: false,
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: !ses.context.setting.sandbox,
      SendQuota: sendQuotaOf(ses),
      SendingEnabled: ses.sendingEnabled,
    }),
    PutAccountSendingAttributes: async (input) => {
      ses.setSendingEnabled(input.SendingEnabled === true);
      return {};
    },

    TagResource: async (input) => {
      const arn = requireResource(ses, text(input.ResourceArn) ?? '');
      ses.store.putTags(
        arn,
        list(input.Tags).map((t) => ({ Key: text(t.Key) ?? '', Value: text(t.Value) ?? '' })),
      );
      return {};
    },
    UntagResource: async (input) => {
      const arn = requireResource(ses, text(input.ResourceArn) ?? '');
      ses.store.deleteTags(arn, strings(input.TagKeys));
      return {};
    },
    ListTagsForResource: async (input) => ({ Tags: tagsOf(ses, requireResource(ses, text(input.ResourceArn) ?? '')) }),
  };
}

function requireIdentity(ses: SesService, name: string): IdentityRow {
  const identity = ses.identities.get(name);
  if (identity === undefined) throw new AwsError('NotFoundException', `Email identity ${name} does not exist.`, 404);
  return identity;
}

/** The ARN of an identity, configuration set or template that exists; v2 answers NotFoundException for another. */
function requireResource(ses: SesService, arn: string): string {
  const m = /^arn:[^:]+:ses:[^:]*:[^:]*:(identity|configuration-set|template)\/(.+)$/.exec(arn);
  const exists =
    m !== null &&
    (m[1] === 'identity'
      ? ses.identities.get(m[2] ?? '') !== undefined
      : m[1] === 'template'
        ? ses.store.template(m[2] ?? '') !== undefined
        : ses.store.configurationSet(m[2] ?? '') !== undefined);
  if (!exists) throw new AwsError('NotFoundException', `Resource ${arn} does not exist.`, 404);
  return arn;
}

function dkim(identity: IdentityRow) {
  const domain = identity.type === 'Domain';
  return {
    SigningEnabled: domain,
    Status: domain ? 'SUCCESS' : 'NOT_STARTED',
    ...(domain ? { Tokens: dkimTokens(identity.name), SigningAttributesOrigin: 'AWS_SES', NextSigningKeyLength: 'RSA_2048_BIT' } : {}),
  };
}

function bulkResult(result: BulkResult) {
  if ('messageId' in result) return { Status: 'SUCCESS', MessageId: result.messageId };
  return { Status: BULK_STATUS[result.code] ?? 'FAILED', Error: result.message };
}
