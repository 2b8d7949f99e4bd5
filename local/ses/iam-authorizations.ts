import {
  arnOf,
  type Input,
  type OperationAuthorization,
  type OperationContext,
  on,
  type ResourceOf,
  serviceIam,
  text,
} from '../iam/authorizations.js';

/**
 * SES's authorizations, for both of its APIs: v1 (query) and v2 (REST-JSON) share the `ses:`
 * prefix, and operations of the same name (SendEmail, CreateConfigurationSet, ...) are told
 * apart by their members where their resources differ. Actions and resource types as the
 * Service Authorization Reference gives them: sending authorizes the identity the mail is
 * sent from (the verified address, else its verified domain), and the configuration set and
 * template the request uses; the v2 API's resource operations authorize the identity,
 * template or configuration set they name. Operations without a resource type there are
 * authorized on `*`.
 */

const identity = (name: string, context: OperationContext) => arnOf('ses', context, `identity/${name}`);
const configurationSetArn = (name: string, context: OperationContext) => arnOf('ses', context, `configuration-set/${name}`);
const templateArn = (name: string, context: OperationContext) => arnOf('ses', context, `template/${name}`);

/** The address inside `Name <address>`. */
const addressOf = (value: string): string => /<([^>]*)>\s*$/.exec(value)?.[1]?.trim() ?? value.trim();

/** The identity SES authorizes a send from: the verified identity covering the address, else the address itself. */
function senderIdentity(from: string | undefined, context: OperationContext): string {
  if (from === undefined) return identity('*', context);
  const address = addressOf(from);
  return identity(context.sesIdentity?.(address) ?? address, context);
}

/** A send: the action on the sender's identity, and on the configuration set and template the request names. */
function sending(action: string, fromOf: (input: Input) => string | undefined, templateOf: (input: Input) => string | undefined) {
  return (input: Input, context: OperationContext): OperationAuthorization[] => {
    const set = text(input.ConfigurationSetName);
    const template = templateOf(input);
    return [
      on(`ses:${action}`, senderIdentity(fromOf(input), context)),
      ...(set === undefined ? [] : [on(`ses:${action}`, configurationSetArn(set, context))]),
      ...(template === undefined ? [] : [on(`ses:${action}`, templateArn(template, context))]),
    ];
  };
}

const record = (value: unknown): Input => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Input) : {});
const v1Sender = (input: Input) => text(input.Source);
const v2Sender = (input: Input) => text(input.FromEmailAddress);
const v1Template = (input: Input) => text(input.Template);
const v2Template = (input: Input) => text(record(record(input.Content).Template).TemplateName);
const noTemplate = () => undefined;

/** The configuration set a v2 request names (`ConfigurationSetName`) or a v1 one creates (`ConfigurationSet.Name`). */
const configurationSet: ResourceOf = (input, context) =>
  configurationSetArn(text(input.ConfigurationSetName) ?? text(record(input.ConfigurationSet).Name) ?? '*', context);
const template: ResourceOf = (input, context) => templateArn(text(input.TemplateName) ?? '*', context);
const emailIdentity: ResourceOf = (input, context) => identity(text(input.EmailIdentity) ?? '*', context);
/** TagResource, UntagResource and ListTagsForResource name their resource by ARN. */
const tagged: ResourceOf = (input) => text(input.ResourceArn) ?? '*';

/** How IAM authorizes SES's requests (its module declares it); the v2 API answers its refusal as `AccessDeniedException` (api-v2.ts). */
export const sesIam = serviceIam('ses', {
  accessDenied: { code: 'AccessDenied', status: 403 },
  // The v1 API's resource operations: no resource types in the reference but the configuration set's.
  unscoped: [
    'CreateTemplate',
    'UpdateTemplate',
    'DeleteTemplate',
    'GetTemplate',
    'ListTemplates',
    'TestRenderTemplate',
    'VerifyEmailIdentity',
    'VerifyEmailAddress',
    'VerifyDomainIdentity',
    'VerifyDomainDkim',
    'DeleteIdentity',
    'DeleteVerifiedEmailAddress',
    'ListIdentities',
    'ListVerifiedEmailAddresses',
    'GetIdentityVerificationAttributes',
    'GetIdentityDkimAttributes',
    'DescribeConfigurationSet',
    'UpdateConfigurationSetSendingEnabled',
    'GetSendQuota',
    'GetSendStatistics',
    'GetAccountSendingEnabled',
    'UpdateAccountSendingEnabled',
    'ListEmailTemplates',
    'ListEmailIdentities',
    'ListConfigurationSets',
    'GetAccount',
    'PutAccountSendingAttributes',
  ],
  sameNamed: {
    CreateConfigurationSet: configurationSet,
    DeleteConfigurationSet: configurationSet,
    CreateConfigurationSetEventDestination: configurationSet,
    UpdateConfigurationSetEventDestination: configurationSet,
    DeleteConfigurationSetEventDestination: configurationSet,
    // The v2 API's resource operations.
    CreateEmailTemplate: template,
    GetEmailTemplate: template,
    UpdateEmailTemplate: template,
    DeleteEmailTemplate: template,
    TestRenderEmailTemplate: template,
    CreateEmailIdentity: emailIdentity,
    GetEmailIdentity: emailIdentity,
    DeleteEmailIdentity: emailIdentity,
    GetConfigurationSet: configurationSet,
    GetConfigurationSetEventDestinations: configurationSet,
    PutConfigurationSetSendingOptions: configurationSet,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsForResource: tagged,
  },
  operations: {
    // v1 sends from `Source` (a raw message may leave it to its From header); v2 from `FromEmailAddress`.
    SendEmail: (input, context) =>
      input.FromEmailAddress !== undefined || input.Content !== undefined
        ? sending('SendEmail', v2Sender, v2Template)(input, context)
        : sending('SendEmail', v1Sender, noTemplate)(input, context),
    SendRawEmail: sending('SendRawEmail', v1Sender, noTemplate),
    SendTemplatedEmail: sending('SendTemplatedEmail', v1Sender, v1Template),
    SendBulkTemplatedEmail: sending('SendBulkTemplatedEmail', v1Sender, v1Template),
    SendBulkEmail: sending('SendBulkEmail', v2Sender, (i) => text(record(record(i.DefaultContent).Template).TemplateName)),
  },
});
