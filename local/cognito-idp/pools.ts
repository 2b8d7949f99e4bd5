import { AwsError } from '../endpoint/aws-error.js';
import type { ClientRecord, GroupRecord, PasswordPolicy, PoolRecord, SchemaAttribute } from './records.js';

type Props = Readonly<Record<string, unknown>>;

const S = (Name: string, Mutable = true): SchemaAttribute => ({
  Name,
  AttributeDataType: 'String',
  DeveloperOnlyAttribute: false,
  Mutable,
  Required: false,
  StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' },
});
const B = (Name: string): SchemaAttribute => ({
  Name,
  AttributeDataType: 'Boolean',
  DeveloperOnlyAttribute: false,
  Mutable: true,
  Required: false,
});

/**
 * The standard attributes every pool has, as DescribeUserPool lists them
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html).
 */
export const STANDARD_ATTRIBUTES: readonly SchemaAttribute[] = [
  { ...S('sub', false), Required: true, StringAttributeConstraints: { MinLength: '1', MaxLength: '2048' } },
  ...['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website'].map((n) =>
    S(n),
  ),
  S('email'),
  B('email_verified'),
  ...['gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number'].map((n) => S(n)),
  B('phone_number_verified'),
  S('address'),
  {
    Name: 'updated_at',
    AttributeDataType: 'Number',
    DeveloperOnlyAttribute: false,
    Mutable: true,
    Required: false,
    NumberAttributeConstraints: { MinValue: '0' },
  },
];

/** Cognito's password policy when a pool sets none. */
const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

const invalid = (message: string) => new AwsError('InvalidParameterException', message, 400);
const bool = (value: unknown) => value === true || value === 'true';
const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.map(String) : undefined);
const num = (value: unknown): number | undefined => (value === undefined || value === null || value === '' ? undefined : Number(value));

/** The schema a pool has: the standard attributes with the request's changes, and its custom ones (`custom:` added). */
function schemaOf(given: unknown): SchemaAttribute[] {
  const schema = STANDARD_ATTRIBUTES.map((a) => ({ ...a }));
  for (const entry of (Array.isArray(given) ? given : []) as Props[]) {
    const name = String(entry.Name ?? '');
    if (name === '') throw invalid('Schema attributes must have a Name.');
    const standard = schema.findIndex((a) => a.Name === name);
    const attribute: SchemaAttribute = {
      Name: standard >= 0 ? name : `custom:${name.replace(/^custom:/, '')}`,
      AttributeDataType: String(entry.AttributeDataType ?? 'String') as SchemaAttribute['AttributeDataType'],
      DeveloperOnlyAttribute: bool(entry.DeveloperOnlyAttribute),
      Mutable: entry.Mutable === undefined ? true : bool(entry.Mutable),
      Required: bool(entry.Required),
      ...(entry.StringAttributeConstraints
        ? { StringAttributeConstraints: entry.StringAttributeConstraints as SchemaAttribute['StringAttributeConstraints'] }
        : {}),
      ...(entry.NumberAttributeConstraints
        ? { NumberAttributeConstraints: entry.NumberAttributeConstraints as SchemaAttribute['NumberAttributeConstraints'] }
        : {}),
    };
    if (standard >= 0) schema[standard] = { ...schema[standard], ...attribute } as SchemaAttribute;
    else {
      if (attribute.Required) throw invalid(`Required custom attributes are not supported currently.`);
      schema.push(attribute);
    }
  }
  return schema;
}

function passwordPolicyOf(policies: unknown): PasswordPolicy {
  const given = ((policies as Props | undefined)?.PasswordPolicy ?? {}) as Props;
  const flag = (key: keyof PasswordPolicy) => (given[key] === undefined ? (DEFAULT_PASSWORD_POLICY[key] as boolean) : bool(given[key]));
  return {
    MinimumLength: num(given.MinimumLength) ?? DEFAULT_PASSWORD_POLICY.MinimumLength,
    RequireUppercase: flag('RequireUppercase'),
    RequireLowercase: flag('RequireLowercase'),
    RequireNumbers: flag('RequireNumbers'),
    RequireSymbols: flag('RequireSymbols'),
    TemporaryPasswordValidityDays: num(given.TemporaryPasswordValidityDays) ?? DEFAULT_PASSWORD_POLICY.TemporaryPasswordValidityDays,
  };
}

