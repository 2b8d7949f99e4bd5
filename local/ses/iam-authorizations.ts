import {
  ANY,
  arnOf,
  type Input,
  type OperationAuthorization,
  type OperationContext,
  type OperationTable,
  on,
  type ResourceOf,
  type ServiceIam,
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
const v2Template = (input: Input) => text(record(record(input.Content).Template).TemplateName);

/** The action of the operation's name on one resource. */
const single = (action: string, resource: ResourceOf) => (input: Input, context: OperationContext) => [
  on(`ses:${action}`, resource(input, context)),
];

/** The configuration set a v2 request names (`ConfigurationSetName`) or a v1 one creates (`ConfigurationSet.Name`). */
const configurationSet: ResourceOf = (input, context) =>
  configurationSetArn(text(input.ConfigurationSetName) ?? text(record(input.ConfigurationSet).Name) ?? '*', context);
const template: ResourceOf = (input, context) => templateArn(text(input.TemplateName) ?? '*', context);
const emailIdentity: ResourceOf = (input, context) => identity(text(input.EmailIdentity) ?? '*', context);
/** TagResource, UntagResource and ListTagsForResource name their resource by ARN. */
const tagged: ResourceOf = (input) => text(input.ResourceArn) ?? '*';

const anyResource = (actions: readonly string[]): OperationTable =>
  Object.fromEntries(actions.map((action) => [action, single(action, ANY)]));

const sesAuthorizations: OperationTable = {
  // v1 sends from `Source` (a raw message may leave it to its From header); v2 from `FromEmailAddress`.
  SendEmail: (input, context) =>
    input.FromEmailAddress !== undefined || input.Content !== undefined
      ? sending('SendEmail', (i) => text(i.FromEmailAddress), v2Template)(input, context)
      : sending(
          'SendEmail',
          (i) => text(i.Source),
          () => undefined,
        )(input, context),
  SendRawEmail: sending(
    'SendRawEmail',
    (i) => text(i.Source),
    () => undefined,
  ),
  SendTemplatedEmail: sending(
    'SendTemplatedEmail',
    (i) => text(i.Source),
    (i) => text(i.Template),
  ),
  SendBulkTemplatedEmail: sending(
    'SendBulkTemplatedEmail',
    (i) => text(i.Source),
    (i) => text(i.Template),
  ),
  SendBulkEmail: sending(
    'SendBulkEmail',
    (i) => text(i.FromEmailAddress),
    (i) => text(record(record(i.DefaultContent).Template).TemplateName),
  ),

  // The v1 API's resource operations: no resource types in the reference but the configuration set's.
  ...anyResource([
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
  ]),
  CreateConfigurationSet: single('CreateConfigurationSet', configurationSet),
  DeleteConfigurationSet: single('DeleteConfigurationSet', configurationSet),
  CreateConfigurationSetEventDestination: single('CreateConfigurationSetEventDestination', configurationSet),
  UpdateConfigurationSetEventDestination: single('UpdateConfigurationSetEventDestination', configurationSet),
  DeleteConfigurationSetEventDestination: single('DeleteConfigurationSetEventDestination', configurationSet),

  // The v2 API's resource operations.
  CreateEmailTemplate: single('CreateEmailTemplate', template),
  GetEmailTemplate: single('GetEmailTemplate', template),
  UpdateEmailTemplate: single('UpdateEmailTemplate', template),
  DeleteEmailTemplate: single('DeleteEmailTemplate', template),
  TestRenderEmailTemplate: single('TestRenderEmailTemplate', template),
  CreateEmailIdentity: single('CreateEmailIdentity', emailIdentity),
  GetEmailIdentity: single('GetEmailIdentity', emailIdentity),
  DeleteEmailIdentity: single('DeleteEmailIdentity', emailIdentity),
  GetConfigurationSet: single('GetConfigurationSet', configurationSet),
  GetConfigurationSetEventDestinations: single('GetConfigurationSetEventDestinations', configurationSet),
  PutConfigurationSetSendingOptions: single('PutConfigurationSetSendingOptions', configurationSet),
  TagResource: single('TagResource', tagged),
  UntagResource: single('UntagResource', tagged),
  ListTagsForResource: single('ListTagsForResource', tagged),
};

/** How IAM authorizes SES's requests (its module declares it); the v2 API answers its refusal as `AccessDeniedException` (api-v2.ts). */
export const sesIam: ServiceIam = {
  prefix: 'ses',
  operations: sesAuthorizations,
  accessDenied: { code: 'AccessDenied', status: 403 },
};