/** A pool from CreateUserPool's request or the template's properties (the same names, but `PoolName`/`UserPoolName`). */
export function poolRecord(
  props: Props,
  where: { readonly id: string; readonly name: string; readonly arn: string; readonly now: number; readonly origin: PoolRecord['origin'] },
): PoolRecord {
  const list = (key: string) => {
    const value = strings(props[key]);
    return value === undefined || value.length === 0 ? {} : { [key]: value };
  };
  const adminCreate = props.AdminCreateUserConfig as Props | undefined;
  const usernameConfiguration = props.UsernameConfiguration as Props | undefined;
  return {
    Id: where.id,
    Name: where.name,
    Arn: where.arn,
    Policies: { PasswordPolicy: passwordPolicyOf(props.Policies) },
    SchemaAttributes: schemaOf(props.Schema),
    ...list('UsernameAttributes'),
    ...list('AliasAttributes'),
    ...list('AutoVerifiedAttributes'),
    ...(usernameConfiguration ? { UsernameConfiguration: { CaseSensitive: bool(usernameConfiguration.CaseSensitive) } } : {}),
    ...(adminCreate ? { AdminCreateUserConfig: { AllowAdminCreateUserOnly: bool(adminCreate.AllowAdminCreateUserOnly) } } : {}),
    ...(props.LambdaConfig ? { LambdaConfig: props.LambdaConfig as Props } : {}),
    MfaConfiguration: String(props.MfaConfiguration ?? 'OFF'),
    ...list('EnabledMfas'),
    ...(props.DeletionProtection ? { DeletionProtection: String(props.DeletionProtection) } : {}),
    CreationDate: where.now,
    LastModifiedDate: where.now,
    origin: where.origin,
  };
}

/** An app client from CreateUserPoolClient's request or the template's properties. */
export function clientRecord(
  props: Props,
  where: {
    readonly id: string;
    readonly poolId: string;
    readonly name: string;
    readonly secret?: string;
    readonly now: number;
    readonly origin: ClientRecord['origin'];
  },
): ClientRecord {
  const list = (key: string) => {
    const value = strings(props[key]);
    return value === undefined ? {} : { [key]: value };
  };
  const number = (key: string) => (num(props[key]) === undefined ? {} : { [key]: num(props[key]) });
  return {
    UserPoolId: where.poolId,
    ClientName: where.name,
    ClientId: where.id,
    ...(where.secret === undefined ? {} : { ClientSecret: where.secret }),
    // With none given, Cognito allows SRP, refresh and custom auth (CreateUserPoolClient's ExplicitAuthFlows).
    ExplicitAuthFlows: strings(props.ExplicitAuthFlows) ?? ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'],
    ...number('RefreshTokenValidity'),
    ...number('AccessTokenValidity'),
    ...number('IdTokenValidity'),
    ...number('AuthSessionValidity'),
    ...(props.TokenValidityUnits ? { TokenValidityUnits: props.TokenValidityUnits as ClientRecord['TokenValidityUnits'] } : {}),
    ...list('ReadAttributes'),
    ...list('WriteAttributes'),
    ...list('AllowedOAuthFlows'),
    ...list('AllowedOAuthScopes'),
    ...list('CallbackURLs'),
    ...list('LogoutURLs'),
    ...list('SupportedIdentityProviders'),
    ...(props.AllowedOAuthFlowsUserPoolClient === undefined
      ? {}
      : { AllowedOAuthFlowsUserPoolClient: bool(props.AllowedOAuthFlowsUserPoolClient) }),
    PreventUserExistenceErrors: String(props.PreventUserExistenceErrors ?? 'LEGACY'),
    EnableTokenRevocation: props.EnableTokenRevocation === undefined ? true : bool(props.EnableTokenRevocation),
    CreationDate: where.now,
    LastModifiedDate: where.now,
    origin: where.origin,
  };
}

export function groupRecord(props: Props, where: { readonly poolId: string; readonly name: string; readonly now: number }): GroupRecord {
  return {
    GroupName: where.name,
    UserPoolId: where.poolId,
    ...(props.Description === undefined ? {} : { Description: String(props.Description) }),
    ...(props.RoleArn === undefined ? {} : { RoleArn: String(props.RoleArn) }),
    ...(num(props.Precedence) === undefined ? {} : { Precedence: num(props.Precedence) }),
    CreationDate: where.now,
    LastModifiedDate: where.now,
  };
}
